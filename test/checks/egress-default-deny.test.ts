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

const namespaceObject = (name: string, labels: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
const ENFORCED = { matchLabels: { 'perimeter.dev/enforce-egress': 'true' } };

t.test('namespaces selected by label', async (t) => {
  // [why, namespace object in the cluster (undefined: cluster unavailable), expected enforcement per finding]
  const rows: [string, KubeObject[] | undefined, (string | undefined)[]][] = [
    ['labelled namespace without default-deny', [namespaceObject('shop', { 'perimeter.dev/enforce-egress': 'true' })], [undefined]],
    ['unlabelled namespace is not held to the rule', [namespaceObject('shop', {})], []],
    ['labelled namespace with default-deny', [namespaceObject('shop', { 'perimeter.dev/enforce-egress': 'true' }), DEFAULT_DENY_EGRESS], []],
    ['namespace labels unknown', undefined, ['warn']],
  ];
  for (const [why, cluster, expected] of rows) {
    const findings = runCheck(check, lb, { namespaceSelector: ENFORCED }, contextFor({ kind: 'Service', cluster: clusterWith(cluster) }));
    t.same(findings.map((f) => f.enforcement), expected, why);
  }
  const allBut = { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['sandbox'] }] };
  const sandbox = contextFor({ kind: 'Service', namespace: 'sandbox', cluster: clusterWith([namespaceObject('sandbox', { 'kubernetes.io/metadata.name': 'sandbox' })]) });
  t.same(runCheck(check, lb, { namespaceSelector: allBut }, sandbox), [], 'all namespaces but excluded ones');
});

t.test('the last default-deny egress policy cannot be deleted or weakened', async (t) => {
  const deny = DEFAULT_DENY_EGRESS;
  const other = networkPolicy({ podSelector: {}, policyTypes: ['Egress'] }, { name: 'second-deny' });
  const weakened = (spec: Record<string, unknown>) => networkPolicy({ podSelector: {}, policyTypes: ['Egress'], ...spec }, { name: 'default-deny-egress' });
  // [why, operation, object (new, or the one deleted), old object, policies in the namespace, expected finding paths]
  const rows: [string, 'CREATE' | 'UPDATE' | 'DELETE', KubeObject, KubeObject | undefined, KubeObject[] | undefined, string[]][] = [
    ['deleting the last one', 'DELETE', deny, undefined, [deny], ['metadata.name']],
    ['deleting one of two', 'DELETE', deny, undefined, [deny, other], []],
    ['deleting a policy that is not default-deny', 'DELETE', networkPolicy({ podSelector: {}, policyTypes: ['Ingress'] }), undefined, [deny], []],
    ['update adds egress rules', 'UPDATE', weakened({ egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }] }), deny, [deny], ['spec']],
    ['update drops Egress from policyTypes', 'UPDATE', weakened({ policyTypes: ['Ingress'] }), deny, [deny], ['spec']],
    ['update narrows podSelector', 'UPDATE', weakened({ podSelector: { matchLabels: { app: 'web' } } }), deny, [deny], ['spec']],
    ['update keeps it default-deny (adds a label)', 'UPDATE', networkPolicy({ podSelector: {}, policyTypes: ['Egress'] }, { name: 'default-deny-egress', labels: { a: 'b' } }), deny, [deny], []],
    ['update weakens one of two', 'UPDATE', weakened({ egress: [{}] }), deny, [deny, other], []],
    ['creating a policy is never blocked here', 'CREATE', weakened({ egress: [{}] }), undefined, [], []],
    ['deleting the last one while the cluster is unavailable', 'DELETE', deny, undefined, undefined, ['metadata.namespace']],
    ['deleting a Service is not this rule\'s business', 'DELETE', lb, undefined, [], []],
  ];
  for (const [why, operation, object, oldObject, cluster, paths] of rows) {
    const context = contextFor({ kind: String(object.kind), operation, oldObject, cluster: clusterWith(cluster) });
    const findings = runCheck(check, object, {}, context);
    t.same(findings.map((f) => f.path), paths, why);
  }
  const [narrowed] = runCheck(check, weakened({ podSelector: { matchLabels: { app: 'web' } }, egress: [{}] }), {}, contextFor({ kind: 'NetworkPolicy', operation: 'UPDATE', oldObject: deny, cluster: clusterWith([deny]) }));
  t.match(narrowed?.message, /stops "default-deny-egress" being a default-deny egress policy \(it now allows egress, its podSelector no longer selects every pod\), and it is the last one in namespace "shop"/);
});
