/**
 * An exemption's `namespace` or `name` pattern as a matcher: a glob (picomatch, dot files
 * included), or, when the pattern is a plain name, a string comparison.
 *
 * Why the plain case: the set-wide exemptions (`kube-system` and the like) are tried on every
 * review of a kind some rule reads, and picomatch's matcher builds a result object on each call;
 * three of them cost about 0.1 µs a review in a loop, three comparisons almost nothing.
 */
import picomatch from 'picomatch';

/**
 * Letters, digits, `.`, `_` and `-`, starting with a letter or digit: no glob syntax, so picomatch
 * would match exactly that text too (a test holds the two to the same answers). The first
 * character leaves `!` (negation), `./` and dot-file patterns to picomatch.
 */
const PLAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Whether a namespace or name matches `pattern`, as picomatch with `dot: true` decides. */
export function nameMatcher(pattern: string): (value: string) => boolean {
  if (PLAIN_NAME.test(pattern)) return (value) => value === pattern;
  return picomatch(pattern, { dot: true });
}
