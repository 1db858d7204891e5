/**
 * no-open-sources: no allowlist of client networks may admit the whole internet, or a block
 * broader than the configured prefix, in any spelling: `0.0.0.0/0`, `::/0`, the long IPv6 form,
 * IPv4-mapped IPv6 (`::ffff:0:0/96` is all of IPv4), or several ranges whose union is too wide.
 */
import { Type } from '@sinclair/typebox';
import type { CheckFinding, KubeObject } from '../engine/types.js';
import { field, isAbsentOrEmpty, list, shown, specOf } from '../kube/read.js';
import { ingressSourceLists, serviceSourceLists, type SourceEntry, type SourceList } from '../kube/source-ranges.js';
import { blockSize, FAMILY_SIZE, formatRange, mappedIPv4Part, parseRange, rangesOfFamily, unionSize, type IpFamily, type IpRange } from '../net/cidr.js';
import { defineCheck } from './check.js';

const Params = Type.Object(
  {
    minPrefixLengthV4: Type.Integer({ minimum: 0, maximum: 32, default: 8, description: 'IPv4 ranges shorter than this prefix are refused, and a list may not admit more IPv4 addresses than one such block.' }),
    minPrefixLengthV6: Type.Integer({ minimum: 0, maximum: 128, default: 32, description: 'The same for IPv6: ranges shorter than this prefix are refused, and a list may not admit more IPv6 addresses than one such block.' }),
  },
  { additionalProperties: false },
);

const FAMILY_NAME: Record<IpFamily, string> = { 4: 'IPv4', 6: 'IPv6' };
const FIX_HINT = 'list only the client networks that need access';

/** A NetworkPolicy ingress rule without peers admits every source: it reads as `0.0.0.0/0`. */
function networkPolicySourceLists(policy: KubeObject): { lists: SourceList[]; openRules: string[] } {
  const entries: SourceEntry[] = [];
  const openRules: string[] = [];
  list(specOf(policy).ingress).forEach((rule, i) => {
    const from = field(rule, 'from');
    // No peers admits everyone; so, judged conservatively, does peers that are not a list.
    if (isAbsentOrEmpty(from) || !Array.isArray(from)) openRules.push(`spec.ingress[${i}]`);
    list(from).forEach((peer, j) => {
      const ipBlock = field(peer, 'ipBlock');
      if (ipBlock !== undefined) entries.push({ value: field(ipBlock, 'cidr'), path: `spec.ingress[${i}].from[${j}].ipBlock.cidr` });
    });
  });
  // Peers across all ingress rules are judged as one list, so splitting a wide range over
  // several rules does not hide it.
  return { lists: entries.length > 0 ? [{ path: 'spec.ingress', entries }] : [], openRules };
}

/** The entry as written, with its canonical form when that differs: `"::ffff:0:0/96" (0.0.0.0/0)`. */
function describeRange(entry: SourceEntry, range: IpRange): string {
  const written = String(entry.value).trim();
  const canonical = formatRange(range);
  return written === canonical ? shown(written) : `${shown(written)} (${canonical})`;
}

export default defineCheck({
  id: 'no-open-sources',
  summary: 'Source allowlists must not admit the whole internet or ranges broader than the configured prefix.',
  kinds: ['Service', 'Ingress', 'NetworkPolicy'],
  canMutate: false,
  params: Params,
  evaluate(object, params, context) {
    const findings: CheckFinding[] = [];
    const minPrefix: Record<IpFamily, number> = { 4: params.minPrefixLengthV4, 6: params.minPrefixLengthV6 };
    const { kind } = context;
    let lists: SourceList[];
    if (kind === 'Service') lists = serviceSourceLists(object);
    else if (kind === 'Ingress') lists = ingressSourceLists(object);
    else {
      const fromPolicy = networkPolicySourceLists(object);
      lists = fromPolicy.lists;
      for (const path of fromPolicy.openRules) {
        findings.push({ path, message: `${path} has no "from" peers, so it admits every source (0.0.0.0/0 and ::/0); add "from" with ipBlock ranges, or pod/namespace selectors` });
      }
    }

    for (const source of lists) {
      const ranges: IpRange[] = [];
      // Per family: some entry alone already admits everything / is already too broad.
      const worldOpen: Record<IpFamily, boolean> = { 4: false, 6: false };
      const tooBroad: Record<IpFamily, boolean> = { 4: false, 6: false };
      for (const entry of source.entries) {
        const parsed = parseRange(entry.value);
        if (!parsed.ok) {
          findings.push({ path: entry.path, message: `${entry.path}: ${shown(entry.value)} ${parsed.reason}; write CIDR ranges such as 203.0.113.0/24 (an unreadable allowlist is ignored by some controllers, which then admit everyone)` });
          continue;
        }
        const range = parsed.range;
        ranges.push(range);
        const family = range.family;
        const mapped = mappedIPv4Part(range);
        const tooWide = range.prefixLength < minPrefix[family];
        const mappedTooWide = mapped !== undefined && mapped.prefixLength < minPrefix[4];
        // Flags spare the list-wide union findings below from repeating what an entry already says.
        if (tooWide) {
          worldOpen[family] ||= range.prefixLength === 0;
          tooBroad[family] = true;
        }
        if (mappedTooWide) {
          worldOpen[4] ||= mapped.prefixLength === 0;
          tooBroad[4] = true;
        }
        if (tooWide) {
          const what = range.prefixLength === 0 ? `admits every ${FAMILY_NAME[family]} address` : `is broader than /${minPrefix[family]}`;
          findings.push({ path: entry.path, message: `${entry.path}: ${describeRange(entry, range)} ${what}; ${FIX_HINT} (${FAMILY_NAME[family]} prefixes of /${minPrefix[family]} or longer)` });
        } else if (mappedTooWide) {
          findings.push({ path: entry.path, message: `${entry.path}: ${describeRange(entry, range)} contains the IPv4-mapped addresses ${formatRange(mapped)}, which is broader than /${minPrefix[4]}; ${FIX_HINT}` });
        }
      }
      for (const family of [4, 6] as const) {
        if (worldOpen[family]) continue;
        const total = unionSize(rangesOfFamily(ranges, family), family);
        if (total === FAMILY_SIZE[family]) {
          findings.push({ path: source.path, message: `${source.path}: together the ranges admit every ${FAMILY_NAME[family]} address; ${FIX_HINT}` });
        } else if (!tooBroad[family] && total > blockSize(family, minPrefix[family])) {
          findings.push({ path: source.path, message: `${source.path}: together the ranges admit ${total} ${FAMILY_NAME[family]} addresses, more than one /${minPrefix[family]}; ${FIX_HINT}` });
        }
      }
    }
    return findings;
  },
  reference: {
    description: [
      'No source allowlist may admit the whole internet, or a block broader than the minimum prefix.',
      'Reads `spec.loadBalancerSourceRanges`, the `service.beta.kubernetes.io/load-balancer-source-ranges`',
      'annotation, the ingress-nginx `whitelist-source-range` and `allowlist-source-range` annotations',
      '(comma-separated, spaces allowed), and NetworkPolicy `ingress[].from[].ipBlock.cidr` (an `except`',
      'list does not make `0.0.0.0/0` safe; an ingress rule without `from` admits everyone).',
      '',
      'Every spelling is caught: `0.0.0.0/0`, `::/0`, `0:0:0:0:0:0:0:0/0`, IPv4-mapped IPv6 (`::ffff:0:0/96`),',
      'IPv6 ranges that contain the IPv4-mapped block (`::/32`), and lists whose union is too wide',
      '(`0.0.0.0/1` + `128.0.0.0/1`, or 256 `/8`s). Entries that do not parse, and ambiguous spellings',
      '(leading zeros, octal, hex, short forms, zone ids), are findings.',
    ].join('\n'),
    examples: {
      denied: {
        note: '`::ffff:0:0/96` is every IPv4 address, written as IPv4-mapped IPv6.',
        object: {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'storefront', namespace: 'shop' },
          spec: { type: 'LoadBalancer', selector: { app: 'storefront' }, ports: [{ port: 443, targetPort: 8443 }], externalTrafficPolicy: 'Local', loadBalancerSourceRanges: ['::ffff:0:0/96'] },
        },
      },
      allowed: {
        object: {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'storefront', namespace: 'shop' },
          spec: {
            type: 'LoadBalancer',
            selector: { app: 'storefront' },
            ports: [{ port: 443, targetPort: 8443 }],
            externalTrafficPolicy: 'Local',
            loadBalancerSourceRanges: ['203.0.113.0/24', '2001:db8::/32'],
          },
        },
      },
    },
  },
});
