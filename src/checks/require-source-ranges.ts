/**
 * require-source-ranges: a LoadBalancer Service with no allowlist at all is open to the world,
 * however carefully the rest of the cluster is configured. With `defaultSourceRanges` the rule
 * can patch a safe allowlist in; without, it denies. Ingresses without an ingress-nginx
 * allowlist are reported at their own, configurable, level (a warning by default, since many
 * Ingresses are public on purpose).
 */
import { Type } from '@sinclair/typebox';
import type { CheckFinding, PatchOperation } from '../engine/types.js';
import { isRecord, shown, specOf } from '../kube/read.js';
import { ingressSourceLists, isLoadBalancer, NGINX_ALLOWLIST_ANNOTATION, serviceSourceLists, SERVICE_SOURCE_RANGES_ANNOTATION } from '../kube/source-ranges.js';
import { parseRange } from '../net/cidr.js';
import { defineCheck, StringEnum } from './check.js';

const Params = Type.Object(
  {
    defaultSourceRanges: Type.Array(Type.String(), {
      default: [],
      description: 'Ranges patched into a LoadBalancer Service that has none (needs `mutate: true`), checked when the rules load. Empty: the finding stands.',
    }),
    ingressWithoutAllowlist: StringEnum(['deny', 'warn', 'audit', 'ignore'] as const, {
      default: 'warn',
      description: 'What an Ingress without an allowlist annotation gets: a finding at deny, warn or audit level, or nothing (ignore).',
    }),
  },
  { additionalProperties: false },
);

export default defineCheck({
  id: 'require-source-ranges',
  summary: 'LoadBalancer Services must list their allowed client networks; Ingresses should.',
  kinds: ['Service', 'Ingress'],
  canMutate: true,
  params: Params,
  validateParams(params) {
    return params.defaultSourceRanges.flatMap((text, i) => {
      const parsed = parseRange(text);
      return parsed.ok ? [] : [{ path: ['defaultSourceRanges', i], message: `${shown(text)} ${parsed.reason}` }];
    });
  },
  evaluate(object, params, context) {
    if (context.kind === 'Ingress') {
      if (ingressSourceLists(object).length > 0 || params.ingressWithoutAllowlist === 'ignore') return [];
      return [
        {
          path: 'metadata.annotations',
          enforcement: params.ingressWithoutAllowlist,
          message: `Ingress has no source allowlist, so every client can reach it; add the annotation "${NGINX_ALLOWLIST_ANNOTATION}" with the client networks (e.g. "203.0.113.0/24, 198.51.100.0/24")`,
        },
      ];
    }
    if (!isLoadBalancer(object) || serviceSourceLists(object).length > 0) return [];
    const finding: CheckFinding = {
      path: 'spec.loadBalancerSourceRanges',
      message: `LoadBalancer Service has no source ranges, so it is open to the whole internet; set spec.loadBalancerSourceRanges (or the "${SERVICE_SOURCE_RANGES_ANNOTATION}" annotation) to the client networks that need access`,
    };
    const spec = specOf(object);
    if (params.defaultSourceRanges.length === 0 || !isRecord(object.spec)) return [finding];
    const fix: PatchOperation[] = [
      { op: 'loadBalancerSourceRanges' in spec ? 'replace' : 'add', path: '/spec/loadBalancerSourceRanges', value: [...params.defaultSourceRanges] },
    ];
    return [{ ...finding, message: `LoadBalancer Service had no source ranges; set spec.loadBalancerSourceRanges to the default ${params.defaultSourceRanges.join(', ')}`, fix }];
  },
  reference: {
    description: [
      'A `type: LoadBalancer` Service with no source ranges (neither the field nor the annotation) is',
      'open to the world. With `defaultSourceRanges` and `mutate: true`, they are patched in',
      '(`add`/`replace /spec/loadBalancerSourceRanges`); otherwise the finding stands. An Ingress without',
      'an ingress-nginx allowlist annotation gets `ingressWithoutAllowlist` (a warning by default, since',
      'many Ingresses are public on purpose).',
    ].join('\n'),
    examples: {
      denied: {
        note: 'A LoadBalancer with no source ranges, under a rule that sets `defaultSourceRanges`.',
        params: { defaultSourceRanges: ['203.0.113.0/24'] },
        object: {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'storefront', namespace: 'shop' },
          spec: { type: 'LoadBalancer', selector: { app: 'storefront' }, ports: [{ port: 443, targetPort: 8443 }], externalTrafficPolicy: 'Local' },
        },
      },
      allowed: {
        note: 'The source ranges may also be given as the annotation.',
        object: {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'storefront', namespace: 'shop', annotations: { 'service.beta.kubernetes.io/load-balancer-source-ranges': '203.0.113.0/24' } },
          spec: { type: 'LoadBalancer', selector: { app: 'storefront' }, ports: [{ port: 443, targetPort: 8443 }], externalTrafficPolicy: 'Local' },
        },
      },
    },
  },
});
