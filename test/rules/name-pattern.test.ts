import t from 'tap';
import fc from 'fast-check';
import picomatch from 'picomatch';
import { namePattern } from '../../src/rules/name-pattern.js';
import { holds } from '../properties/seed.js';

const glob = (pattern: string) => picomatch(pattern, { dot: true });

t.test('plain names match exactly that name; globs match as picomatch does', async (t) => {
  const rows: [pattern: string, value: string, matches: boolean][] = [
    ['kube-system', 'kube-system', true],
    ['kube-system', 'kube-systems', false],
    ['kube-system', 'kube', false],
    ['kube-system', 'Kube-system', false],
    ['kube-system', '', false],
    ['web.example', 'web.example', true],
    ['web.example', 'webxexample', false],
    ['a_b', 'a_b', true],
    ['kube-*', 'kube-public', true],
    ['kube-*', 'team-a', false],
    ['team-?', 'team-a', true],
    ['{a,b}', 'b', true],
    ['.hidden', '.hidden', true],
    ['*', '.dotted', true],
    ['!team-a', 'team-b', true],
    ['!team-a', 'team-a', false],
  ];
  for (const [pattern, value, matches] of rows) {
    t.equal(namePattern(pattern)(value), matches, `${pattern} on ${JSON.stringify(value)}`);
    t.equal(glob(pattern)(value), matches, `picomatch agrees: ${pattern} on ${JSON.stringify(value)}`);
  }
});

t.test('the comparison gives picomatch’s answer on generated names and patterns', async (t) => {
  const nameChar = fc.constantFrom(...'abcz09-._AZ'.split(''));
  const name = fc.string({ unit: nameChar, minLength: 1, maxLength: 12 });
  const text = fc.string({ unit: fc.constantFrom(...'abcz09-._AZ*?[]{}!/,\\'.split('')), maxLength: 12 });
  // Values: unrelated text, the pattern itself, and the pattern with a character added or cut.
  const pair = fc.oneof(
    fc.tuple(name, text),
    name.map((pattern) => [pattern, pattern] as const),
    fc.tuple(name, nameChar).map(([pattern, c]) => [pattern, `${pattern}${c}`] as const),
    name.map((pattern) => [pattern, pattern.slice(1)] as const),
  );
  await holds(t, 'namePattern(p)(v) === picomatch(p)(v)', fc.property(pair, ([pattern, value]) => namePattern(pattern)(value) === glob(pattern)(value)), 3000);
});
