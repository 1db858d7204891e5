/**
 * The server's log lines are gathered and handed on in chunks: nothing lost, nothing reordered,
 * nothing held back longer than the flush interval or past a flush.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import t from 'tap';
import { decisionLog } from '../../src/server/decision-log.js';
import { BatchedLines, type LineSink } from '../../src/server/log-lines.js';

function recordingSink() {
  const chunks: string[] = [];
  let flushes = 0;
  const sink: LineSink = {
    write: (chunk) => chunks.push(chunk),
    flushSync: () => void flushes++,
  };
  return { sink, chunks, flushes: () => flushes };
}

t.test('lines are held until the batch is full, then handed on as one chunk in the order written', async (t) => {
  const { sink, chunks } = recordingSink();
  const lines = new BatchedLines(sink, { batchChars: 30, flushMs: 60_000 });
  t.teardown(() => lines.close());
  lines.write('first line\n');
  lines.write('second line\n');
  t.same(chunks, [], '23 characters: still gathering');
  lines.write('third line\n');
  t.same(chunks, ['first line\nsecond line\nthird line\n'], '34 characters: one chunk');
  lines.write('fourth\n');
  t.same(chunks.length, 1, 'a new batch starts empty');
});

t.test('a batch that reaches the size exactly is handed on at once', async (t) => {
  const { sink, chunks } = recordingSink();
  const lines = new BatchedLines(sink, { batchChars: 10, flushMs: 60_000 });
  t.teardown(() => lines.close());
  lines.write('123456789\n');
  t.same(chunks, ['123456789\n'], '10 characters of 10');
});

t.test('flushSync hands on what has gathered and has the sink write it out', async (t) => {
  const { sink, chunks, flushes } = recordingSink();
  const lines = new BatchedLines(sink, { batchChars: 4096, flushMs: 60_000 });
  t.teardown(() => lines.close());
  lines.flushSync();
  t.same(chunks, [], 'nothing gathered, nothing written');
  lines.write('a\n');
  lines.write('b\n');
  lines.flushSync();
  t.same(chunks, ['a\nb\n']);
  t.equal(flushes(), 2, 'the sink is flushed each time');
});

t.test('a quiet logger\'s lines are handed on by the periodic flush', async (t) => {
  t.setTimeout(10_000);
  const { sink, chunks } = recordingSink();
  const written = new Promise<void>((resolve) => {
    sink.write = (chunk) => {
      chunks.push(chunk);
      resolve();
    };
  });
  const lines = new BatchedLines(sink, { batchChars: 4096, flushMs: 5 });
  t.teardown(() => lines.close());
  lines.write('alone\n');
  // The flush timer is unref'd, as it must be; this one keeps the test's process alive meanwhile.
  const keepAlive = setTimeout(() => undefined, 60_000);
  await written;
  clearTimeout(keepAlive);
  t.same(chunks, ['alone\n']);
});

t.test('the periodic flush does not keep the process alive, and close stops it', async (t) => {
  // Node lists a timer among what keeps the process alive only while it is ref'd.
  const aliveTimers = () => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
  const created: NodeJS.Timeout[] = [];
  const cleared: unknown[] = [];
  const { setInterval: realSetInterval, clearInterval: realClearInterval } = globalThis;
  t.teardown(() => Object.assign(globalThis, { setInterval: realSetInterval, clearInterval: realClearInterval }));
  Object.assign(globalThis, {
    setInterval: (...args: Parameters<typeof setInterval>) => {
      const timer = realSetInterval(...args);
      created.push(timer);
      return timer;
    },
    clearInterval: (timer: NodeJS.Timeout) => {
      cleared.push(timer);
      realClearInterval(timer);
    },
  });
  const before = aliveTimers();
  const lines = new BatchedLines(recordingSink().sink, { batchChars: 4096, flushMs: 60_000 });
  t.equal(created.length, 1, 'one periodic flush');
  t.equal(aliveTimers(), before, 'its timer does not hold the process');
  lines.close();
  t.same(cleared, created, 'close clears it');
});

t.test('close flushes, and a line written after it goes straight to the sink: nothing would flush it later', async (t) => {
  const { sink, chunks, flushes } = recordingSink();
  const lines = new BatchedLines(sink, { batchChars: 4096, flushMs: 60_000 });
  lines.write('last\n');
  lines.close();
  t.same(chunks, ['last\n']);
  t.equal(flushes(), 1);
  lines.write('after close\n');
  t.same(chunks, ['last\n', 'after close\n']);
});

t.test("pino's logger.flush(callback) writes everything out, then calls back", async (t) => {
  const { sink, chunks, flushes } = recordingSink();
  const lines = new BatchedLines(sink, { batchChars: 4096, flushMs: 60_000 });
  t.teardown(() => lines.close());
  const logger = pino({ base: null }, lines);
  logger.info('gathered');
  t.same(chunks, []);
  await new Promise<void>((resolve, reject) => logger.flush((error) => (error ? reject(error) : resolve())));
  t.equal(chunks.length, 1);
  t.match(chunks[0], /"msg":"gathered"/);
  t.equal(flushes(), 1);
});

t.test('decision lines and the logger\'s other lines keep their order through the batch', async (t) => {
  let out = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      out += chunk.toString();
      done();
    },
  });
  const lines = new BatchedLines({ write: (chunk) => stream.write(chunk), flushSync: () => undefined }, { batchChars: 4096, flushMs: 60_000 });
  t.teardown(() => lines.close());
  const logger = pino({ base: null }, lines);
  const logDecision = decisionLog(logger);
  logger.info('one');
  logDecision('info', { uid: 'two' });
  logger.warn('three');
  logDecision('info', { uid: 'four' });
  t.equal(out, '', 'nothing written before a flush');
  lines.flushSync();
  await new Promise<void>((resolve) => setImmediate(resolve));
  const order = out
    .trim()
    .split('\n')
    .map((line) => {
      const parsed = JSON.parse(line) as { msg: string; uid?: string };
      return parsed.uid ?? parsed.msg;
    });
  t.same(order, ['one', 'two', 'three', 'four']);
});
