/**
 * Writes `docs/rules.md` from the code and `docs/rules.head.md` (`npm run docs`). A test fails
 * when the committed file differs, so the reference always matches what the checks do.
 */
import { writeFile } from 'node:fs/promises';
import { renderRulesReference } from './reference.js';

if (import.meta.url === `file://${process.argv[1]}`) {
  const target = process.argv[2] ?? 'docs/rules.md';
  await writeFile(target, renderRulesReference());
  console.log(`wrote ${target}`);
}
