/** Where the rules come from when `--rules` is not given. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The rules shipped with perimeter (`<package>/rules`). */
export const SHIPPED_RULES_DIR = fileURLToPath(new URL('../../rules', import.meta.url));

/** `./rules` when the working directory has one (a rules repository), else the shipped rules. */
export function defaultRulesDir(): string {
  return existsSync('rules') ? 'rules' : SHIPPED_RULES_DIR;
}
