/** Flag values read one way by every command: rows of spellings, accepted or refused with the same words. */
import t from 'tap';
import { decimalNumber, oneOf, wholeNumber } from '../../src/cli/flags.js';
import { UsageError } from '../../src/cli/io.js';

// [spelling, what it reads as, or undefined when refused]
const wholeRows: [unknown, number | undefined][] = [
  ['443', 443],
  ['0', 0],
  ['65535', 65535],
  ['65536', undefined], // above max
  ['', undefined], // Number('') is 0
  ['1e3', undefined], // Number('1e3') is 1000
  ['0x1bb', undefined], // Number('0x1bb') is 443
  [' 80', undefined],
  ['-1', undefined],
  ['8.5', undefined],
  [undefined, undefined],
];

t.test('wholeNumber: digits only, within bounds', async (t) => {
  for (const [value, expected] of wholeRows) {
    if (expected === undefined) t.throws(() => wholeNumber('port', value, 'a port', { min: 0, max: 65535 }), new UsageError(`--port must be a port 0..65535 (got "${String(value)}")`), String(value));
    else t.equal(wholeNumber('port', value, 'a port', { min: 0, max: 65535 }), expected, String(value));
  }
});

t.test('the refusal states the bounds it checked: open above, and with their reason', async (t) => {
  t.equal(wholeNumber('chunk-size', '9007199254740991', 'an integer', { min: 1 }), Number.MAX_SAFE_INTEGER);
  t.throws(() => wholeNumber('chunk-size', '0', 'an integer', { min: 1 }), new UsageError('--chunk-size must be an integer, 1 or more (got "0")'));
  t.throws(() => wholeNumber('chunk-size', '9007199254740992', 'an integer', { min: 1 }), new UsageError('--chunk-size must be at most 9007199254740991 (got "9007199254740992")'), 'past the exact integers');
  t.throws(() => wholeNumber('timeout-seconds', '31', 'an integer', { min: 1, max: 30, why: 'the limit' }), new UsageError('--timeout-seconds must be an integer 1..30 (the limit) (got "31")'));
});

const decimalRows: [unknown, number | undefined][] = [
  ['0.5', 0.5],
  ['300', 300],
  ['0', 0],
  ['300.5', undefined], // above max
  ['.5', undefined],
  ['5.', undefined],
  ['1e2', undefined],
  ['0x10', undefined],
  ['', undefined],
  ['-1', undefined],
];

t.test('decimalNumber: digits with an optional fraction, within bounds', async (t) => {
  for (const [value, expected] of decimalRows) {
    if (expected === undefined) t.throws(() => decimalNumber('shutdown-delay', value, 'seconds', { min: 0, max: 300 }), new UsageError(`--shutdown-delay must be seconds 0..300 (got "${String(value)}")`), String(value));
    else t.equal(decimalNumber('shutdown-delay', value, 'seconds', { min: 0, max: 300 }), expected, String(value));
  }
});

t.test('oneOf: one of the listed values, named in the refusal', async (t) => {
  t.equal(oneOf('failure-policy', 'Ignore', ['Fail', 'Ignore']), 'Ignore');
  t.throws(() => oneOf('failure-policy', 'ignore', ['Fail', 'Ignore']), new UsageError('--failure-policy must be one of: Fail, Ignore (got "ignore")'));
});
