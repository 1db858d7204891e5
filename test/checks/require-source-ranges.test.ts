import t from 'tap';
import check from '../../src/checks/require-source-ranges.js';
import { contextFor, ingress, loadBalancer, runCheck, service } from '../helpers.js';
import type { KubeObject } from '../../src/engine/types.js';

const LB_ANNOTATION = 'service.beta.kubernetes.io/load-balancer-source-ranges';

// [why, object, params, expected [path, enforcement override] per finding, expected fix]
const rows: [string, KubeObject, Record<string, unknown>, [string, string | undefined][], unknown][] = [
  ['LoadBalancer without ranges is denied', loadBalancer(), {}, [['spec.loadBalancerSourceRanges', undefined]], undefined],
  ['LoadBalancer with an empty list is denied', loadBalancer({ loadBalancerSourceRanges: [] }), {}, [['spec.loadBalancerSourceRanges', undefined]], undefined],
  ['blank annotation is no allowlist', loadBalancer({}, { annotations: { [LB_ANNOTATION]: ' , ' } }), {}, [['spec.loadBalancerSourceRanges', undefined]], undefined],
  ['ranges in the field pass', loadBalancer({ loadBalancerSourceRanges: ['203.0.113.0/24'] }), {}, [], undefined],
  ['ranges in the annotation pass', loadBalancer({}, { annotations: { [LB_ANNOTATION]: '203.0.113.0/24' } }), {}, [], undefined],
  ['ClusterIP Service needs none', service({ type: 'ClusterIP' }), {}, [], undefined],
  ['NodePort Service needs none', service({ type: 'NodePort' }), {}, [], undefined],
  [
    'defaults are offered as an add when the field is absent',
    loadBalancer(),
    { defaultSourceRanges: ['10.0.0.0/8'] },
    [['spec.loadBalancerSourceRanges', undefined]],
    [{ op: 'add', path: '/spec/loadBalancerSourceRanges', value: ['10.0.0.0/8'] }],
  ],
  [
    'defaults replace an empty list',
    loadBalancer({ loadBalancerSourceRanges: [] }),
    { defaultSourceRanges: ['10.0.0.0/8', '192.168.0.0/16'] },
    [['spec.loadBalancerSourceRanges', undefined]],
    [{ op: 'replace', path: '/spec/loadBalancerSourceRanges', value: ['10.0.0.0/8', '192.168.0.0/16'] }],
  ],
  ['Ingress without allowlist warns by default', ingress(), {}, [['metadata.annotations', 'warn']], undefined],
  ['Ingress without allowlist can be denied', ingress(), { ingressWithoutAllowlist: 'deny' }, [['metadata.annotations', 'deny']], undefined],
  ['Ingress without allowlist can be ignored', ingress(), { ingressWithoutAllowlist: 'ignore' }, [], undefined],
  ['Ingress with whitelist passes', ingress({ 'nginx.ingress.kubernetes.io/whitelist-source-range': '203.0.113.0/24' }), {}, [], undefined],
  ['Ingress with allowlist passes', ingress({ 'nginx.ingress.kubernetes.io/allowlist-source-range': '203.0.113.0/24' }), {}, [], undefined],
  ['Ingress with annotations that are not a map', { kind: 'Ingress', metadata: { annotations: 'x' } }, {}, [['metadata.annotations', 'warn']], undefined],
];

t.test('require-source-ranges', async (t) => {
  for (const [why, object, params, expected, fix] of rows) {
    const findings = runCheck(check, object, params, contextFor({ kind: String(object.kind) }));
    t.same(findings.map((f) => [f.path, f.enforcement]), expected, why);
    t.same(findings[0]?.fix, fix, `${why}: fix`);
  }
});

t.test('defaultSourceRanges are validated at load time', async (t) => {
  t.same(check.validateParams?.({ defaultSourceRanges: ['10.0.0.0/8', 'nope'], ingressWithoutAllowlist: 'warn' }).map((p) => p.path), [['defaultSourceRanges', 1]]);
});
