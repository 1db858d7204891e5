import t from 'tap';
import fc from 'fast-check';
import picomatch from 'picomatch';
import { nameMatcher } from '../../src/rules/name-matcher.js';
import { holds } from '../properties/seed.js';

const glob = (pattern: string) => picomatch(pattern, { dot: true });

t.test('plain names match exactly that name; globs match as picomatch does', async (t) => {
  const rows: [pattern: string, value: string, matches: boolean][] = [
    ['kube-system', 'kube-system', true],
    ['kube-system', 'kube-systems', false], // a prefix is not a match
    ['kube-system', 'kube', false],
    ['kube-system', 'Kube-system', false], // case-sensitive
    ['kube-system', '', false],
    ['kube-system', './kube-system', false], // the value is not normalised
    ['kube-system', 'kube-system/', false],
    ['web.example', 'web.example', true],
    ['web.example', 'webxexample', false], // a dot is a dot, not any character
    ['a_b', 'a_b', true],
    ['kube-*', 'kube-public', true], // the globs below stay picomatch's
    ['kube-*', 'team-a', false],
    ['team-?', 'team-a', true],
    ['team-[ab]', 'team-a', true],
    ['team-[ab]', 'team-c', false],
    ['a+(b)', 'abb', true],
    ['{a,b}', 'b', true],
    ['.hidden', '.hidden', true],
    ['*', '.dotted', true], // dot: true
    ['!team-a', 'team-b', true], // negation
    ['!team-a', 'team-a', false],
  ];
  for (const [pattern, value, matches] of rows) {
    t.equal(nameMatcher(pattern)(value), matches, `${pattern} on ${JSON.stringify(value)}`);
    // The rows' expectations are picomatch's own: the fast path must not change any of them.
    t.equal(glob(pattern)(value), matches, `picomatch agrees: ${pattern} on ${JSON.stringify(value)}`);
  }
});

t.test('nameMatcher gives picomatch’s answer on generated patterns and values', async (t) => {
  const nameChars = 'abcz09-._AZ'.split('');
  const globChars = [...nameChars, ...'*?[]{}()!+@/,\\'.split('')];
  const first = fc.constantFrom(...'abz09AZ'.split(''));
  const after = (chars: string[]) => fc.tuple(first, fc.string({ unit: fc.constantFrom(...chars), maxLength: 11 })).map(([a, rest]) => `${a}${rest}`);
  // Plain names, which take the comparison, and patterns that start as plain names do but hold
  // glob syntax, which must not.
  const plain = after(nameChars);
  const globbed = after(globChars);
  const text = fc.string({ unit: fc.constantFrom(...globChars), maxLength: 12 });
  const pair = fc.oneof(
    fc.tuple(fc.oneof(plain, globbed), text),
    // The pattern itself, and with its glob syntax taken out or made a letter (what `a[b]`, `a*`
    // or `a?` would match).
    fc.oneof(plain, globbed).map((pattern) => [pattern, pattern] as const),
    globbed.map((pattern) => [pattern, pattern.replace(/[^A-Za-z0-9._-]/g, '')] as const),
    globbed.map((pattern) => [pattern, pattern.replace(/[^A-Za-z0-9._-]/g, 'a')] as const),
    // Brackets, braces and extglobs only match something when whole: built whole, with a value
    // they match.
    fc.tuple(plain, plain, fc.constantFrom(...nameChars), fc.constantFrom(...nameChars)).chain(([p, q, c, d]) =>
      fc.constantFrom([`${p}[${c}${d}]${q}`, `${p}${d}${q}`] as const, [`${p}{${q},${c}}`, `${p}${c}`] as const, [`${p}+(${c})`, `${p}${c}${c}`] as const, [`${p}@(${c}|${d})`, `${p}${d}`] as const),
    ),
    // A character added or cut.
    fc.tuple(plain, fc.constantFrom(...nameChars)).map(([pattern, c]) => [pattern, `${pattern}${c}`] as const),
    plain.map((pattern) => [pattern, pattern.slice(1)] as const),
  );
  await holds(t, 'nameMatcher(p)(v) === picomatch(p)(v)', fc.property(pair, ([pattern, value]) => nameMatcher(pattern)(value) === glob(pattern)(value)), 4000);
});
