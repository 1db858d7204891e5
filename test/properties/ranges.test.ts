/**
 * Allowlists, generated: CIDR strings in every spelling (valid, invalid, white space, empty
 * entries, IPv6 forms, IPv4-mapped, zone ids, leading zeros), lists of them in any order, and
 * range sets that together cover a whole address family.
 */
import t from 'tap';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { evaluate } from '../../src/engine/evaluate.js';
import { parseRange } from '../../src/net/cidr.js';
import { splitCommaList } from '../../src/kube/source-ranges.js';
import { parseRuleFiles, loadRuleDirectory } from '../../src/rules/load.js';
import type { KubeObject } from '../../src/engine/types.js';
import { clusterWith, ingress, loadBalancer, networkPolicy } from '../helpers.js';
import { holds, SEED } from './seed.js';

t.comment(`seed ${SEED} (replay with PERIMETER_SEED=${SEED})`);

const shipped = await loadRuleDirectory('rules');
// Only the union can deny here: no single block is too broad at prefix 0.
const unionOnly = parseRuleFiles([
  { file: 'union.yaml', text: 'rules:\n  - {id: open, description: d, check: no-open-sources, enforcement: deny, params: {minPrefixLengthV4: 0, minPrefixLengthV6: 0}}\n' },
]);
const environment = { cluster: clusterWith([]), now: new Date('2026-11-21T12:00:00Z') };

const ipv4 = fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([a, p]) => `${a}/${p}`);
const ipv6 = fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 })).map(([a, p]) => `${a}/${p}`);
const mapped = fc.tuple(fc.ipV4(), fc.integer({ min: 96, max: 128 })).map(([a, p]) => `::ffff:${a}/${p}`);
const awkward = fc.oneof(
  fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([a, p]) => `${a.replace(/^(\d)/, '0$1')}/${p}`), // leading zero
  fc.tuple(fc.ipV6(), fc.stringMatching(/^[a-z0-9]{1,6}$/)).map(([a, zone]) => `${a}%${zone}/64`), // zone id
  fc.constantFrom('0.0.0.0/0', '::/0', '0:0:0:0:0:0:0:0/0', '::ffff:0:0/96', '0.0.0.0/00', '0/0', '', ' ', '/', '1.2.3.4/', '1.2.3.4/33', '::/129', '1.2.3.4/-1', '1.2.3.4/+8'),
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef.:/%, \t'.split('')), maxLength: 24 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
);
const entry = fc.oneof(ipv4, ipv6, mapped, awkward);

t.test('parseRange never throws, and white space around an entry never changes what it means', async (t) => {
  await holds(
    t,
    'parseRange',
    fc.property(entry, fc.constantFrom(' ', '\t', ' \t '), (text, pad) => {
      const plain = parseRange(text);
      const spaced = parseRange(`${pad}${text}${pad}`);
      if (typeof plain.ok !== 'boolean' || (!plain.ok && typeof plain.reason !== 'string')) return false;
      return plain.ok === spaced.ok && (!plain.ok || (plain.range.first === (spaced as typeof plain).range.first && plain.range.last === (spaced as typeof plain).range.last));
    }),
    5_000,
  );
});

t.test('annotation lists: empty entries and padding are dropped, nothing else', async (t) => {
  await holds(
    t,
    'splitCommaList',
    // Ranges as written (no white space or comma inside), joined by every separator people type,
    // with empty entries and padding before, between and after: the list must be those ranges.
    fc.property(
      fc.array(fc.oneof(ipv4, ipv6, mapped), { maxLength: 12 }),
      fc.array(fc.constantFrom(',', ', ', ' ,', ',\t', ', ,', ',,', ' , ,\t'), { minLength: 13, maxLength: 13 }),
      fc.constantFrom('', ' ', ',', ' , '),
      (ranges, separators, edge) => {
        const text = `${edge}${ranges.map((range, i) => (i === 0 ? range : `${separators[i]!}${range}`)).join('')}${edge}`;
        return JSON.stringify(splitCommaList(text)) === JSON.stringify(ranges);
      },
    ),
    3_000,
  );
});

t.test('annotation lists: only commas separate entries (white space inside one stays in it)', async (t) => {
  // A controller splits on commas alone: "10.0.0.0/8 10.1.0.0/16" is one (unreadable) entry, which
  // no-open-sources reports, not two ranges it would judge one by one.
  t.same(splitCommaList(' 10.0.0.0/8 10.1.0.0/16 ,::/0,\t192.0.2.0/24\t1'), ['10.0.0.0/8 10.1.0.0/16', '::/0', '192.0.2.0/24\t1']);
});

/** What a verdict consists of when the order of entries changes: the verdict and the rules that found something. */
function judged(object: KubeObject) {
  const evaluation = evaluate({ object }, shipped, environment);
  return `${evaluation.verdict} ${[...new Set(evaluation.findings.map((finding) => finding.rule))].sort().join(',')}`;
}

t.test('a verdict never depends on the order of ranges', async (t) => {
  const lists = fc.array(entry, { minLength: 1, maxLength: 16 }).chain((ranges) => fc.tuple(fc.constant(ranges), fc.shuffledSubarray(ranges, { minLength: ranges.length, maxLength: ranges.length })));
  await holds(
    t,
    'order of ranges',
    fc.property(lists, fc.constantFrom('service field', 'service annotation', 'ingress annotation', 'network policy'), ([ranges, shuffled], where) => {
      const build = (list: string[]): KubeObject => {
        if (where === 'service field') return loadBalancer({ loadBalancerSourceRanges: list });
        if (where === 'service annotation') return loadBalancer({}, { annotations: { 'service.beta.kubernetes.io/load-balancer-source-ranges': list.join(',') } });
        if (where === 'ingress annotation') return ingress({ 'nginx.ingress.kubernetes.io/whitelist-source-range': list.join(', ') });
        return networkPolicy({ podSelector: {}, policyTypes: ['Ingress'], ingress: list.map((cidr) => ({ from: [{ ipBlock: { cidr } }] })) });
      };
      return judged(build(ranges)) === judged(build(shuffled));
    }),
    3_000,
  );
});

const FAMILY_BITS = { 4: 32, 6: 128 } as const;

/** A random partition of a family's whole space into CIDR blocks: start from /0, split blocks in halves. */
function partition(family: 4 | 6, splits: number[]): { first: bigint; prefix: number }[] {
  const blocks = [{ first: 0n, prefix: 0 }];
  for (const choice of splits) {
    const index = choice % blocks.length;
    const block = blocks[index]!;
    if (block.prefix >= FAMILY_BITS[family]) continue;
    const prefix = block.prefix + 1;
    blocks.splice(index, 1, { first: block.first, prefix }, { first: block.first + (1n << BigInt(FAMILY_BITS[family] - prefix)), prefix });
  }
  return blocks;
}

/** A block written by ipaddr.js: IPv4 dotted, IPv6 compressed, or IPv4 as IPv4-mapped IPv6. */
function spell(family: 4 | 6, block: { first: bigint; prefix: number }, asMapped: boolean): string {
  const length = family === 4 ? 4 : 16;
  const bytes = Array.from({ length }, (_, i) => Number((block.first >> BigInt(8 * (length - 1 - i))) & 255n));
  const address = ipaddr.fromByteArray(bytes);
  if (family === 4 && asMapped) return `::ffff:${address.toString()}/${block.prefix + 96}`;
  return `${address.toString()}/${block.prefix}`;
}

t.test('every range set whose union is a whole address family is denied, in any spelling and order', async (t) => {
  const covering = fc.record({
    family: fc.constantFrom(4 as const, 6 as const),
    splits: fc.array(fc.nat(), { minLength: 1, maxLength: 40 }),
    mappedMask: fc.array(fc.boolean(), { maxLength: 60 }),
    extra: fc.array(fc.oneof(ipv4, ipv6), { maxLength: 4 }),
    where: fc.constantFrom('service field', 'ingress annotation', 'network policy'),
    order: fc.nat(),
  });
  await holds(
    t,
    'whole space denied',
    fc.property(covering, ({ family, splits, mappedMask, extra, where, order }) => {
      const blocks = partition(family, splits).map((block, i) => spell(family, block, mappedMask[i] === true));
      const ranges = [...blocks, ...extra];
      // A deterministic shuffle from `order`, so the failing order is part of the counterexample.
      const shuffled = ranges.map((range, i) => ({ range, key: (i * 7919 + order) % 104729 })).sort((a, b) => a.key - b.key).map(({ range }) => range);
      const object =
        where === 'service field'
          ? loadBalancer({ loadBalancerSourceRanges: shuffled })
          : where === 'ingress annotation'
            ? ingress({ 'nginx.ingress.kubernetes.io/whitelist-source-range': shuffled.join(',') })
            : networkPolicy({ podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: shuffled.map((cidr) => ({ ipBlock: { cidr } })) }] });
      const evaluation = evaluate({ object }, unionOnly, environment);
      return evaluation.verdict === 'deny' && evaluation.findings.some((finding) => finding.rule === 'open');
    }),
    3_000,
  );
});

// IPv4 only: an IPv6 set that keeps ::ffff:0:0/96 still admits every IPv4 client, and is denied.
t.test('an IPv4 set that leaves out one block is not world-open', async (t) => {
  const family = 4;
  await holds(
    t,
    'all but one block allowed',
    fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 40 }), fc.nat(), (splits, drop) => {
      const blocks = partition(family, [...splits, 0]);
      blocks.splice(drop % blocks.length, 1);
      const evaluation = evaluate({ object: loadBalancer({ loadBalancerSourceRanges: blocks.map((block) => spell(family, block, false)) }) }, unionOnly, environment);
      return evaluation.verdict === 'allow';
    }),
    2_000,
  );
});
