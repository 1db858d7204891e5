/**
 * The recorded objects judged by the engine with the shipped rules, replaying the cluster state
 * the recordings build up (each recorded write happened, so later reviews see it).
 */
import t from 'tap';
import { evaluate } from '../../src/engine/evaluate.js';
import type { KubeObject } from '../../src/engine/types.js';
import { loadRuleDirectory } from '../../src/rules/load.js';
import { clusterWith } from '../helpers.js';
import { loadRecordings } from '../recordings.js';

// [recording, expected verdict, rule ids of the findings, rule ids of the mutations]
const expected: Record<string, [string, string[], string[]]> = {
  '001-validate-namespace-create-team-a.json': ['allow', [], []],
  '002-mutate-service-create-web-open.json': ['deny', ['egress-default-deny', 'no-open-sources'], ['external-traffic-policy-local']],
  '003-validate-service-create-web-open.json': ['deny', ['egress-default-deny', 'no-open-sources', 'external-traffic-policy-local'], []],
  '004-mutate-ingress-create-app.json': ['deny', ['egress-default-deny', 'no-open-sources'], []],
  '005-validate-ingress-create-app.json': ['deny', ['egress-default-deny', 'no-open-sources'], []],
  '006-mutate-networkpolicy-create-default-deny-egress.json': ['allow', [], []],
  '007-validate-networkpolicy-create-default-deny-egress.json': ['allow', [], []],
  '008-mutate-networkpolicy-create-allow-web.json': ['deny', ['no-open-sources'], []],
  '009-validate-networkpolicy-create-allow-web.json': ['deny', ['no-open-sources'], []],
  '010-mutate-service-update-web-open.json': ['deny', ['no-open-sources'], []],
  '011-validate-service-update-web-open.json': ['deny', ['no-open-sources'], []],
  '012-validate-networkpolicy-delete-allow-web.json': ['allow', [], []],
  '013-mutate-service-create-dry-lb-dryrun.json': ['deny', ['require-source-ranges'], []],
  '014-validate-service-create-dry-lb-dryrun.json': ['deny', ['require-source-ranges'], []],
  '015-mutate-service-create-v6-lb-v1beta1.json': ['deny', ['no-open-sources'], ['external-traffic-policy-local']],
  '016-validate-service-create-v6-lb.json': ['deny', ['no-open-sources', 'external-traffic-policy-local'], []],
  '017-mutate-networkpolicy-create-egress-anywhere-v1beta1.json': ['deny', ['no-open-egress'], []],
  '018-validate-networkpolicy-create-egress-anywhere.json': ['deny', ['no-open-egress'], []],
  '019-mutate-ingress-update-app.json': ['allow', [], []],
  '020-validate-ingress-update-app.json': ['allow', [], []],
  '101-validate-namespace-create-team-b.json': ['allow', [], []],
  '102-mutate-networkpolicy-create-default-deny-egress.json': ['allow', [], []],
  '103-validate-networkpolicy-create-default-deny-egress.json': ['allow', [], []],
  '104-mutate-service-create-api.json': ['allow', [], ['external-traffic-policy-local']],
  '105-validate-service-create-api.json': ['deny', ['external-traffic-policy-local'], []],
  '106-mutate-ingress-create-api.json': ['allow', [], []],
  '107-validate-ingress-create-api.json': ['allow', [], []],
  // The UPDATE that turns team-b's only default-deny policy into allow-all egress.
  '108-mutate-networkpolicy-update-default-deny-egress.json': ['deny', ['no-open-egress', 'egress-default-deny'], []],
  '109-validate-networkpolicy-update-default-deny-egress.json': ['deny', ['no-open-egress', 'egress-default-deny'], []],
  '110-validate-networkpolicy-delete-default-deny-egress.json': ['allow', [], []],
  '111-validate-service-delete-api.json': ['allow', [], []],
};

t.test('every recording is judged as expected with the shipped rules', async (t) => {
  const ruleSet = await loadRuleDirectory('rules');
  const recordings = loadRecordings();
  t.same(recordings.map((r) => r.file), Object.keys(expected), 'a row for every recording');
  // Cluster state as the recordings build it: NetworkPolicies by namespace/name.
  const policies = new Map<string, KubeObject>();
  for (const recording of recordings) {
    const request = recording.body.request;
    const isValidating = recording.path.startsWith('/validate');
    const result = evaluate(
      {
        object: request.object ?? undefined,
        oldObject: request.oldObject ?? undefined,
        operation: request.operation,
        namespace: request.namespace,
        kind: request.kind.kind,
        phase: isValidating ? 'validate' : 'both',
      },
      ruleSet,
      { cluster: clusterWith([...policies.values()]), now: new Date('2026-11-21T00:00:00Z') },
    );
    const [verdict, findings, mutations] = expected[recording.file]!;
    t.equal(result.verdict, verdict, `${recording.file}: verdict`);
    t.same(result.findings.map((f) => f.rule), findings, `${recording.file}: findings`);
    t.same(result.mutations.map((m) => m.rule), mutations, `${recording.file}: mutations`);
    if (isValidating && request.kind.kind === 'NetworkPolicy') {
      const key = `${request.namespace}/${request.name}`;
      if (request.operation === 'DELETE') policies.delete(key);
      else if (request.object !== null) policies.set(key, request.object);
    }
  }
});

t.test('the recorded DELETE is denied when it would remove the namespace\'s last default-deny egress policy', async (t) => {
  const ruleSet = await loadRuleDirectory('rules');
  const recordings = loadRecordings();
  const deletion = recordings.find((r) => r.file.startsWith('012-'))!.body.request;
  const defaultDeny = recordings.find((r) => r.file.startsWith('007-'))!.body.request.object!;
  const allowWeb = deletion.oldObject!;
  const judge = (oldObject: KubeObject, cluster: KubeObject[]) =>
    evaluate({ object: undefined, oldObject, operation: 'DELETE', namespace: 'team-a', kind: 'NetworkPolicy', phase: 'validate' }, ruleSet, {
      cluster: clusterWith(cluster),
      now: new Date('2026-11-21T00:00:00Z'),
    });
  // [why, policy deleted, policies in the namespace, expected verdict]
  const rows: [string, KubeObject, KubeObject[], string][] = [
    ['as recorded: allow-web is not a default-deny policy', allowWeb, [defaultDeny, allowWeb], 'allow'],
    ['deleting the only default-deny egress policy', defaultDeny, [defaultDeny, allowWeb], 'deny'],
    ['another default-deny egress policy remains', defaultDeny, [defaultDeny, { ...defaultDeny, metadata: { name: 'deny-all-egress-2', namespace: 'team-a' } }], 'allow'],
  ];
  for (const [why, deleted, cluster, verdict] of rows) {
    const result = judge(deleted, cluster);
    t.equal(result.verdict, verdict, why);
    if (verdict === 'deny') t.match(result.findings[0]?.message, /would remove the last default-deny egress NetworkPolicy of namespace "team-a"/);
  }
});
