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
import { Pool } from 'undici';
import { latencyHistogram, latencySummary, type LoadResult, type Review } from './webhook.js';

export type FixedRateRequest = Pick<Review, 'path' | 'body'>;

export interface FixedRateOptions {
  readonly url: string;
  readonly ca: string;
  readonly rate: number;
  readonly seconds: number;
  readonly connections: number;
  /** Seconds at the same rate before measuring: connections opened, both sides warmed up. */
  readonly warmupSeconds: number;
}

export interface FixedRateResult extends LoadResult {
  /** The rate reviews were sent at, per second. */
  readonly rate: number;
  /** How late the generator sent a review, at worst (timer granularity and its own pauses). */
  readonly maxSendLatenessMs: number;
}

export async function fixedRate(name: string, requests: readonly FixedRateRequest[], options: FixedRateOptions): Promise<FixedRateResult> {
  const pool = new Pool(options.url, { connections: options.connections, pipelining: 1, connect: { ca: options.ca } });
  try {
    await schedule(pool, requests, options.rate, options.warmupSeconds);
    return { server: name, connections: options.connections, ...(await schedule(pool, requests, options.rate, options.seconds)) };
  } finally {
    await pool.close();
  }
}

async function schedule(pool: Pool, requests: readonly FixedRateRequest[], rate: number, seconds: number) {
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
  const elapsedSeconds = Number(process.hrtime.bigint() - started) / 1e9;

  return {
    seconds,
    rate,
    // Achieved: a generator or server that fell behind shows here as well as in the latencies.
    requestsPerSecond: total / elapsedSeconds,
    requests: total,
    ...latencySummary(latencies),
    errors,
    non2xx,
    maxSendLatenessMs: Math.round(maxLatenessNs / 1000) / 1000,
  };
}
