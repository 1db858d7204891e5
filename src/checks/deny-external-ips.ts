/**
 * deny-external-ips: `spec.externalIPs` makes every node accept traffic for those addresses, and
 * whoever can set it can intercept traffic to any IP (CVE-2020-8554). Only addresses inside the
 * rule's `allowedCidrs` are allowed.
 */
import { Type } from '@sinclair/typebox';
import type { CheckFinding, KubeObject } from '../engine/types.js';
import { list, shown, specOf } from '../kube/read.js';
import { parseRange, rangeContains, type IpRange } from '../net/cidr.js';
import { defineCheck } from './check.js';

const Params = Type.Object(
  {
    allowedCidrs: Type.Array(Type.String(), { default: [], description: 'Ranges that externalIPs may use, checked when the rules load. Empty: no externalIPs at all.' }),
  },
  { additionalProperties: false },
);

/** The documented Service: denied or allowed by the rule's `allowedCidrs` alone. */
const EXTERNAL_IPS_EXAMPLE: KubeObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'storefront', namespace: 'shop' },
  spec: { type: 'ClusterIP', selector: { app: 'storefront' }, ports: [{ port: 443, targetPort: 8443 }], externalIPs: ['198.51.100.7'] },
};

export default defineCheck({
  id: 'deny-external-ips',
  summary: 'Services must not set spec.externalIPs outside the allowed ranges (CVE-2020-8554).',
  kinds: ['Service'],
  canMutate: false,
  params: Params,
  validateParams(params) {
    return params.allowedCidrs.flatMap((text, i) => {
      const parsed = parseRange(text);
      return parsed.ok ? [] : [{ path: ['allowedCidrs', i], message: `${shown(text)} ${parsed.reason}` }];
    });
  },
  evaluate(object, params) {
    const findings: CheckFinding[] = [];
    const allowed: IpRange[] = [];
    for (const text of params.allowedCidrs) {
      const parsed = parseRange(text);
      if (parsed.ok) allowed.push(parsed.range);
    }
    const where = allowed.length > 0 ? `use an address inside ${params.allowedCidrs.join(', ')}` : 'remove spec.externalIPs and use a LoadBalancer or Ingress';
    list(specOf(object).externalIPs).forEach((value, i) => {
      const path = `spec.externalIPs[${i}]`;
      const parsed = parseRange(value);
      if (!parsed.ok) {
        findings.push({ path, message: `${path}: ${shown(value)} ${parsed.reason}; ${where}` });
      } else if (!allowed.some((range) => rangeContains(range, parsed.range))) {
        findings.push({ path, message: `${path}: external IP ${shown(value)} is not allowed; ${where}` });
      }
    });
    return findings;
  },
  reference: {
    description: [
      '`spec.externalIPs` must be empty, or every address inside `allowedCidrs`. Every node accepts',
      'traffic for a Service\'s external IPs, so whoever sets them can capture traffic for any address',
      '(CVE-2020-8554). Entries that do not parse are findings.',
    ].join('\n'),
    examples: {
      denied: {
        object: EXTERNAL_IPS_EXAMPLE,
      },
      allowed: {
        note: 'Under a rule whose `allowedCidrs` holds the address.',
        params: { allowedCidrs: ['198.51.100.0/24'] },
        object: EXTERNAL_IPS_EXAMPLE,
      },
    },
  },
});
