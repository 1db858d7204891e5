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
    if (expected === undefined) t.throws(() => wholeNumber('port', value, 'a port 0..65535', 0, 65535), new UsageError(`--port must be a port 0..65535 (got "${String(value)}")`), String(value));
    else t.equal(wholeNumber('port', value, 'a port 0..65535', 0, 65535), expected, String(value));
  }
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
    if (expected === undefined) t.throws(() => decimalNumber('shutdown-delay', value, 'seconds 0..300', 0, 300), new UsageError(`--shutdown-delay must be seconds 0..300 (got "${String(value)}")`), String(value));
    else t.equal(decimalNumber('shutdown-delay', value, 'seconds 0..300', 0, 300), expected, String(value));
  }
});

t.test('oneOf: one of the listed values, named in the refusal', async (t) => {
  t.equal(oneOf('failure-policy', 'Ignore', ['Fail', 'Ignore']), 'Ignore');
  t.throws(() => oneOf('failure-policy', 'ignore', ['Fail', 'Ignore']), new UsageError('--failure-policy must be one of: Fail, Ignore (got "ignore")'));
});
