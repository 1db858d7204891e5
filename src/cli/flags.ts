/** Reading flag values: every command refuses the same bad spellings with the same words. */
import { UsageError } from './io.js';

/** A flag's value when it is one of `allowed`; a usage error naming them otherwise. */
export function oneOf<T extends string>(flag: string, value: unknown, allowed: readonly T[]): T {
  const text = String(value);
  if (!(allowed as readonly string[]).includes(text)) throw new UsageError(`--${flag} must be one of: ${allowed.join(', ')} (got "${text}")`);
  return text as T;
}

/** A flag's value read as a number when it is spelled as `pattern` says and lies in `min..max`. */
function numberFlag(flag: string, value: unknown, what: string, pattern: RegExp, min: number, max: number): number {
  const text = String(value);
  const number = pattern.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(number) || number < min || number > max) throw new UsageError(`--${flag} must be ${what} (got "${text}")`);
  return number;
}

/**
 * A flag's value as a whole number in `min..max`: digits only, so "", "1e3" or "0x1bb" are
 * refused, not read as 0, 1000 or 443.
 */
export function wholeNumber(flag: string, value: unknown, what: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  return numberFlag(flag, value, what, /^\d+$/, min, max);
}

/** A flag's value as a decimal number in `min..max` (fractions allowed: "0.5"); "", "1e2" or "-1" are refused. */
export function decimalNumber(flag: string, value: unknown, what: string, min: number, max: number): number {
  return numberFlag(flag, value, what, /^\d+(\.\d+)?$/, min, max);
}
