import t from 'tap';
import { decide, outOfTime } from '../../src/admission/decide.js';
import type { AdmissionRequest } from '../../src/admission/review.js';
import { parseRuleFiles } from '../../src/rules/load.js';
import { clusterWith, DEFAULT_DENY_EGRESS, loadBalancer } from '../helpers.js';

const environment = { cluster: clusterWith([DEFAULT_DENY_EGRESS]), now: new Date('2026-11-21T00:00:00Z') };
const RULES = `
rules:
  - {id: open, description: d, check: no-open-sources, enforcement: deny}
  - {id: etp, description: d, check: external-traffic-policy-local, enforcement: deny, mutate: true}
  - {id: ext, description: d, check: deny-external-ips, enforcement: warn}
  - {id: ranges, description: d, check: require-source-ranges, enforcement: audit}
`;
const enforce = parseRuleFiles([{ file: 'r.yaml', text: RULES }]);
const audit = parseRuleFiles([{ file: 'r.yaml', text: `mode: audit\n${RULES}` }]);

function request(object: Record<string, unknown>, extra: Partial<AdmissionRequest> = {}): AdmissionRequest {
  return { uid: 'u-1', kind: { group: '', version: 'v1', kind: 'Service' }, operation: 'CREATE', namespace: 'shop', name: 'web', object, ...extra } as AdmissionRequest;
}

const open = loadBalancer({ loadBalancerSourceRanges: ['0.0.0.0/0', '::/0'], externalIPs: ['203.0.113.9'] });

t.test('validate: deny lists every deny finding with rule and field; warnings and audit go their ways', async (t) => {
  const { response } = decide('validate', request(open), enforce, environment);
  t.equal(response.allowed, false);
  t.equal(response.status?.code, 403);
  t.match(response.status?.message, /^perimeter denied Service shop\/web: \[open\] spec\.loadBalancerSourceRanges\[0\]: .*; \[open\] spec\.loadBalancerSourceRanges\[1\]: .*; \[etp\] spec\.externalTrafficPolicy/);
  t.same(response.warnings?.length, 1);
  t.match(response.warnings?.[0], /^perimeter: \[ext\] spec\.externalIPs\[0\]/);
  t.equal(response.patch, undefined, 'validate never patches');
  t.same(response.auditAnnotations, { verdict: 'deny' });
  t.same(Object.keys(response), ['uid', 'allowed', 'status', 'warnings', 'auditAnnotations'], 'the fields in the order they go out');
});

t.test('validate: audit-level findings only reach the audit annotations', async (t) => {
  const { response } = decide('validate', request(loadBalancer()), enforce, environment);
  t.equal(response.allowed, true);
  t.equal(response.warnings, undefined);
  t.same(response.auditAnnotations, { verdict: 'allow', findings: JSON.stringify([{ rule: 'ranges', enforcement: 'audit', path: 'spec.loadBalancerSourceRanges' }]) });
});

t.test('mutate: patches, says so, and never denies', async (t) => {
  const { response } = decide('mutate', request(open), enforce, environment);
  t.equal(response.allowed, true, 'even with deny findings: /validate has the last word');
  t.equal(response.patchType, 'JSONPatch');
  t.same(JSON.parse(Buffer.from(response.patch!, 'base64').toString()), [{ op: 'replace', path: '/spec/externalTrafficPolicy', value: 'Local' }]);
  t.match(response.warnings, [/^perimeter: patched \[etp\] /]);
  t.same(Object.keys(response), ['uid', 'allowed', 'patchType', 'patch', 'warnings']);
});

t.test('audit mode: nothing denied, nothing patched, all of it as prefixed warnings', async (t) => {
  const validate = decide('validate', request(open), audit, environment).response;
  t.equal(validate.allowed, true);
  t.equal(validate.status, undefined);
  t.match(validate.warnings, [
    /^perimeter \[audit mode, not enforced\] would deny: \[open\] spec\.loadBalancerSourceRanges\[0\]/,
    /^perimeter \[audit mode, not enforced\] would deny: \[open\] spec\.loadBalancerSourceRanges\[1\]/,
    /^perimeter \[audit mode, not enforced\] warning: \[ext\]/,
    /^perimeter \[audit mode, not enforced\] would patch: \[etp\]/,
  ]);
  t.equal(validate.auditAnnotations?.mode, 'audit');
  t.same(Object.keys(validate), ['uid', 'allowed', 'warnings', 'auditAnnotations'], 'an allow with warnings: the fields in the order they go out');
  const mutate = decide('mutate', request(open), audit, environment).response;
  t.same(mutate, { uid: 'u-1', allowed: true }, 'no patch, no warning from /mutate in audit mode');
});

t.test('what no rule reads, DELETE, and dry runs', async (t) => {
  t.same(decide('validate', request({ kind: 'Namespace' }, { kind: { group: '', version: 'v1', kind: 'Namespace' } }), enforce, environment).response, {
    uid: 'u-1',
    allowed: true,
    auditAnnotations: { verdict: 'allow' },
  });
  t.same(Object.keys(decide('validate', request(loadBalancer()), enforce, environment).response), ['uid', 'allowed', 'auditAnnotations'], 'a plain allow, in order');
  t.equal(decide('validate', request(open, { operation: 'DELETE', object: null, oldObject: open }), enforce, environment).response.allowed, true);
  const dry = decide('validate', request(open, { dryRun: true }), enforce, environment).response;
  const real = decide('validate', request(open), enforce, environment).response;
  t.same(dry, real, 'a dry run is judged exactly like a real request');
});

t.test('many findings: the denial names twenty and counts the rest; warnings stay within what the API server keeps', async (t) => {
  const wide = loadBalancer({ loadBalancerSourceRanges: Array.from({ length: 50 }, (_, i) => `${i}.0.0.0/7`) });
  const denial = decide('validate', request(wide), enforce, environment).response;
  t.equal(denial.status?.message.match(/\[open\]/g)?.length, 19, '50 open ranges and the ETP finding: 19 named');
  t.match(denial.status?.message, /; and 32 more findings$/);
  const dryRun = decide('validate', request(wide), audit, environment).response;
  t.equal(dryRun.warnings?.length, 12);
  t.match(dryRun.warnings?.[11], /^perimeter: \d+ more warnings not shown$/);
  t.ok(dryRun.warnings!.join('').length < 4096, 'under the API server warning budget');
  t.equal(dryRun.auditAnnotations?.['findings-omitted'], '30', '50 findings (the ETP fix is a would-be patch), 20 listed');
});

t.test('long messages are cut for warnings, not for denials', async (t) => {
  const many = loadBalancer({ loadBalancerSourceRanges: ['203.0.113.0/24'], externalTrafficPolicy: 'Local', externalIPs: ['x'.repeat(400)] });
  const { response } = decide('validate', request(many), enforce, environment);
  t.ok(response.warnings![0]!.length <= 240);
  t.match(response.warnings![0], /"x{63}…"/, 'the value is cut in the message');
});

t.test('out of time: the answer --on-timeout asks for, fields in the order they go out', async (t) => {
  const allowedLate = outOfTime(request(open), 'enforce', 'allow', 10_000);
  t.same(Object.keys(allowedLate), ['uid', 'allowed', 'warnings', 'auditAnnotations']);
  t.same(allowedLate.auditAnnotations, { verdict: 'not-judged', reason: 'out of time' });
  t.match(allowedLate.warnings, [/^perimeter: could not judge Service shop\/web within the API server's 10 s timeout .*allowed without judging$/]);
  const deniedLate = outOfTime(request(open), 'enforce', 'deny', 10_000);
  t.same(Object.keys(deniedLate), ['uid', 'allowed', 'status']);
  t.same(deniedLate.status?.code, 504);
});
