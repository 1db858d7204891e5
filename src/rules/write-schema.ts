/**
 * Writes `schema/rules.schema.json` from the code (`npm run schema`). A test fails when the
 * committed file differs, so the published schema always matches what the loader accepts.
 */
import { writeFile } from 'node:fs/promises';
import { buildRulesSchema } from './schema.js';

export function renderRulesSchema(): string {
  return `${JSON.stringify(buildRulesSchema(), null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const target = process.argv[2] ?? 'schema/rules.schema.json';
  await writeFile(target, renderRulesSchema());
  console.log(`wrote ${target}`);
}
