import t from 'tap';
import { matchesSelector } from '../../src/kube/labels.js';

const labels = { team: 'shop', tier: 'web' };
// [why, selector, expected]
const rows: [string, Parameters<typeof matchesSelector>[1], boolean][] = [
  ['empty selects everything', {}, true],
  ['matchLabels hit', { matchLabels: { team: 'shop' } }, true],
  ['matchLabels miss', { matchLabels: { team: 'pay' } }, false],
  ['In hit', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'api'] }] }, true],
  ['In on a missing key', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, false],
  ['NotIn on a missing key', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, true],
  ['NotIn hit', { matchExpressions: [{ key: 'team', operator: 'NotIn', values: ['shop'] }] }, false],
  ['Exists', { matchExpressions: [{ key: 'team', operator: 'Exists' }] }, true],
  ['DoesNotExist', { matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] }, false],
  ['all requirements must hold', { matchLabels: { team: 'shop' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['api'] }] }, false],
];

t.test('label selectors', async (t) => {
  for (const [why, selector, expected] of rows) t.equal(matchesSelector(labels, selector), expected, why);
});
