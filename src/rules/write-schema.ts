/**
 * Writes the published JSON Schemas from the code (`npm run schema`): `schema/rules.schema.json`
 * for rule files and `schema/rule-tests.schema.json` for rule test files. A test fails when a
 * committed file differs, so the schemas editors use always match what the loaders accept.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildRuleTestsSchema } from '../ruletest/schema.js';
import { buildRulesSchema } from './schema.js';

const render = (schema: Record<string, unknown>) => `${JSON.stringify(schema, null, 2)}\n`;

export function renderRulesSchema(): string {
  return render(buildRulesSchema());
}

export function renderRuleTestsSchema(): string {
  return render(buildRuleTestsSchema());
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const directory = process.argv[2] ?? 'schema';
  for (const [name, text] of [['rules.schema.json', renderRulesSchema()], ['rule-tests.schema.json', renderRuleTestsSchema()]] as const) {
    await writeFile(path.join(directory, name), text);
    console.log(`wrote ${path.join(directory, name)}`);
  }
}
