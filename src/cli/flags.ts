/** Reading flag values: every command refuses the same bad spellings with the same words. */
import { UsageError } from './io.js';

/** A flag's value when it is one of `allowed`; a usage error naming them otherwise. */
export function oneOf<T extends string>(flag: string, value: unknown, allowed: readonly T[]): T {
  const text = String(value);
  if (!(allowed as readonly string[]).includes(text)) throw new UsageError(`--${flag} must be one of: ${allowed.join(', ')} (got "${text}")`);
  return text as T;
}

/** The bounds of a number flag, which its refusal also states (so the words cannot drift from the check). */
export interface NumberBounds {
  readonly min: number;
  /** No upper bound when left out. */
  readonly max?: number;
  /** Why the bounds are what they are, said after them: "the API server's limit". */
  readonly why?: string;
}

/** What a refused value should have been: `a port number 0..65535`, `a number of days, 0 or more`. */
function describeBounds(noun: string, { min, max, why }: NumberBounds): string {
  const range = max === undefined ? `${noun}, ${min} or more` : `${noun} ${min}..${max}`;
  return why === undefined ? range : `${range} (${why})`;
}

/** A flag's value read as a number when it is spelled as `pattern` says and lies within `bounds`. */
function numberFlag(flag: string, value: unknown, noun: string, pattern: RegExp, bounds: NumberBounds): number {
  const text = String(value);
  const number = pattern.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(number) || number < bounds.min || (bounds.max !== undefined && number > bounds.max)) {
    throw new UsageError(`--${flag} must be ${describeBounds(noun, bounds)} (got "${text}")`);
  }
  // Open above, a number still has to be one that reads back as written (2^53 + 1 reads as 2^53).
  if (number > Number.MAX_SAFE_INTEGER) throw new UsageError(`--${flag} must be at most ${Number.MAX_SAFE_INTEGER} (got "${text}")`);
  return number;
}

/**
 * A flag's value as a whole number within `bounds`: digits only, so "", "1e3" or "0x1bb" are
 * refused, not read as 0, 1000 or 443. `noun` names the value ("a port number").
 */
export function wholeNumber(flag: string, value: unknown, noun: string, bounds: NumberBounds): number {
  return numberFlag(flag, value, noun, /^\d+$/, bounds);
}

/** A flag's value as a decimal number within `bounds` (fractions allowed: "0.5"); "", "1e2" or "-1" are refused. */
export function decimalNumber(flag: string, value: unknown, noun: string, bounds: NumberBounds): number {
  return numberFlag(flag, value, noun, /^\d+(\.\d+)?$/, bounds);
}
