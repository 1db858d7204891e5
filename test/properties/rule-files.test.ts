/**
 * Rule files, generated: valid rules with fields replaced by anything, and YAML text cut, spliced
 * and garbled. Loading either gives a rule set or a RuleLoadError whose every problem names the
 * file, a line and a column; nothing else is ever thrown.
 */
import t from 'tap';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { parseRuleFiles, RuleLoadError } from '../../src/rules/load.js';
import { CHECKS } from '../../src/checks/index.js';
import { holds, SEED } from './seed.js';

t.comment(`seed ${SEED} (replay with PERIMETER_SEED=${SEED})`);

const FILE = 'rules/generated.yaml';

const rule = fc.record(
  {
    id: fc.oneof(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), fc.string({ maxLength: 8 })),
    description: fc.string({ maxLength: 20 }),
    check: fc.oneof(fc.constantFrom(...CHECKS.map((check) => check.id)), fc.string({ maxLength: 10 })),
    enforcement: fc.oneof(fc.constantFrom('deny', 'warn', 'audit'), fc.jsonValue({ maxDepth: 1 })),
    mutate: fc.oneof(fc.boolean(), fc.jsonValue({ maxDepth: 1 })),
    params: fc.oneof(
      fc.record({ minPrefixLengthV4: fc.integer({ min: -5, max: 40 }), defaultSourceRanges: fc.array(fc.oneof(fc.ipV4().map((a) => `${a}/24`), fc.string({ maxLength: 6 })), { maxLength: 3 }) }, { requiredKeys: [] }),
      fc.jsonValue({ maxDepth: 2 }),
    ),
    exclude: fc.array(fc.record({ namespace: fc.string({ maxLength: 8 }), reason: fc.string({ maxLength: 8 }), expires: fc.oneof(fc.constantFrom('2026-12-31', '2020-01-01', '31/12/2026'), fc.jsonValue({ maxDepth: 1 })) }, { requiredKeys: ['reason'] }), { maxLength: 2 }),
  },
  { requiredKeys: ['id'] },
);

const document = fc.record(
  { mode: fc.oneof(fc.constantFrom('enforce', 'audit'), fc.jsonValue({ maxDepth: 1 })), rules: fc.oneof(fc.array(rule, { maxLength: 4 }), fc.jsonValue({ maxDepth: 2 })), exclude: fc.jsonValue({ maxDepth: 2 }) },
  { requiredKeys: [] },
);

/** YAML text of a generated document, then possibly damaged: cut, a slice repeated, a character swapped. */
const text = fc.tuple(document, fc.nat(), fc.nat(), fc.constantFrom('none', 'cut', 'repeat', 'swap'), fc.string({ unit: 'binary', maxLength: 3 })).map(([doc, a, b, damage, junk]) => {
  const yaml = stringify(doc);
  const i = yaml.length === 0 ? 0 : a % yaml.length;
  const j = yaml.length === 0 ? 0 : b % yaml.length;
  if (damage === 'cut') return yaml.slice(0, i);
  if (damage === 'repeat') return yaml.slice(0, i) + yaml.slice(Math.min(i, j), Math.max(i, j)) + yaml.slice(i);
  if (damage === 'swap') return yaml.slice(0, i) + junk + yaml.slice(i + 1);
  return yaml;
});

t.test('a rule file loads, or every problem names the file, line and column; nothing else is thrown', async (t) => {
  let loaded = 0;
  let refused = 0;
  await holds(
    t,
    'rule files',
    fc.property(text, (source) => {
      try {
        parseRuleFiles([{ file: FILE, text: source }]);
        loaded++;
        return true;
      } catch (error) {
        if (!(error instanceof RuleLoadError)) throw error;
        refused++;
        return error.problems.length > 0 && error.problems.every((problem) => problem.file === FILE && problem.line >= 1 && problem.column >= 1 && problem.message.length > 0);
      }
    }),
    3_000,
  );
  t.comment(`${loaded} loaded, ${refused} refused with located problems`);
  t.ok(loaded > 0 && refused > 0, 'the generator reaches both outcomes');
});
