/**
 * A fixed-rate run: reviews sent at evenly spaced moments, whether or not earlier answers have
 * come back (an open loop, as an API server under steady load sends them), over a pool of
 * keep-alive connections.
 *
 * autocannon's own rate option does not measure this. Each connection sends its share of the
 * second's requests as fast as answers return and then waits for the next second, so "2,000/s"
 * is a burst at full speed for the first tenth of every second and idle for the rest; its p99 is
 * the p99 of a saturated server. Here the schedule never waits for answers, and each latency is
 * counted from the moment the review was handed to the pool, not from when a connection was free:
 * a server that falls behind is charged for the queue it builds (no coordinated omission). Timers
 * fire about once a millisecond, so a review is sent up to a tick after it was due; that lateness
 * is the generator's, is not charged to the server, and is reported so the schedule can be seen
 * to hold.
 */
import type * as hdr from 'hdr-histogram-js';
import { Pool } from 'undici';
import { median } from './median.js';
import { latencyHistogram, latencySummary, type LoadResult, type Review } from './webhook.js';

export type FixedRateRequest = Pick<Review, 'path' | 'body'>;

/** One stretch at a fixed rate: every latency, and what went wrong. */
export interface FixedRateRun {
  readonly latencies: hdr.Histogram;
  /** As asked; the time it took is `elapsedSeconds`. */
  readonly seconds: number;
  readonly requests: number;
  readonly errors: number;
  readonly non2xx: number;
  readonly elapsedSeconds: number;
  /** How late the generator sent a review, at worst (timer granularity and its own pauses). */
  readonly maxSendLatenessMs: number;
}

export interface FixedRateResult extends LoadResult {
  /** The rate reviews were sent at, per second. */
  readonly rate: number;
  /** Each round's p99, in the order they ran. */
  readonly roundP99Ms: readonly number[];
  /** The median of the rounds' p99: what a stall of the machine in one round does not move. */
  readonly medianRoundP99Ms: number;
  /** How late the generator sent a review, at worst, over all rounds. */
  readonly maxSendLatenessMs: number;
}

/**
 * A pool of keep-alive connections to one server that sends reviews at a fixed rate for as long
 * as asked, as often as asked: the bench alternates two servers round by round, as it does for
 * throughput, so a busy spell of the machine lands in a round of either rather than in one
 * server's whole run; the connections stay open between rounds (a round never pays for TLS
 * handshakes).
 */
export class FixedRateSender {
  private readonly pool: Pool;

  constructor(url: string, options: { readonly ca: string; readonly connections: number }) {
    // Idle for up to two rounds of the other server (4 s): kept open whether or not the server
    // says for how long it keeps them (fastify says 72 s; without a word, undici closes after 4 s).
    this.pool = new Pool(url, { connections: options.connections, pipelining: 1, connect: { ca: options.ca }, keepAliveTimeout: 60_000 });
  }

  run(requests: readonly FixedRateRequest[], rate: number, seconds: number): Promise<FixedRateRun> {
    return schedule(this.pool, requests, rate, seconds);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** The rounds of one server as one result: p50, p99 and max over every review of every round, and each round's p99. */
export function fixedRateResult(server: string, rate: number, connections: number, runs: readonly FixedRateRun[]): FixedRateResult {
  const all = latencyHistogram();
  for (const run of runs) all.add(run.latencies);
  const roundP99Ms = runs.map((run) => latencySummary(run.latencies).p99Ms);
  const requests = runs.reduce((sum, run) => sum + run.requests, 0);
  return {
    server,
    connections,
    seconds: runs.reduce((sum, run) => sum + run.seconds, 0),
    rate,
    // Achieved: a generator or server that fell behind shows here as well as in the latencies.
    requestsPerSecond: requests / runs.reduce((sum, run) => sum + run.elapsedSeconds, 0),
    requests,
    ...latencySummary(all),
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    non2xx: runs.reduce((sum, run) => sum + run.non2xx, 0),
    roundP99Ms,
    medianRoundP99Ms: median(roundP99Ms),
    maxSendLatenessMs: Math.max(...runs.map((run) => run.maxSendLatenessMs)),
  };
}

async function schedule(pool: Pool, requests: readonly FixedRateRequest[], rate: number, seconds: number): Promise<FixedRateRun> {
  const latencies = latencyHistogram();
  const total = Math.round(rate * seconds);
  const intervalNs = 1e9 / rate;
  let errors = 0;
  let non2xx = 0;
  let sent = 0;
  let maxLatenessNs = 0;
  const inFlight = new Set<Promise<void>>();

  const send = (index: number) => {
    const request = requests[index % requests.length]!;
    const sentAt = process.hrtime.bigint();
    const done = pool
      .request({ method: 'POST', path: request.path, headers: { 'content-type': 'application/json' }, body: request.body })
      .then(async (response) => {
        await response.body.dump();
        if (response.statusCode < 200 || response.statusCode >= 300) non2xx++;
      })
      .catch(() => void errors++)
      .finally(() => {
        latencies.recordValue(Math.max(1, Math.round(Number(process.hrtime.bigint() - sentAt) / 1000)));
        inFlight.delete(done);
      });
    inFlight.add(done);
  };

  const started = process.hrtime.bigint();
  await new Promise<void>((resolve) => {
    // Each tick sends every review that has fallen due since the last one.
    const tick = () => {
      const elapsedNs = Number(process.hrtime.bigint() - started);
      const due = Math.min(total, Math.floor(elapsedNs / intervalNs) + 1);
      if (sent < due) maxLatenessNs = Math.max(maxLatenessNs, elapsedNs - sent * intervalNs);
      while (sent < due) send(sent++);
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  await Promise.all(inFlight);
  return {
    latencies,
    seconds,
    requests: total,
    errors,
    non2xx,
    elapsedSeconds: Number(process.hrtime.bigint() - started) / 1e9,
    maxSendLatenessMs: Math.round(maxLatenessNs / 1000) / 1000,
  };
}
