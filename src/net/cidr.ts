/**
 * Address ranges as the checks need them: parsed strictly, normalised (IPv4-mapped IPv6 becomes
 * IPv4) and measured as unions, so that every spelling of "the whole internet" looks the same.
 *
 * IPv4 addresses are validated by Node's own `net.isIPv4`, which accepts exactly four dotted
 * decimal fields 0..255 without leading zeros, the one spelling every consumer reads alike; the
 * four validated fields are then read as numbers. IPv6 is parsed by ipaddr.js. (ipaddr.js's IPv4
 * parser also reads octal, hex and short forms, which we refuse anyway; measured on a range not
 * seen before, `ipaddr.parseCIDR` takes about 4 µs against 0.5 µs for all of `parseRange`, cache
 * included: the difference between 4 ms and 0.6 ms for a Service listing 1,000 new ranges.)
 * (ip-cidr, which the design card names, was measured at ~15 µs per parse and reports a size of 1
 * for `::ffff:10.0.0.0/104`; it is kept as an independent oracle in the tests instead.)
 */
import { isIPv4 } from 'node:net';
import ipaddr from 'ipaddr.js';

export type IpFamily = 4 | 6;

/** A contiguous block of addresses of one family, as inclusive integer bounds. */
export interface IpRange {
  readonly family: IpFamily;
  readonly first: bigint;
  readonly last: bigint;
  /** Prefix length within its family (after IPv4-mapped ranges were turned into IPv4). */
  readonly prefixLength: number;
}

export type RangeParse = { readonly ok: true; readonly range: IpRange } | { readonly ok: false; readonly reason: string };

/** Number of addresses in each family's whole space. */
export const FAMILY_SIZE: Readonly<Record<IpFamily, bigint>> = { 4: 1n << 32n, 6: 1n << 128n };
const FAMILY_BITS: Readonly<Record<IpFamily, number>> = { 4: 32, 6: 128 };

/** `::ffff:0:0/96`: IPv6 addresses that stand for IPv4 clients. */
const V4_MAPPED_FIRST = 0xffffn << 32n;
const V4_MAPPED_LAST = V4_MAPPED_FIRST + FAMILY_SIZE[4] - 1n;

/**
 * Parsed ranges by their exact text. Allowlists repeat the same few strings across a whole
 * cluster, and a parse costs 0.5 to 4 µs (the figures above); the cache is bounded so request
 * data can never grow it without limit.
 */
const PARSE_CACHE_LIMIT = 4096;
/**
 * The longest spelling of a range is 49 characters (`ffff:…:ffff:255.255.255.255/128`); room is
 * left for surrounding white space. Longer text is refused without parsing and never cached, so
 * neither the cache nor the parser can be fed megabytes.
 */
const MAX_RANGE_TEXT = 64;
const parseCache = new Map<string, RangeParse>();

/** Entries in the parse cache now; never more than its bound, whatever requests arrive. */
export function parseCacheSize(): number {
  return parseCache.size;
}

function bytesToBigInt(bytes: readonly number[]): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

function makeRange(family: IpFamily, network: bigint, prefixLength: number): IpRange {
  const hostBits = BigInt(FAMILY_BITS[family] - prefixLength);
  const first = (network >> hostBits) << hostBits;
  const last = first + (1n << hostBits) - 1n;
  return { family, first, last, prefixLength };
}

/** The range in canonical notation, e.g. `0.0.0.0/0` for what was written `::ffff:0:0/96`. */
export function formatRange(range: IpRange): string {
  return `${formatAddress(range.family, range.first)}/${range.prefixLength}`;
}

function formatAddress(family: IpFamily, value: bigint): string {
  const bytes: number[] = [];
  for (let i = family === 4 ? 3 : 15; i >= 0; i--) bytes.push(Number((value >> BigInt(i * 8)) & 0xffn));
  return ipaddr.fromByteArray(bytes).toString();
}

const NOT_DOTTED_DECIMAL: RangeParse = { ok: false, reason: 'is not a plain dotted-decimal address (no leading zeros, octal, hex or short forms)' };
const INVALID: RangeParse = { ok: false, reason: 'is not a valid IP address or CIDR range' };

/** A prefix length written after the slash: decimal digits, at most `bits`. */
function prefixLengthOf(text: string, bits: number): number | undefined {
  if (!/^\d{1,3}$/.test(text)) return undefined;
  const value = Number(text);
  return value <= bits ? value : undefined;
}

const DOT = 0x2e;
const DIGIT_ZERO = 0x30;

/**
 * The 32-bit value of an address `isIPv4` has accepted: four fields of decimal digits between
 * three dots. Read in place, because splitting into strings and converting each was a third of
 * the cost of a range never seen before (0.24 µs of about 0.7).
 */
function dottedDecimalValue(validated: string): number {
  let value = 0;
  let field = 0;
  for (let i = 0; i < validated.length; i++) {
    const code = validated.charCodeAt(i);
    if (code === DOT) {
      value = value * 256 + field;
      field = 0;
    } else field = field * 10 + (code - DIGIT_ZERO);
  }
  return value * 256 + field;
}

function parseIPv4(addressText: string, prefixText: string | undefined): RangeParse {
  if (!isIPv4(addressText)) return NOT_DOTTED_DECIMAL;
  const prefixLength = prefixText === undefined ? 32 : prefixLengthOf(prefixText, 32);
  if (prefixLength === undefined) return INVALID;
  const value = dottedDecimalValue(addressText);
  // Below 2^32, so exact in a double; the block bounds are computed before becoming bigints.
  const size = 2 ** (32 - prefixLength);
  const first = Math.floor(value / size) * size;
  return { ok: true, range: { family: 4, first: BigInt(first), last: BigInt(first + size - 1), prefixLength } };
}

function parseIPv6(addressText: string, prefixText: string | undefined): RangeParse {
  // The dotted tail of `::ffff:1.2.3.4` is held to the same strictness as IPv4 on its own.
  const tail = addressText.slice(addressText.lastIndexOf(':') + 1);
  if (tail.includes('.') && !isIPv4(tail)) return NOT_DOTTED_DECIMAL;
  const prefixLength = prefixText === undefined ? 128 : prefixLengthOf(prefixText, 128);
  if (prefixLength === undefined) return INVALID;
  let bytes: number[];
  try {
    bytes = ipaddr.IPv6.parse(addressText).toByteArray();
  } catch {
    return INVALID;
  }
  const range = makeRange(6, bytesToBigInt(bytes), prefixLength);
  // An IPv6 network inside ::ffff:0:0/96 is how IPv4 clients are matched in IPv6 syntax
  // (Go's net.IPNet treats it as IPv4), so it is judged as the IPv4 range it stands for.
  if (prefixLength >= 96 && range.first >= V4_MAPPED_FIRST && range.last <= V4_MAPPED_LAST) {
    return { ok: true, range: makeRange(4, range.first - V4_MAPPED_FIRST, prefixLength - 96) };
  }
  return { ok: true, range };
}

function parseUncached(text: string): RangeParse {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, reason: 'is empty' };
  const slash = trimmed.indexOf('/');
  const addressText = slash === -1 ? trimmed : trimmed.slice(0, slash);
  const prefixText = slash === -1 ? undefined : trimmed.slice(slash + 1);
  if (addressText.includes('%')) return { ok: false, reason: 'has an IPv6 zone id, which no allowlist accepts' };
  return addressText.includes(':') ? parseIPv6(addressText, prefixText) : parseIPv4(addressText, prefixText);
}

function typeName(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * Parses one allowlist entry: a CIDR range or a bare address (a single host), surrounding
 * white space ignored. Takes any value, since entries come from objects we do not trust. Never
 * throws; a value that does not parse comes back with a reason.
 */
export function parseRange(text: unknown): RangeParse {
  if (typeof text !== 'string') return { ok: false, reason: `is ${typeName(text)}, not a string` };
  if (text.length > MAX_RANGE_TEXT) return { ok: false, reason: 'is too long to be an address or a range' };
  const cached = parseCache.get(text);
  if (cached !== undefined) return cached;
  const parsed = parseUncached(text);
  // Dropping everything at the limit is cheaper than tracking age, and a working set of
  // allowlist strings refills it within a few requests.
  if (parseCache.size >= PARSE_CACHE_LIMIT) parseCache.clear();
  parseCache.set(text, parsed);
  return parsed;
}

/**
 * The IPv4 addresses an IPv6 range reaches through the IPv4-mapped block, if any. `::/32` is a
 * narrow IPv6 range that nonetheless contains every `::ffff:a.b.c.d`; judged conservatively, it
 * admits every IPv4 client too.
 */
export function mappedIPv4Part(range: IpRange): IpRange | undefined {
  if (range.family !== 6 || range.last < V4_MAPPED_FIRST || range.first > V4_MAPPED_LAST) return undefined;
  const first = (range.first > V4_MAPPED_FIRST ? range.first : V4_MAPPED_FIRST) - V4_MAPPED_FIRST;
  const last = (range.last < V4_MAPPED_LAST ? range.last : V4_MAPPED_LAST) - V4_MAPPED_FIRST;
  const size = last - first + 1n;
  // Intersections of two CIDR blocks are CIDR blocks, so the size is a power of two.
  const prefixLength = 32 - (size.toString(2).length - 1);
  return { family: 4, first, last, prefixLength };
}

/** How many distinct addresses of `family` the ranges admit together (overlaps counted once). */
export function unionSize(ranges: readonly IpRange[], family: IpFamily): bigint {
  const sorted = ranges.filter((r) => r.family === family).sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  let total = 0n;
  let run: { first: bigint; last: bigint } | undefined;
  for (const range of sorted) {
    if (run !== undefined && range.first <= run.last + 1n) {
      if (range.last > run.last) run.last = range.last;
    } else {
      if (run !== undefined) total += run.last - run.first + 1n;
      run = { first: range.first, last: range.last };
    }
  }
  if (run !== undefined) total += run.last - run.first + 1n;
  return total;
}

/**
 * All ranges of one family that a list admits, including the IPv4 reached through IPv4-mapped
 * IPv6 when `family` is 4.
 */
export function rangesOfFamily(ranges: readonly IpRange[], family: IpFamily): IpRange[] {
  const out: IpRange[] = [];
  for (const range of ranges) {
    if (range.family === family) out.push(range);
    else if (family === 4) {
      const mapped = mappedIPv4Part(range);
      if (mapped !== undefined) out.push(mapped);
    }
  }
  return out;
}

/** Whether `outer` contains every address of `inner`. */
export function rangeContains(outer: IpRange, inner: IpRange): boolean {
  return outer.family === inner.family && outer.first <= inner.first && inner.last <= outer.last;
}

/** The number of addresses in one block of the given prefix length. */
export function blockSize(family: IpFamily, prefixLength: number): bigint {
  return 1n << BigInt(FAMILY_BITS[family] - prefixLength);
}

/** Whether the ranges together admit every address of `family` (IPv4 reached via mapped IPv6 included). */
export function coversWholeFamily(ranges: readonly IpRange[], family: IpFamily): boolean {
  return unionSize(rangesOfFamily(ranges, family), family) === FAMILY_SIZE[family];
}
