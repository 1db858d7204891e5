import t from 'tap';
import { DEFAULT_TIMEOUT_MS, overBudgetTimeoutMs, reviewBudgetMs, reviewTimeoutMs } from '../../src/admission/time-budget.js';

// [query the API server (or anyone) sent, timeout in ms we work to]
const rows: [unknown, number][] = [
  [{ timeout: '10s' }, 10_000],
  [{ timeout: '1s' }, 1_000],
  [{ timeout: '30s' }, 30_000],
  [{ timeout: '2.5s' }, 2_500],
  [{ timeout: '1m0s' }, 30_000], // more than the API allows: clamped
  [{ timeout: '500ms' }, 1_000], // less than the API allows: clamped
  [{ timeout: '10' }, 1_000], // no unit reads as milliseconds, then clamped
  [{ timeout: '0s' }, DEFAULT_TIMEOUT_MS],
  [{ timeout: '-5s' }, DEFAULT_TIMEOUT_MS],
  [{ timeout: 'soon' }, DEFAULT_TIMEOUT_MS],
  [{ timeout: '' }, DEFAULT_TIMEOUT_MS],
  [{ timeout: ['1s', '2s'] }, DEFAULT_TIMEOUT_MS], // repeated parameter
  [{ timeout: `${'9'.repeat(400)}s` }, DEFAULT_TIMEOUT_MS],
  [{}, DEFAULT_TIMEOUT_MS],
  [undefined, DEFAULT_TIMEOUT_MS],
  ['timeout=1s', DEFAULT_TIMEOUT_MS],
];

t.test('the timeout query, read as the API server writes it and clamped to what the API allows', async (t) => {
  for (const [query, expected] of rows) t.equal(reviewTimeoutMs(query), expected, JSON.stringify(query));
});

t.test('a fifth of the timeout is kept for the way back', async (t) => {
  t.equal(reviewBudgetMs(10_000), 8_000);
  t.equal(reviewBudgetMs(1_000), 800);
});

// [query, ms since the review arrived, the timeout when it is past its budget]
const budgetRows: [unknown, number, number | undefined][] = [
  [{ timeout: '10s' }, 5, undefined],
  [{ timeout: '10s' }, 8_000, undefined], // the budget itself is still on time
  [{ timeout: '10s' }, 8_001, 10_000],
  [{ timeout: '1s' }, 799, undefined],
  [{ timeout: '1s' }, 801, 1_000], // past the least budget: the query is read
  [{ timeout: '500ms' }, 801, 1_000], // clamped up to the least the API allows
  [{ timeout: '30s' }, 23_999, undefined],
  [{ timeout: '30s' }, 24_001, 30_000],
  [{ timeout: 'soon' }, 8_001, DEFAULT_TIMEOUT_MS],
  [undefined, 900, undefined],
  [undefined, 8_001, DEFAULT_TIMEOUT_MS], // no query: the default's budget
];

t.test('a review is over budget when more of its timeout has gone than the share it may use', async (t) => {
  for (const [query, elapsedMs, expected] of budgetRows) t.equal(overBudgetTimeoutMs(query, elapsedMs), expected, `${JSON.stringify(query)} after ${elapsedMs} ms`);
});

t.test('the query of a review younger than the least budget is not read at all', async (t) => {
  let reads = 0;
  const query = {
    get timeout() {
      reads++;
      return '1s';
    },
  };
  t.equal(overBudgetTimeoutMs(query, 800), undefined);
  t.equal(reads, 0, 'at 800 ms (the budget of a 1 s timeout) the query is left alone');
  t.equal(overBudgetTimeoutMs(query, 801), 1_000);
  t.equal(reads, 1, 'past it, the query is read');
});
