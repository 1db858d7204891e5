/**
 * egress-default-deny: before a namespace gets an entry point (a LoadBalancer Service or an
 * Ingress), it must hold a default-deny egress NetworkPolicy, so that a compromised workload
 * reachable from outside cannot send data anywhere it likes. And once it holds one, the last such
 * policy may not be deleted, nor changed so that it stops being one (egress rules added, Egress
 * dropped from policyTypes, podSelector narrowed). The namespace's policies and labels come from
 * the context: the input bundle offline, the informer caches in the cluster.
 */
import { Type } from '@sinclair/typebox';
import type { CheckContext, CheckFinding, KubeObject } from '../engine/types.js';
import { labelSelectorSchema, labelsOf, matchesSelector, selectsEverything } from '../kube/labels.js';
import { isDefaultDenyEgress, policyTypes, selectsAllPods } from '../kube/network-policy.js';
import { isAbsentOrEmpty, nameOf, specOf } from '../kube/read.js';
import { isLoadBalancer } from '../kube/source-ranges.js';
import { defineCheck } from './check.js';
import { clusterUnavailable, onClusterUnavailableParam, type OnClusterUnavailable } from './cluster-unavailable.js';

const Params = Type.Object(
  {
    namespaceSelector: labelSelectorSchema({
      default: {},
      description:
        'Only namespaces whose labels match are held to the rule, e.g. `matchLabels: {perimeter.dev/enforce-egress: "true"}`, or all but some: `matchExpressions: [{key: kubernetes.io/metadata.name, operator: NotIn, values: [sandbox]}]`. Empty: all.',
    }),
    onClusterUnavailable: onClusterUnavailableParam("the namespace's NetworkPolicies or labels"),
  },
  { additionalProperties: false },
);

const EXAMPLE_POLICY = 'kind: NetworkPolicy, spec: {podSelector: {}, policyTypes: [Egress]}';

function unavailable(context: CheckContext, mode: OnClusterUnavailable, what: string): CheckFinding[] {
  return clusterUnavailable(mode, 'metadata.namespace', `cannot tell whether namespace "${context.namespace}" ${what}`);
}

/** Why a policy that was a default-deny egress policy no longer is one. */
function whatChanged(policy: KubeObject): string {
  const spec = specOf(policy);
  const reasons: string[] = [];
  if (!isAbsentOrEmpty(spec.egress)) reasons.push('it now allows egress');
  if (!policyTypes(policy).includes('Egress')) reasons.push('Egress is no longer in policyTypes');
  if (!selectsAllPods(spec.podSelector)) reasons.push('its podSelector no longer selects every pod');
  return reasons.join(', ');
}

/** The documented Service: denied or allowed by what its namespace holds alone. */
const SERVICE_EXAMPLE: KubeObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'storefront', namespace: 'shop' },
  spec: { type: 'LoadBalancer', selector: { app: 'storefront' }, ports: [{ port: 443, targetPort: 8443 }], externalTrafficPolicy: 'Local', loadBalancerSourceRanges: ['203.0.113.0/24'] },
};

export default defineCheck({
  id: 'egress-default-deny',
  summary: 'A namespace must have a default-deny egress NetworkPolicy before it exposes a LoadBalancer Service or an Ingress, and keep it.',
  kinds: ['Service', 'Ingress', 'NetworkPolicy'],
  operations: ['CREATE', 'UPDATE', 'DELETE'],
  canMutate: false,
  params: Params,
  evaluate(object, params, context) {
    const { kind, operation, namespace } = context;
    // Which objects matter, before any cluster state is looked up.
    if (kind === 'NetworkPolicy') {
      if (operation === 'CREATE') return [];
      if (!isDefaultDenyEgress(operation === 'DELETE' ? object : (context.oldObject ?? {}))) return [];
      if (operation === 'UPDATE' && isDefaultDenyEgress(object)) return [];
    } else if (operation === 'DELETE' || (kind === 'Service' && !isLoadBalancer(object))) {
      return [];
    }

    if (!selectsEverything(params.namespaceSelector)) {
      const found = context.cluster.namespace(namespace);
      // Not found counts as unknown, not as unlabelled: a namespace created together with the
      // object may not have reached the cache yet, and its labels are what decide.
      if (found === undefined || found === null) return unavailable(context, params.onClusterUnavailable, 'is held to this rule');
      if (!matchesSelector(labelsOf(found), params.namespaceSelector)) return [];
    }
    const policies = context.cluster.networkPoliciesIn(namespace);
    if (policies === undefined) return unavailable(context, params.onClusterUnavailable, 'has a default-deny egress NetworkPolicy');

    if (kind === 'NetworkPolicy') {
      const name = nameOf(object);
      if (policies.some((policy) => nameOf(policy) !== name && isDefaultDenyEgress(policy))) return [];
      const message =
        operation === 'DELETE'
          ? `deleting "${name}" would remove the last default-deny egress NetworkPolicy of namespace "${namespace}", letting its pods send traffic anywhere; create another one first (${EXAMPLE_POLICY})`
          : `this change stops "${name}" being a default-deny egress policy (${whatChanged(object)}), and it is the last one in namespace "${namespace}"; keep podSelector {}, Egress in policyTypes and no egress rules, and allow egress in a separate policy`;
      return [{ path: operation === 'DELETE' ? 'metadata.name' : 'spec', message }];
    }
    if (policies.some(isDefaultDenyEgress)) return [];
    return [
      {
        path: 'metadata.namespace',
        message: `namespace "${namespace}" has no default-deny egress NetworkPolicy; create one first (${EXAMPLE_POLICY})`,
      },
    ];
  },
  reference: {
    description: [
      'A namespace must hold a default-deny egress NetworkPolicy (`podSelector: {}`, `policyTypes`',
      'including `Egress`, no egress rules) before a LoadBalancer Service or an Ingress is admitted into',
      'it, so that a compromised workload reachable from outside cannot send data anywhere it likes.',
      '',
      'Once it has one, the last one cannot be deleted (`DELETE` is judged on the request\'s',
      '`oldObject`), nor updated so that it stops being one (egress rules added, `Egress` dropped from',
      '`policyTypes`, `podSelector` narrowed). In the cluster the namespace\'s policies and labels come',
      'from informer caches; offline, `perimeter check` looks among its inputs.',
    ].join('\n'),
    examples: {
      denied: {
        note: 'Namespace `shop` holds no NetworkPolicy.',
        object: SERVICE_EXAMPLE,
      },
      allowed: {
        note: 'Namespace `shop` already denies all egress.',
        object: SERVICE_EXAMPLE,
        cluster: [
          {
            apiVersion: 'networking.k8s.io/v1',
            kind: 'NetworkPolicy',
            metadata: { name: 'default-deny-egress', namespace: 'shop' },
            spec: { podSelector: {}, policyTypes: ['Egress'] },
          },
        ],
      },
    },
  },
});
