import t from 'tap';
import fastJsonPatch from 'fast-json-patch';
import { evaluate } from '../../src/engine/evaluate.js';
import { createRuleSet } from '../../src/engine/rule-set.js';
import { parseRuleFiles } from '../../src/rules/load.js';
import type { KubeObject } from '../../src/engine/types.js';
import { clusterWith, DEFAULT_DENY_EGRESS, loadBalancer, service } from '../helpers.js';

const NOW = new Date('2026-11-21T12:00:00Z');
const environment = { cluster: clusterWith([DEFAULT_DENY_EGRESS]), now: NOW };
const rules = (text: string) => parseRuleFiles([{ file: 'rules/test.yaml', text }]);

const ETP_AND_RANGES = `
rules:
  - id: etp
    description: keep client addresses
    check: external-traffic-policy-local
    enforcement: deny
    mutate: true
  - id: ranges
    description: default allowlist
    check: require-source-ranges
    enforcement: deny
    mutate: true
    params: { defaultSourceRanges: [10.0.0.0/8] }
`;

t.test('mutations run first, see each other, and validation sees the patched object', async (t) => {
  // The ETP rule comes first, but only has something to fix once the ranges rule has patched.
  const object = loadBalancer();
  const result = evaluate({ object }, rules(ETP_AND_RANGES), environment);
  t.equal(result.verdict, 'allow', 'both findings fixed, nothing left to deny');
  t.same(result.findings, []);
  t.same(result.mutations.map((m) => m.rule), ['ranges', 'etp']);
  t.same(result.patch, [
    { op: 'add', path: '/spec/loadBalancerSourceRanges', value: ['10.0.0.0/8'] },
    { op: 'replace', path: '/spec/externalTrafficPolicy', value: 'Local' },
  ]);
  const patched = fastJsonPatch.applyPatch(object, result.patch.map((op) => ({ ...op })), true, false).newDocument as { spec: Record<string, unknown> };
  t.equal(patched.spec.externalTrafficPolicy, 'Local');
  t.same(object.spec, loadBalancer().spec, 'the input object is not modified');
});

t.test('audit mode: nothing denied, nothing patched, everything reported', async (t) => {
  const ruleSet = rules(`mode: audit\n${ETP_AND_RANGES}\n  - id: open\n    description: no open\n    check: no-open-sources\n    enforcement: deny\n`);
  const object = loadBalancer({ loadBalancerSourceRanges: ['0.0.0.0/0'] });
  const result = evaluate({ object }, ruleSet, environment);
  t.equal(result.verdict, 'warn');
  t.equal(result.dryRun, true);
  t.same(result.patch, [], 'no patch in audit mode');
  t.same(result.mutations.map((m) => m.rule), ['etp'], 'what would have been patched');
  t.same(result.findings.map((f) => [f.rule, f.enforcement]), [['open', 'deny']], 'what would have denied keeps its enforcement');
});

t.test('verdict: deny over warn over allow; audit-level findings do not change it', async (t) => {
  const set = (enforcement: string) => rules(`rules:\n  - {id: r, description: d, check: deny-external-ips, enforcement: ${enforcement}}\n`);
  const object = service({ type: 'ClusterIP', externalIPs: ['203.0.113.1'] });
  t.equal(evaluate({ object }, set('deny'), environment).verdict, 'deny');
  t.equal(evaluate({ object }, set('warn'), environment).verdict, 'warn');
  const audited = evaluate({ object }, set('audit'), environment);
  t.equal(audited.verdict, 'allow');
  t.equal(audited.findings[0]?.enforcement, 'audit', 'audit finding still reported');
});

t.test('exemptions: set-wide, per rule, by glob, and only until they expire', async (t) => {
  const ruleSet = rules(`
exclude:
  - namespace: kube-system
    reason: cluster components
rules:
  - id: r
    description: d
    check: deny-external-ips
    enforcement: deny
    exclude:
      - namespace: legacy-*
        name: edge-*
        reason: migrating, owner team-edge
        expires: 2026-11-21
      - namespace: old
        reason: expired yesterday
        expires: 2026-11-20
`);
  const object = (namespace: string, name: string): KubeObject => service({ type: 'ClusterIP', externalIPs: ['203.0.113.1'] }, { namespace, name });
  const rows: [string, KubeObject, string, number][] = [
    ['set-wide namespace exemption', object('kube-system', 'dns'), 'allow', 1],
    ['glob namespace and name, last day still covered', object('legacy-eu', 'edge-1'), 'allow', 1],
    ['name does not match the glob', object('legacy-eu', 'core'), 'deny', 0],
    ['expired exemption no longer applies', object('old', 'x'), 'deny', 0],
    ['no exemption', object('shop', 'web'), 'deny', 0],
  ];
  for (const [why, obj, verdict, exempt] of rows) {
    const result = evaluate({ object: obj }, ruleSet, environment);
    t.equal(result.verdict, verdict, why);
    t.equal(result.exemptions.length, exempt, `${why}: exemptions recorded`);
  }
  const dayAfter = evaluate({ object: object('legacy-eu', 'edge-1') }, ruleSet, { ...environment, now: new Date('2026-11-22T00:00:00Z') });
  t.equal(dayAfter.verdict, 'deny', 'the day after expires the exemption is gone');
});

t.test('a request namespace wins over metadata, and objects without one use default', async (t) => {
  const ruleSet = rules(`rules:\n  - {id: r, description: d, check: deny-external-ips, enforcement: deny, exclude: [{namespace: default, reason: r}]}\n`);
  const object = service({ type: 'ClusterIP', externalIPs: ['203.0.113.1'] }, { namespace: undefined });
  t.equal(evaluate({ object }, ruleSet, environment).verdict, 'allow', 'no namespace: default');
  t.equal(evaluate({ object, namespace: 'shop' }, ruleSet, environment).verdict, 'deny', 'request namespace used');
});

t.test('what the engine does not judge is allowed at once', async (t) => {
  const ruleSet = rules(`rules:\n  - {id: r, description: d, check: deny-external-ips, enforcement: deny}\n`);
  const open = service({ type: 'ClusterIP', externalIPs: ['203.0.113.1'] });
  t.equal(evaluate({ object: { kind: 'ConfigMap', data: {} } }, ruleSet, environment).verdict, 'allow', 'kind no rule reads');
  t.equal(evaluate({ object: undefined, oldObject: open, operation: 'DELETE' }, ruleSet, environment).verdict, 'allow', 'DELETE');
  t.equal(evaluate({ object: open, operation: 'CONNECT' }, ruleSet, environment).verdict, 'allow', 'CONNECT');
  t.equal(evaluate({ object: null as unknown as KubeObject }, ruleSet, environment).verdict, 'allow', 'null object');
});

t.test('a check that throws denies instead of crashing', async (t) => {
  const rule = rules(`rules:\n  - {id: r, description: d, check: deny-external-ips, enforcement: warn}\n`).rules[0]!;
  const throwing = { ...rule, check: { ...rule.check, evaluate: () => { throw new Error('boom'); } } };
  const result = evaluate({ object: service({}) }, createRuleSet('enforce', [throwing], []), environment);
  t.equal(result.verdict, 'deny');
  t.match(result.findings[0]?.message, /check deny-external-ips failed on this object \(boom\); denied to be safe/);
});

t.test('a fix that does not apply leaves the finding in place', async (t) => {
  const rule = rules(ETP_AND_RANGES).rules[0]!;
  const badFix = { ...rule, check: { ...rule.check, evaluate: () => [{ path: 'spec.x', message: 'm', fix: [{ op: 'replace' as const, path: '/nope/x', value: 1 }] }] } };
  const result = evaluate({ object: service({}) }, createRuleSet('enforce', [badFix], []), environment);
  t.equal(result.verdict, 'deny');
  t.same(result.patch, []);
});

t.test('phase mutate only patches: the validating call reports findings', async (t) => {
  const object = loadBalancer({ loadBalancerSourceRanges: ['0.0.0.0/0'] });
  const ruleSet = rules(`${ETP_AND_RANGES}\n  - {id: open, description: d, check: no-open-sources, enforcement: deny}\n`);
  const result = evaluate({ object, phase: 'mutate' }, ruleSet, environment);
  t.same(result.findings, [], 'no validation on the mutating call');
  t.same(result.mutations.map((m) => m.rule), ['etp']);
  t.equal(result.verdict, 'allow');
  t.equal(evaluate({ object }, ruleSet, environment).verdict, 'deny', 'both phases: the open range denies');
});

t.test('without mutations (a validating webhook) a fixable finding counts at its enforcement', async (t) => {
  const object = loadBalancer({ loadBalancerSourceRanges: ['203.0.113.0/24'] });
  const ruleSet = rules(ETP_AND_RANGES);
  const mutated = evaluate({ object }, ruleSet, environment);
  t.equal(mutated.verdict, 'allow');
  t.equal(mutated.patch.length, 1);
  const validated = evaluate({ object, phase: 'validate' }, ruleSet, environment);
  t.equal(validated.verdict, 'deny');
  t.same(validated.findings.map((f) => f.rule), ['etp']);
  t.same(validated.patch, []);
});
