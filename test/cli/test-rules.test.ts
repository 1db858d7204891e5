import t from 'tap';
import { mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { loadRuleDirectory } from '../../src/rules/load.js';
import { loadTestDirectory } from '../../src/ruletest/load.js';
import { runCases } from '../../src/ruletest/run.js';
import { cli } from './run.js';
import { shippedRulesCopy } from '../helpers.js';

interface JsonRun {
  results: { file: string; name: string; status: string; resources: { name: string; verdict: string; findings: string[]; mismatches: unknown[] }[] }[];
  coverage: { rule: string; reported: number; passed: number }[];
  summary: { cases: number; passed: number; failed: number; errors: number };
}

/** A copy of the shipped rules with the given test files instead of the shipped ones. */
async function rulesWithTests(files: Record<string, string>, extraRules: Record<string, string> = {}): Promise<string> {
  const dir = await shippedRulesCopy({}, extraRules);
  await mkdir(path.join(dir, 'tests'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, 'tests', name), text);
  return dir;
}

const OPEN_LB = `{apiVersion: v1, kind: Service, metadata: {name: world, namespace: shop}, spec: {type: LoadBalancer, externalTrafficPolicy: Cluster, loadBalancerSourceRanges: ["0.0.0.0/0"], ports: [{port: 443}]}}`;
const DEFAULT_DENY = `{apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: default-deny-egress, namespace: shop}, spec: {podSelector: {}, policyTypes: [Egress]}}`;

t.test('the shipped cases pass, and cover every shipped rule both ways', async (t) => {
  const run = await cli(['test', 'rules', '-o', 'json']);
  t.equal(run.code, 0, 'exit 0');
  const report = JSON.parse(run.stdout) as JsonRun;
  let written = 0;
  for (const name of await readdir('rules/tests')) written += (parse(await readFile(`rules/tests/${name}`, 'utf8')) as { cases: unknown[] }).cases.length;
  t.equal(report.summary.cases, written, 'every written case ran');
  t.same(report.summary, { cases: written, passed: written, failed: 0, errors: 0 });
  // Written out, not read from the rule set the coverage is built from: a rule left out of the
  // run, or one counted twice, must show here.
  const shippedRuleIds = ['no-open-egress', 'egress-default-deny', 'no-open-sources', 'require-source-ranges', 'external-traffic-policy-local', 'deny-external-ips', 'ingress-controller-keeps-client-ip'];
  t.same(report.coverage.map((c) => c.rule), shippedRuleIds, 'one coverage row per shipped rule, in rule order');
  for (const { rule, reported, passed } of report.coverage) {
    t.ok(reported >= 1, `${rule}: at least one case where it reports (denies, warns or patches)`);
    t.ok(passed >= 1, `${rule}: at least one case where it runs and passes`);
  }
  const table = await cli(['test', 'rules']);
  t.equal(table.code, 0);
  t.match(table.stdout, /PASS {2}the whole internet is denied in every spelling/);
  t.match(table.stdout, new RegExp(`${written} cases: ${written} passed, 0 failed, 0 errors`));
  t.notMatch(table.stdout, /rules without both/);
});

t.test('every shipped rule has a case where it acts at its own enforcement (and patches, if it mutates)', async (t) => {
  const ruleSet = await loadRuleDirectory('rules');
  const run = runCases(await loadTestDirectory('rules/tests'), ruleSet, new Date('2026-11-21T00:00:00Z'));
  const evaluations = run.results.flatMap((result) => result.resources.map((r) => r.evaluation));
  for (const rule of ruleSet.rules) {
    const acted = evaluations.some((e) => e.verdict === rule.enforcement && e.findings.some((f) => f.rule === rule.id && f.enforcement === rule.enforcement));
    t.ok(acted, `${rule.id}: a case whose verdict is ${rule.enforcement} because of it`);
    if (rule.mutate) t.ok(evaluations.some((e) => e.mutations.some((m) => m.rule === rule.id) && e.patch.length > 0), `${rule.id}: a case where it patches`);
  }
});

t.test('a deliberately wrong case fails with a readable diff of expected and actual', async (t) => {
  const dir = await rulesWithTests({
    'wrong.yaml': `cases:
  - name: wrongly expects an open LoadBalancer to be allowed
    cluster: {objects: [${DEFAULT_DENY}]}
    resources: [${OPEN_LB}]
    expect:
      verdict: allow
      findings: [require-source-ranges]
      patch: [{op: add, path: /spec/externalTrafficPolicy, value: Local}]
  - name: a right one next to it
    cluster: {objects: [${DEFAULT_DENY}]}
    resources: [${OPEN_LB}]
    expect: {verdict: deny, findings: [no-open-sources]}
`,
  });
  const run = await cli(['test', dir]);
  t.equal(run.code, 1, 'exit 1 on a failing case');
  const lines = run.stdout.split('\n');
  t.ok(lines.includes('  FAIL  wrongly expects an open LoadBalancer to be allowed'));
  t.ok(lines.includes('  PASS  a right one next to it'));
  t.ok(lines.includes('      verdict:  expected allow, got deny'));
  t.ok(lines.includes('        - require-source-ranges  (expected, not reported)'));
  t.ok(lines.includes('        + no-open-sources  (reported, not expected)'));
  t.ok(lines.includes('        - - op: add'), 'the expected patch line');
  t.ok(lines.includes('        + - op: replace'), 'the actual patch line');
  t.ok(lines.includes('            path: /spec/externalTrafficPolicy'), 'common lines shown unmarked');
  t.match(run.stdout, /no-open-sources \(deny\): spec\.loadBalancerSourceRanges\[0\]: "0\.0\.0\.0\/0" admits every IPv4 address/, 'what the engine said');
  t.match(run.stdout, /Service shop\/world \(.*wrong\.yaml:4\), case at .*wrong\.yaml:2/);
  t.match(run.stdout, /2 cases: 1 passed, 1 failed, 0 errors/);
});

t.test('a case that expects nothing is an error, never a pass', async (t) => {
  for (const expect of ['expect: {}', '']) {
    const dir = await rulesWithTests({ 'empty.yaml': `cases:\n  - name: expects nothing\n    resources: [${OPEN_LB}]\n    ${expect}\n` });
    const run = await cli(['test', dir]);
    t.equal(run.code, 2, `${expect || 'no expect key'}: exit 2`);
    t.equal(run.stdout, '', 'no case reported as run');
    const file = path.join(dir, 'tests', 'empty.yaml');
    t.match(run.stderr, expect === '' ? `${file}:2:5: case "expects nothing" is missing the required key "expect"` : `${file}:4:13: expect must give at least one of: verdict, findings, patch (case "expects nothing")`);
  }
});

// [why, test file text, expected message]
const invalidRows: [string, string, RegExp][] = [
  ['unknown expectation key', `cases:\n  - name: typo\n    resources: [${OPEN_LB}]\n    expect: {verdikt: deny}\n`, /empty\.yaml:4:14: expect\.verdikt is not a known key \(expected one of: verdict, findings, patch\) \(case "typo"\)/],
  ['unknown verdict', `cases:\n  - name: v\n    resources: [${OPEN_LB}]\n    expect: {verdict: denied}\n`, /empty\.yaml:4:23: expect\.verdict must be one of: allow, warn, deny \(case "v"\)/],
  ['no resources', `cases:\n  - name: nothing\n    expect: {verdict: deny}\n`, /empty\.yaml:2:5: case "nothing" names no resources/],
  ['duplicate names', `cases:\n  - name: a\n    resources: [${OPEN_LB}]\n    expect: {verdict: deny}\n  - name: a\n    resources: [${OPEN_LB}]\n    expect: {verdict: deny}\n`, /empty\.yaml:5:11: case name "a" is already used at line 2/],
  ['missing file', `cases:\n  - name: f\n    files: [nowhere.yaml]\n    expect: {verdict: deny}\n`, /empty\.yaml:3:13: .*nowhere\.yaml: cannot read \(no such file\)/],
  ['oldObject without UPDATE', `cases:\n  - name: o\n    resources: [${OPEN_LB}]\n    oldObject: ${OPEN_LB}\n    expect: {verdict: deny}\n`, /empty\.yaml:4:5: oldObject goes with operation UPDATE \(case "o"\)/],
  ['bad date', `cases:\n  - name: d\n    now: tomorrow\n    resources: [${OPEN_LB}]\n    expect: {verdict: deny}\n`, /empty\.yaml:3:10: now must be a date written YYYY-MM-DD \(case "d"\)/],
  ['YAML syntax', `cases:\n  - name: [unclosed\n`, /empty\.yaml:\d+:\d+: /],
  ['alias to no anchor', `cases: [*nowhere]\n`, /empty\.yaml:1:1: cannot read the YAML: Unresolved alias/],
  ['empty resources', `cases:\n  - name: e\n    resources: []\n    expect: {verdict: deny}\n`, /empty\.yaml:2:5: case "e" names no resources/],
  ['UPDATE without oldObject', `cases:\n  - name: u\n    operation: UPDATE\n    resources: [${OPEN_LB}]\n    expect: {verdict: deny}\n`, /empty\.yaml:3:16: operation UPDATE needs oldObject: the object as it is before the update \(case "u"\)/],
  ['objects in a cluster that cannot be read', `cluster: {available: false, objects: [${DEFAULT_DENY}]}\ncases:\n  - name: c\n    resources: [${OPEN_LB}]\n    expect: {verdict: deny}\n`, /empty\.yaml:1:11: cluster: a cluster that cannot be read has no objects/],
  ['a directory as a file', `cases:\n  - name: d\n    files: [.]\n    expect: {verdict: deny}\n`, /empty\.yaml:3:13: .*tests: cannot read \(is a directory\)/],
  ['no cases', `cases: []\n`, /empty\.yaml:1:8: cases must NOT have fewer than 1 items/],
];

t.test('test files that cannot be read are refused with file:line:column', async (t) => {
  for (const [why, text, message] of invalidRows) {
    const run = await cli(['test', await rulesWithTests({ 'empty.yaml': text })]);
    t.equal(run.code, 2, `${why}: exit 2`);
    t.match(run.stderr, message, why);
  }
  const none = await rulesWithTests({});
  const run = await cli(['test', none]);
  t.equal(run.code, 2);
  t.match(run.stderr, /tests: no test files \(\*\.yaml, \*\.yml\) in this directory/);
  const missing = await cli(['test', 'rules', '--tests', 'no/such/dir']);
  t.match(missing.stderr, /no\/such\/dir: cannot read the tests directory: no such directory/);
});

t.test('a missing cluster file of the whole test file is reported once, not per case', async (t) => {
  const text = `cluster: {files: [gone.yaml]}\ncases:\n${['a', 'b', 'c'].map((name) => `  - name: ${name}\n    resources: [${OPEN_LB}]\n    expect: {verdict: deny}\n`).join('')}`;
  const run = await cli(['test', await rulesWithTests({ 'empty.yaml': text })]);
  t.equal(run.code, 2);
  t.equal(run.stderr.match(/gone\.yaml/g)?.length, 1, run.stderr);
});

t.test('symbolic links are test files (a mounted ConfigMap is links), and YAML merge keys merge', async (t) => {
  const dir = await rulesWithTests({});
  const elsewhere = await mkdtemp(path.join(tmpdir(), 'perimeter-linked-'));
  await writeFile(path.join(elsewhere, 'linked.yaml'), `cases:
  - name: merged from an anchor
    resources:
      - &lb ${OPEN_LB}
      - <<: *lb
        metadata: {name: world-2, namespace: shop}
    cluster: {objects: [${DEFAULT_DENY}]}
    expect: {verdict: allow}
`);
  await symlink(path.join(elsewhere, 'linked.yaml'), path.join(dir, 'tests', 'linked.yaml'));
  const run = await cli(['test', dir, '-o', 'json']);
  t.equal(run.code, 1, 'the linked file ran, and its wrong expectation failed');
  const report = JSON.parse(run.stdout) as JsonRun;
  t.same(report.results[0]?.resources.map((r) => [r.name, r.verdict]), [['world', 'deny'], ['world-2', 'deny']], 'the merged resource is a LoadBalancer open to the world, not a Service with a "<<" key');
});

t.test('coverage counts a rule only in the cases where its check ran', async (t) => {
  const kubeSystemLb = OPEN_LB.replace('namespace: shop', 'namespace: kube-system');
  const dir = await rulesWithTests({
    'coverage.yaml': `cluster: {objects: [${DEFAULT_DENY}]}
cases:
  - name: the mutating call alone runs only the mutating rule
    phase: mutate
    resources: [${OPEN_LB}]
    expect: {verdict: allow, patch: [{op: replace, path: /spec/externalTrafficPolicy, value: Local}]}
  - name: both calls run every rule
    resources: [${OPEN_LB}]
    expect: {verdict: deny}
  - name: an exempted namespace runs none
    resources: [${kubeSystemLb}]
    expect: {verdict: allow}
`,
  });
  const ruleSet = await loadRuleDirectory(dir);
  const run = runCases(await loadTestDirectory(path.join(dir, 'tests')), ruleSet, new Date('2026-11-21T00:00:00Z'));
  t.same(run.summary, { cases: 3, passed: 3, failed: 0, errors: 0 });
  const row = (rule: string) => run.coverage.find((c) => c.rule === rule);
  t.same(row('external-traffic-policy-local'), { rule: 'external-traffic-policy-local', reported: 2, passed: 0 }, 'patched in the mutating call and in both');
  t.same(row('no-open-sources'), { rule: 'no-open-sources', reported: 1, passed: 0 }, 'not counted as passing where only the mutating call ran');
  t.same(row('deny-external-ips'), { rule: 'deny-external-ips', reported: 0, passed: 1 });
  const table = await cli(['test', dir]);
  t.match(table.stdout, /rules without both a case where they report and one where they pass:\n(?:.*\n)*? {2}no-open-sources: reports in 1 case, passes in 0 cases\n/);
});

t.test('a failing case shows the exemption that spared the object, and that it has no end date', async (t) => {
  const exempted = OPEN_LB.replace('namespace: shop', 'namespace: kube-system');
  const dir = await rulesWithTests({ 'exempt.yaml': `cases:\n  - name: expects a denial in an exempted namespace\n    resources: [${exempted}]\n    expect: {verdict: deny}\n` });
  const run = await cli(['test', dir]);
  t.equal(run.code, 1);
  t.match(run.stdout, /no-open-sources \(exempt\): Cluster components; owned by the platform team\.; no end date\n/);
});

t.test('an exemption with an owner and an end is shown with both', async (t) => {
  const partnerRule = `rules:
  - id: partner-ranges
    description: no-open-sources, stricter, with a partner exemption.
    check: no-open-sources
    enforcement: deny
    params: {minPrefixLengthV4: 16}
    exclude:
      - {namespace: shop, name: partner-*, reason: Partner VPN ranges being collected, owner: team-edge, expires: 2027-03-31}
`;
  const partner = OPEN_LB.replace(/name: [^,}]+/, 'name: partner-gw');
  // Expecting an allow fails (the shipped no-open-sources still denies): the failure lists what spared it.
  const dir = await rulesWithTests({ 'partner.yaml': `cases:\n  - name: partner gateway\n    resources: [${partner}]\n    expect: {verdict: allow}\n` }, { 'partner-rules.yaml': partnerRule });
  const run = await cli(['test', dir]);
  t.equal(run.code, 1);
  t.match(run.stdout, /partner-ranges \(exempt\): Partner VPN ranges being collected; owner team-edge; until 2027-03-31\n/);
});

t.test('a case that judges nothing is an error, not a pass', async (t) => {
  const run = await cli(['test', await rulesWithTests({ 'cm.yaml': `cases:\n  - name: a ConfigMap\n    resources: [{apiVersion: v1, kind: ConfigMap, metadata: {name: c}}]\n    expect: {verdict: allow}\n` })]);
  t.equal(run.code, 1);
  t.match(run.stdout, /ERROR a ConfigMap\n.*cm\.yaml:2: judges nothing: no rule of the set reads ConfigMap on CREATE/);
});

t.test('files, cluster files, UPDATE, the evaluation day and an unavailable cluster', async (t) => {
  const exemption = `# yaml-language-server: $schema=../schema/rules.schema.json
rules:
  - id: partner-exemption-probe
    description: no-open-sources with a dated exemption.
    check: no-open-sources
    enforcement: deny
    exclude:
      - {namespace: shop, name: world, reason: Partner migration, owner: team-edge, expires: 2026-12-01}
`;
  const dir = await rulesWithTests(
    {
      'more.yaml': `cluster:
  files: [../../examples-copy.yaml]
cases:
  - name: from a file, with the bundle's default-deny policy as the cluster
    files: [../../service.yaml]
    expect: {verdict: deny, findings: [no-open-sources]}
  - name: the exemption still applies on its last day
    now: 2026-12-01
    resources: [${OPEN_LB}]
    expect: {findings: [no-open-sources]}
  - name: and no longer the day after
    now: 2026-12-02
    resources: [${OPEN_LB}]
    expect: {findings: [no-open-sources, partner-exemption-probe]}
  - name: narrowing the default-deny policy is an UPDATE that is denied
    operation: UPDATE
    resources: [{apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: default-deny-egress, namespace: shop}, spec: {podSelector: {matchLabels: {app: x}}, policyTypes: [Egress]}}]
    oldObject: ${DEFAULT_DENY}
    expect: {verdict: deny, findings: [egress-default-deny]}
  - name: cluster unavailable
    cluster: {available: false}
    resources: [{apiVersion: v1, kind: Service, metadata: {name: ok, namespace: shop}, spec: {type: LoadBalancer, externalTrafficPolicy: Local, loadBalancerSourceRanges: ["203.0.113.0/24"]}}]
    expect: {verdict: warn, findings: [egress-default-deny]}
`,
    },
    { 'probe.yaml': exemption },
  );
  await writeFile(path.join(dir, '..', 'examples-copy.yaml'), `---\n${DEFAULT_DENY}\n`);
  await writeFile(path.join(dir, '..', 'service.yaml'), `# a manifest\n---\n${OPEN_LB}\n`);
  const run = await cli(['test', dir, '-o', 'json']);
  const report = JSON.parse(run.stdout) as JsonRun;
  t.same(
    report.results.map((r) => [r.name, r.status]),
    [
      ["from a file, with the bundle's default-deny policy as the cluster", 'pass'],
      ['the exemption still applies on its last day', 'pass'],
      ['and no longer the day after', 'pass'],
      ['narrowing the default-deny policy is an UPDATE that is denied', 'pass'],
      ['cluster unavailable', 'pass'],
    ],
    'every case passes',
  );
  t.equal(run.code, 0);
});
