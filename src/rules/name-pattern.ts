/**
 * An exemption's `namespace` or `name` pattern as a matcher: a glob (picomatch, dot files
 * included), or, when the pattern is a plain name, a string comparison.
 *
 * Why the plain case: the set-wide exemptions (`kube-system` and the like) are tried on every
 * review, and picomatch's matcher builds a result object on each call; three of them cost about
 * 0.1 µs a review, a comparison almost nothing. A pattern that starts with a letter or digit and
 * holds only letters, digits, `.`, `_` and `-` has no glob syntax, so picomatch would match exactly
 * that text too (a test holds the two to the same answers).
 */
import picomatch from 'picomatch';

const PLAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function namePattern(pattern: string): (value: string) => boolean {
  if (PLAIN_NAME.test(pattern)) return (value) => value === pattern;
  return picomatch(pattern, { dot: true });
}
