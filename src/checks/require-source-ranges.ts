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
      description: 'Ranges patched into a LoadBalancer Service that has none (needs `mutate: true`). Empty: deny instead.',
    }),
    ingressWithoutAllowlist: StringEnum(['deny', 'warn', 'audit', 'ignore'] as const, {
      default: 'warn',
      description: 'What an Ingress without an allowlist annotation gets.',
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
});
