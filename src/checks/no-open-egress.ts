/**
 * no-open-egress: a NetworkPolicy must not let pods send traffic to the whole internet. An
 * egress rule to `0.0.0.0/0` or `::/0` (in any spelling, or as ranges whose union is everything)
 * or with no `to` at all allows every destination. Rules whose ports are all in `allowPorts`
 * (for example 443 to reach external APIs) are tolerated.
 */
import { Type } from '@sinclair/typebox';
import type { CheckFinding } from '../engine/types.js';
import { field, isAbsentOrEmpty, list, shown, specOf } from '../kube/read.js';
import { FAMILY_SIZE, parseRange, rangesOfFamily, unionSize, type IpRange } from '../net/cidr.js';
import { defineCheck, StringEnum } from './check.js';

const AllowedPort = Type.Object(
  {
    port: Type.Union([Type.Integer({ minimum: 1, maximum: 65535 }), Type.String({ minLength: 1 })], { description: 'Port number or named port.' }),
    protocol: StringEnum(['TCP', 'UDP', 'SCTP'] as const, { default: 'TCP', description: 'Protocol of the port.' }),
  },
  { additionalProperties: false },
);

const Params = Type.Object(
  {
    allowPorts: Type.Array(AllowedPort, { default: [], description: 'Egress to anywhere is tolerated when every port of the rule is listed here, e.g. `{port: 443, protocol: TCP}`.' }),
  },
  { additionalProperties: false },
);

type AllowedPorts = readonly { readonly port: number | string; readonly protocol?: string }[];

/**
 * Whether every port of an egress rule is allowed. A rule without ports allows all ports, and a
 * port range (`endPort`) counts only if it is a single allowed port.
 */
function allPortsAllowed(rule: unknown, allowed: AllowedPorts): boolean {
  const ports = list(field(rule, 'ports'));
  if (ports.length === 0 || allowed.length === 0) return false;
  return ports.every((p) => {
    const port = field(p, 'port');
    const endPort = field(p, 'endPort');
    const protocol = field(p, 'protocol') ?? 'TCP';
    if (port === undefined || (endPort !== undefined && endPort !== port)) return false;
    return allowed.some((a) => a.port === port && (a.protocol ?? 'TCP') === protocol);
  });
}

export default defineCheck({
  id: 'no-open-egress',
  summary: 'NetworkPolicies must not allow egress to the whole internet, except on explicitly allowed ports.',
  kinds: ['NetworkPolicy'],
  canMutate: false,
  params: Params,
  evaluate(object, params) {
    const findings: CheckFinding[] = [];
    const ranges: IpRange[] = [];
    const rangePaths: string[] = [];
    list(specOf(object).egress).forEach((rule, i) => {
      if (allPortsAllowed(rule, params.allowPorts)) return;
      const to = field(rule, 'to');
      // No peers reaches everything; so, judged conservatively, do peers that are not a list.
      if (isAbsentOrEmpty(to) || !Array.isArray(to)) {
        findings.push({ path: `spec.egress[${i}]`, message: `spec.egress[${i}] has no "to" peers, so it allows egress to every destination; list the destinations (ipBlock, namespace or pod selectors)${params.allowPorts.length > 0 ? ' or limit it to allowed ports' : ''}` });
        return;
      }
      list(to).forEach((peer, j) => {
        const ipBlock = field(peer, 'ipBlock');
        if (ipBlock === undefined) return;
        const path = `spec.egress[${i}].to[${j}].ipBlock.cidr`;
        const cidr = field(ipBlock, 'cidr');
        const parsed = parseRange(cidr);
        if (!parsed.ok) {
          findings.push({ path, message: `${path}: ${shown(cidr)} ${parsed.reason}; write a CIDR range such as 198.51.100.0/24` });
          return;
        }
        ranges.push(parsed.range);
        rangePaths.push(path);
      });
    });
    // Judged across all rules that are not port-exempt, so `0.0.0.0/1` in one rule and
    // `128.0.0.0/1` in another are seen together. `except` lists do not narrow "everything".
    // IPv6 first: `::/0` also contains every IPv4-mapped address, and one finding says it.
    for (const family of [6, 4] as const) {
      if (unionSize(rangesOfFamily(ranges, family), family) !== FAMILY_SIZE[family]) continue;
      const single = ranges.findIndex((r) => rangesOfFamily([r], family).some((m) => m.prefixLength === 0));
      const path = single >= 0 ? (rangePaths[single] ?? 'spec.egress') : 'spec.egress';
      if (findings.some((finding) => finding.path === path)) continue;
      const what = family === 4 ? '0.0.0.0/0' : '::/0';
      findings.push({ path, message: `${path}: egress reaches every ${family === 4 ? 'IPv4' : 'IPv6'} address (${what}); list the destination networks pods need${params.allowPorts.length > 0 ? ', or limit the rule to allowed ports' : ''} (an "except" list does not make this safe)` });
    }
    return findings;
  },
  reference: {
    description: [
      'No egress rule may reach the whole internet: `0.0.0.0/0`/`::/0` in any spelling, ranges whose',
      'union is everything (across rules), or a rule without `to`. An `except` list does not make',
      '`0.0.0.0/0` safe. Rules whose ports are all listed in `allowPorts` are tolerated (a rule without',
      'ports means all ports; a port range counts only as a single allowed port).',
    ].join('\n'),
    examples: {
      denied: {
        note: 'The `except` list still leaves every other address reachable.',
        object: {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name: 'checkout-egress', namespace: 'shop' },
          spec: {
            podSelector: { matchLabels: { app: 'checkout' } },
            policyTypes: ['Egress'],
            egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }] }],
          },
        },
      },
      allowed: {
        object: {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name: 'checkout-egress', namespace: 'shop' },
          spec: {
            podSelector: { matchLabels: { app: 'checkout' } },
            policyTypes: ['Egress'],
            egress: [{ to: [{ ipBlock: { cidr: '198.51.100.0/24' } }], ports: [{ port: 443, protocol: 'TCP' }] }],
          },
        },
      },
    },
  },
});
