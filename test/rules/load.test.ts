import t from 'tap';
import { readFile, readdir } from 'node:fs/promises';
import { CHECKS } from '../../src/checks/index.js';
import { loadRuleDirectory, parseRuleFiles, RuleLoadError } from '../../src/rules/load.js';
import { renderRulesSchema, renderRuleTestsSchema } from '../../src/rules/write-schema.js';

/** Loads one file and returns its error lines (or [] when it loads). */
function problemsOf(text: string, file = 'rules/lb.yaml'): string[] {
  try {
    parseRuleFiles([{ file, text }]);
    return [];
  } catch (error) {
    if (!(error instanceof RuleLoadError)) throw error;
    t.equal(error.code, 'PERIMETER_RULES_INVALID');
    return error.message.split('\n');
  }
}

const rule = (body: string) => `rules:\n  - id: lb\n    description: d\n${body}`;

t.test('the shipped rules load, use every check, and stay in enforce mode', async (t) => {
  const ruleSet = await loadRuleDirectory('rules');
  t.equal(ruleSet.mode, 'enforce');
  t.same(new Set(ruleSet.rules.map((r) => r.check.id)), new Set(CHECKS.map((c) => c.id)), 'every check is on');
  t.same(ruleSet.exclude.map((e) => e.namespace), ['kube-system', 'kube-public', 'kube-node-lease']);
  for (const name of await readdir('rules')) {
    if (!name.endsWith('.yaml')) continue;
    const text = await readFile(`rules/${name}`, 'utf8');
    t.match(text.split('\n')[0], /^# yaml-language-server: \$schema=\.\.\/schema\/rules\.schema\.json$/, `${name} points editors at the schema`);
  }
  for (const name of await readdir('rules/tests')) {
    const text = await readFile(`rules/tests/${name}`, 'utf8');
    t.match(text.split('\n')[0], /^# yaml-language-server: \$schema=\.\.\/\.\.\/schema\/rule-tests\.schema\.json$/, `tests/${name} points editors at the test schema`);
  }
});

t.test('the committed JSON Schemas match the code (npm run schema)', async (t) => {
  t.equal(await readFile('schema/rules.schema.json', 'utf8'), renderRulesSchema(), 'rules.schema.json is stale: run npm run schema');
  t.equal(await readFile('schema/rule-tests.schema.json', 'utf8'), renderRuleTestsSchema(), 'rule-tests.schema.json is stale: run npm run schema');
});

// [why, file text, expected error lines]
const rows: [string, string, string[]][] = [
  [
    'a port that is neither a port number nor a name: one line, not one per alternative',
    rule('    check: no-open-egress\n    enforcement: deny\n    params: {allowPorts: [{port: 0}, {port: ""}]}\n'),
    [
      'rules/lb.yaml:6:34: params.allowPorts[0].port must be an integer 1..65535 or a non-empty string (rule lb)',
      'rules/lb.yaml:6:45: params.allowPorts[1].port must be an integer 1..65535 or a non-empty string (rule lb)',
    ],
  ],
  [
    'parameter out of range',
    rule('    check: no-open-sources\n    enforcement: deny\n    params:\n      minPrefixLengthV4: 40\n'),
    ['rules/lb.yaml:7:26: params.minPrefixLengthV4 must be an integer 0..32 (rule lb)'],
  ],
  [
    'parameter of the wrong type',
    rule('    check: no-open-sources\n    enforcement: deny\n    params:\n      minPrefixLengthV6: "32"\n'),
    ['rules/lb.yaml:7:26: params.minPrefixLengthV6 must be an integer 0..128 (rule lb)'],
  ],
  [
    'unknown parameter is an error, not ignored',
    rule('    check: no-open-sources\n    enforcement: deny\n    params:\n      minPrefixLength: 8\n'),
    ['rules/lb.yaml:7:7: params.minPrefixLength is not a known key (expected one of: minPrefixLengthV4, minPrefixLengthV6) (rule lb)'],
  ],
  [
    'misspelt rule key',
    rule('    check: no-open-sources\n    enforcment: deny\n'),
    [
      'rules/lb.yaml:2:5: rule lb is missing the required key "enforcement"',
      'rules/lb.yaml:5:5: enforcment is not a known key (expected one of: id, description, check, enforcement, mutate, params, exclude) (rule lb)',
    ],
  ],
  ['unknown top-level key', 'mode: enforce\nrule: []\n', ['rules/lb.yaml:2:1: rule is not a known key (expected one of: mode, exclude, rules)']],
  ['unknown check', rule('    check: open-sources\n    enforcement: deny\n'), [`rules/lb.yaml:4:12: check must be one of: ${CHECKS.map((c) => c.id).join(', ')} (rule lb)`]],
  ['unknown enforcement', rule('    check: no-open-sources\n    enforcement: block\n'), ['rules/lb.yaml:5:18: enforcement must be one of: deny, warn, audit (rule lb)']],
  ['bad mode', 'mode: dry-run\n', ['rules/lb.yaml:1:7: mode must be one of: enforce, audit']],
  [
    'mutate on a check that cannot patch',
    rule('    check: no-open-sources\n    enforcement: deny\n    mutate: true\n'),
    ['rules/lb.yaml:6:13: mutate must be false: check no-open-sources has no fix to patch in (rule lb)'],
  ],
  [
    'CIDR parameter that does not parse',
    rule('    check: deny-external-ips\n    enforcement: deny\n    params:\n      allowedCidrs: [10.0.0.0/8, 10.0.0.0/40]\n'),
    ['rules/lb.yaml:7:34: params.allowedCidrs[1] "10.0.0.0/40" is not a valid IP address or CIDR range (rule lb)'],
  ],
  [
    'exemption without a reason, and with a bad date',
    rule('    check: no-open-sources\n    enforcement: deny\n    exclude:\n      - namespace: x\n        expires: next week\n'),
    ['rules/lb.yaml:7:9: exclude[0] is missing the required key "reason" (rule lb)', 'rules/lb.yaml:8:18: exclude[0].expires must be a date written YYYY-MM-DD (rule lb)'],
  ],
  [
    'exemption that matches nothing in particular',
    rule('    check: no-open-sources\n    enforcement: deny\n    exclude:\n      - reason: because\n'),
    ['rules/lb.yaml:7:9: exclude[0] must name a namespace, a name, or both (rule lb)'],
  ],
  ['invalid rule id', 'rules:\n  - {id: No_Open, description: d, check: no-open-sources, enforcement: deny}\n', ['rules/lb.yaml:2:10: id must be lowercase letters, digits and "-" (pattern ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$) (rule No_Open)']],
  ['YAML syntax error', 'rules:\n  - id: lb\n   description: d\n', ['rules/lb.yaml:3:1: Sequence item without - indicator']],
  ['duplicate key', 'mode: enforce\nmode: audit\n', ['rules/lb.yaml:2:1: Map keys must be unique']],
  ['a file that is a list', '- id: lb\n', ['rules/lb.yaml:1:1: rule file must be object']],
  ['empty file is valid', '# nothing yet\n', []],
];

t.test('bad rule files are rejected with file:line:column and what is wrong', async (t) => {
  for (const [why, text, expected] of rows) t.same(problemsOf(text), expected, why);
});

t.test('every check refuses a parameter it does not declare', async (t) => {
  // perimeter explain lists a rule's parameters from its check's schema, relying on this.
  for (const check of CHECKS) {
    const problems = problemsOf(rule(`    check: ${check.id}\n    enforcement: deny\n    params:\n      notAParameter: 1\n`));
    t.match(problems.join('\n'), /^rules\/lb\.yaml:7:7: params\.notAParameter is not a known key/, check.id);
  }
});

t.test('problems that span files', async (t) => {
  const a = { file: 'rules/a.yaml', text: 'mode: audit\nrules:\n  - {id: lb, description: d, check: no-open-sources, enforcement: deny}\n' };
  const b = { file: 'rules/b.yaml', text: 'mode: enforce\nrules:\n  - {id: lb, description: d, check: deny-external-ips, enforcement: deny}\n' };
  t.throws(() => parseRuleFiles([a, b]), {
    message: 'rules/b.yaml:1:1: mode is already set in rules/a.yaml:1:1; set it in one file only\nrules/b.yaml:3:10: rule id "lb" is already used at rules/a.yaml:3:10',
  });
});

t.test('defaults fill parameters left out', async (t) => {
  const ruleSet = parseRuleFiles([{ file: 'r.yaml', text: rule('    check: no-open-sources\n    enforcement: deny\n') }]);
  t.same(ruleSet.rules[0]?.params, { minPrefixLengthV4: 8, minPrefixLengthV6: 32 });
  t.equal(ruleSet.mode, 'enforce', 'mode defaults to enforce');
});

t.test('directories: missing, empty, and subfolders ignored', async (t) => {
  const dir = t.testdir({ 'only.txt': 'x', tests: { 'case.yaml': 'not: a rule file' } });
  await t.rejects(loadRuleDirectory(dir), { message: `${dir}: no rule files (*.yaml, *.yml) in this directory` });
  await t.rejects(loadRuleDirectory(`${dir}/missing`), { message: `${dir}/missing: cannot read the rules directory: no such directory` });
});
