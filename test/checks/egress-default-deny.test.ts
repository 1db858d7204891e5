import t from 'tap';
import check from '../../src/checks/egress-default-deny.js';
import { clusterWith, contextFor, DEFAULT_DENY_EGRESS, ingress, loadBalancer, networkPolicy, runCheck, service } from '../helpers.js';
import type { KubeObject } from '../../src/engine/types.js';

const lb = loadBalancer({ loadBalancerSourceRanges: ['203.0.113.0/24'] });

// [why, object, policies in the cluster (undefined: unavailable), params, expected enforcement per finding]
const rows: [string, KubeObject, KubeObject[] | undefined, Record<string, unknown>, (string | undefined)[]][] = [
  ['LoadBalancer in a namespace with default-deny egress', lb, [DEFAULT_DENY_EGRESS], {}, []],
  ['LoadBalancer in a namespace without any policy', lb, [], {}, [undefined]],
  ['Ingress without default-deny', ingress(), [], {}, [undefined]],
  ['ClusterIP Service is not an entry point', service({ type: 'ClusterIP' }), [], {}, []],
  ['default-deny in another namespace does not count', lb, [networkPolicy({ podSelector: {}, policyTypes: ['Egress'] }, { namespace: 'other' })], {}, [undefined]],
  ['policy selecting some pods only', lb, [networkPolicy({ podSelector: { matchLabels: { app: 'x' } }, policyTypes: ['Egress'] })], {}, [undefined]],
  ['policy with egress rules is not default-deny', lb, [networkPolicy({ podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: {} }] }] })], {}, [undefined]],
  ['Ingress-only default deny is not egress', lb, [networkPolicy({ podSelector: {}, policyTypes: ['Ingress'] })], {}, [undefined]],
  ['no policyTypes and no egress defaults to Ingress only', lb, [networkPolicy({ podSelector: {} })], {}, [undefined]],
  ['empty matchExpressions still selects all pods', lb, [networkPolicy({ podSelector: { matchExpressions: [] }, policyTypes: ['Ingress', 'Egress'], egress: [] })], {}, []],
  ['cluster unavailable warns by default', lb, undefined, {}, ['warn']],
  ['cluster unavailable can deny', lb, undefined, { onClusterUnavailable: 'deny' }, ['deny']],
  ['cluster unavailable can allow', lb, undefined, { onClusterUnavailable: 'allow' }, []],
];

t.test('egress-default-deny', async (t) => {
  for (const [why, object, policies, params, expected] of rows) {
    const findings = runCheck(check, object, params, contextFor({ kind: String(object.kind), cluster: clusterWith(policies) }));
    t.same(findings.map((f) => f.enforcement), expected, why);
  }
});
