import t from 'tap';
import fastJsonPatch from 'fast-json-patch';
import check from '../../src/checks/external-traffic-policy-local.js';
import { loadBalancer, runCheck, service } from '../helpers.js';
import type { KubeObject } from '../../src/engine/types.js';

const LB_ANNOTATION = 'service.beta.kubernetes.io/load-balancer-source-ranges';

// [why, object, expected fix operations (empty: no finding)]
const rows: [string, KubeObject, unknown[]][] = [
  ['API-server-defaulted Cluster is replaced', loadBalancer({ loadBalancerSourceRanges: ['203.0.113.0/24'] }), [{ op: 'replace', path: '/spec/externalTrafficPolicy', value: 'Local' }]],
  ['absent field (offline manifest) is added', service({ type: 'LoadBalancer', loadBalancerSourceRanges: ['203.0.113.0/24'] }), [{ op: 'add', path: '/spec/externalTrafficPolicy', value: 'Local' }]],
  ['allowlist in the annotation counts too', loadBalancer({}, { annotations: { [LB_ANNOTATION]: '203.0.113.0/24' } }), [{ op: 'replace', path: '/spec/externalTrafficPolicy', value: 'Local' }]],
  ['odd casing is not Local', loadBalancer({ loadBalancerSourceRanges: ['203.0.113.0/24'], externalTrafficPolicy: 'local' }), [{ op: 'replace', path: '/spec/externalTrafficPolicy', value: 'Local' }]],
  ['already Local', loadBalancer({ loadBalancerSourceRanges: ['203.0.113.0/24'], externalTrafficPolicy: 'Local' }), []],
  ['no allowlist: nothing to protect', loadBalancer(), []],
  ['not a LoadBalancer', service({ type: 'NodePort', loadBalancerSourceRanges: ['203.0.113.0/24'] }), []],
];

t.test('external-traffic-policy-local', async (t) => {
  for (const [why, object, fix] of rows) {
    const findings = runCheck(check, object);
    t.equal(findings.length, fix.length === 0 ? 0 : 1, why);
    if (fix.length === 0) continue;
    t.same(findings[0]?.fix, fix, `${why}: fix`);
    const patched = fastJsonPatch.applyPatch(object, [...(findings[0]?.fix ?? [])].map((op) => ({ ...op })), true, false).newDocument;
    t.same(runCheck(check, patched), [], `${why}: the fix removes the finding`);
  }
});
