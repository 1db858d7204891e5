/**
 * egress-default-deny: before a namespace gets an entry point (a LoadBalancer Service or an
 * Ingress), it must hold a default-deny egress NetworkPolicy, so that a compromised workload
 * reachable from outside cannot send data anywhere it likes. The namespace's policies come from
 * the context: the input bundle offline, the informer caches in the cluster.
 */
import { Type } from '@sinclair/typebox';
import { isDefaultDenyEgress } from '../kube/network-policy.js';
import { isLoadBalancer } from '../kube/source-ranges.js';
import { defineCheck, StringEnum } from './check.js';

const Params = Type.Object(
  {
    onClusterUnavailable: StringEnum(['allow', 'deny', 'warn'] as const, {
      default: 'warn',
      description: "What to do when the namespace's NetworkPolicies cannot be known (cluster API unreachable).",
    }),
  },
  { additionalProperties: false },
);

const EXAMPLE_POLICY = 'kind: NetworkPolicy, spec: {podSelector: {}, policyTypes: [Egress]}';

export default defineCheck({
  id: 'egress-default-deny',
  summary: 'A namespace must have a default-deny egress NetworkPolicy before it exposes a LoadBalancer Service or an Ingress.',
  kinds: ['Service', 'Ingress'],
  canMutate: false,
  params: Params,
  evaluate(object, params, context) {
    if (context.kind === 'Service' && !isLoadBalancer(object)) return [];
    const policies = context.cluster.networkPoliciesIn(context.namespace);
    if (policies === undefined) {
      if (params.onClusterUnavailable === 'allow') return [];
      return [
        {
          path: 'metadata.namespace',
          enforcement: params.onClusterUnavailable,
          message: `cannot tell whether namespace "${context.namespace}" has a default-deny egress NetworkPolicy (cluster state unavailable)`,
        },
      ];
    }
    if (policies.some(isDefaultDenyEgress)) return [];
    return [
      {
        path: 'metadata.namespace',
        message: `namespace "${context.namespace}" has no default-deny egress NetworkPolicy; create one first (${EXAMPLE_POLICY})`,
      },
    ];
  },
});
