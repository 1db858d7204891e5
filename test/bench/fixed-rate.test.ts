/**
 * The bench's fixed-rate sender against a server on 127.0.0.1: every review scheduled is sent
 * and counted, answers other than 2xx are counted, the connections stay open from one run to the
 * next; and how rounds are summed up. No timing is asserted.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { FixedRateSender, fixedRateResult, type FixedRateRun } from '../../src/bench/fixed-rate.js';
import { latencyHistogram } from '../../src/bench/webhook.js';

t.test('a sender sends every review on its schedule, counts what failed, and keeps its connections from run to run', async (t) => {
  let received = 0;
  let connections = 0;
  const server = createServer((request, response) => {
    received++;
    request.resume();
    request.on('end', () => {
      response.statusCode = request.url === '/refuse' ? 500 : 200;
      response.end('{}');
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', () => connections++);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // One connection: a sender that opened a new one for each run would show two.
  const sender = new FixedRateSender(url, { ca: '', connections: 1 });
  t.teardown(() => sender.close());
  const requests = [
    { path: '/validate', body: '{}' },
    { path: '/refuse', body: '{}' },
  ];
  const first = await sender.run(requests, 200, 0.5);
  t.equal(first.requests, 100, '200/s for 0.5 s');
  t.equal(first.latencies.totalCount, 100, 'a latency for each');
  t.equal(first.non2xx, 50, 'every other review is refused');
  t.equal(first.errors, 0);
  t.equal(first.seconds, 0.5);
  t.equal(connections, 1);
  const second = await sender.run(requests.slice(0, 1), 200, 0.25);
  t.equal(second.requests, 50);
  t.equal(second.non2xx, 0);
  t.equal(received, 150, 'the server saw every review');
  t.equal(connections, 1, 'the same connection, kept open from one run to the next');
});

t.test('a sender whose server is gone counts errors, not answers', async (t) => {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  // One connection: a sender that opened a new one for each run would show two.
  const sender = new FixedRateSender(url, { ca: '', connections: 1 });
  t.teardown(() => sender.close());
  const run = await sender.run([{ path: '/validate', body: '{}' }], 100, 0.1);
  t.equal(run.requests, 10);
  t.equal(run.errors, 10);
  t.equal(run.latencies.totalCount, 10, 'a failure still has a latency: the time until it failed');
});

/** A run whose latencies are `micros`, as the sender would report it. */
function run(micros: number[], extra: Partial<FixedRateRun> = {}): FixedRateRun {
  const latencies = latencyHistogram();
  for (const value of micros) latencies.recordValue(value);
  return { latencies, seconds: 2, requests: micros.length, errors: 0, non2xx: 0, elapsedSeconds: 2, maxSendLatenessMs: 1, ...extra };
}

t.test('rounds summed up: p99 over every review, each round\'s p99 and their median', async (t) => {
  const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
  // Three rounds of 100 reviews: two quiet (0.1-0.2 ms), one with a stall (its slowest ten at 30 ms).
  const quiet = run(range(100, 100));
  const stalled = run([...range(100, 90), ...Array.from({ length: 10 }, () => 30_000)], { errors: 1, non2xx: 2, maxSendLatenessMs: 25, elapsedSeconds: 2.5 });
  const result = fixedRateResult('perimeter', 2_000, 16, [quiet, stalled, run(range(150, 100))]);
  t.equal(result.requests, 300);
  t.equal(result.seconds, 6, 'as asked');
  t.equal(result.requestsPerSecond, 300 / 6.5, 'as achieved');
  t.equal(result.errors, 1);
  t.equal(result.non2xx, 2);
  t.equal(result.maxSendLatenessMs, 25, 'the worst round');
  t.same(result.roundP99Ms, [0.198, 30.015, 0.248], 'each round in order: the 99th of 100 (hdr keeps 3 significant digits: 30,000 µs reads 30.015 ms)');
  t.equal(result.medianRoundP99Ms, 0.248, 'the middle of the three: the stalled round does not move it');
  t.equal(result.p99Ms, 30.015, 'over every review the stall is in the p99 (10 of 300 reviews)');
  t.equal(result.maxMs, 30, 'the max is kept exactly');
  t.equal(result.p50Ms, 0.166, 'the 150th of the 300');
});
