/**
 * external-traffic-policy-local: a Service that allowlists client networks must keep client
 * addresses, or the allowlist is compared with node addresses instead. With the default
 * `externalTrafficPolicy: Cluster`, kube-proxy SNATs traffic to the node's address
 * (https://kubernetes.io/docs/tasks/access-application-cluster/create-external-load-balancer/#preserving-the-client-source-ip).
 *
 * The API server defaults the field to `Cluster` before admission webhooks run, so the fix must
 * replace an existing value, not only add a missing one.
 */
import { Type } from '@sinclair/typebox';
import { isRecord, shown, specOf, str } from '../kube/read.js';
import { isLoadBalancer, serviceSourceLists } from '../kube/source-ranges.js';
import { defineCheck } from './check.js';

export default defineCheck({
  id: 'external-traffic-policy-local',
  summary: 'Services that allowlist sources must use externalTrafficPolicy: Local so the allowlist sees real client addresses.',
  kinds: ['Service'],
  canMutate: true,
  params: Type.Object({}, { additionalProperties: false }),
  evaluate(object) {
    if (!isLoadBalancer(object) || serviceSourceLists(object).length === 0) return [];
    const spec = specOf(object);
    const current = str(spec.externalTrafficPolicy);
    if (current === 'Local') return [];
    const now = current === undefined ? 'is not set (Cluster)' : `is ${shown(spec.externalTrafficPolicy)}`;
    return [
      {
        path: 'spec.externalTrafficPolicy',
        message: `spec.externalTrafficPolicy ${now}, so the source allowlist sees node addresses instead of clients; set it to "Local"`,
        fix: isRecord(object.spec) ? [{ op: 'externalTrafficPolicy' in spec ? 'replace' : 'add', path: '/spec/externalTrafficPolicy', value: 'Local' }] : undefined,
      },
    ];
  },
  reference: {
    description: [
      'A LoadBalancer Service with an allowlist must have `externalTrafficPolicy: Local`, or the',
      'allowlist sees node addresses (kube-proxy SNAT) instead of clients. The API server defaults the',
      'field to `Cluster` before admission, so the patch is `replace /spec/externalTrafficPolicy` with',
      '`Local` (or `add` when absent, as in an offline manifest).',
    ].join('\n'),
    examples: {
      denied: {
        note: 'As the webhook sees it: the API server has already set `externalTrafficPolicy: Cluster`.',
        object: {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'storefront', namespace: 'shop' },
          spec: { type: 'LoadBalancer', selector: { app: 'storefront' }, ports: [{ port: 443, targetPort: 8443 }], externalTrafficPolicy: 'Cluster', loadBalancerSourceRanges: ['203.0.113.0/24'] },
        },
      },
      allowed: {
        object: {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'storefront', namespace: 'shop' },
          spec: { type: 'LoadBalancer', selector: { app: 'storefront' }, ports: [{ port: 443, targetPort: 8443 }], externalTrafficPolicy: 'Local', loadBalancerSourceRanges: ['203.0.113.0/24'] },
        },
      },
    },
  },
});
