/**
 * V8 settings `perimeter serve` runs with.
 *
 * Young generation at 4 MiB per semi-space instead of V8's 16 (`SERVE_NODE_OPTIONS`, a start-up
 * flag: `npm start`, the chart's Deployment (NODE_OPTIONS) and `npm run bench` pass it, and tests
 * check that they agree; the image's entry point, which also runs `check` and `audit`, does not,
 * so a plain `docker run` of `serve` has V8's default): a review's garbage (the parsed
 * AdmissionReview, fastify's request and reply) dies young, so a smaller nursery only means more,
 * equally short scavenges. Measured under the bench's load (16 connections): RSS 90-96 MiB
 * instead of 113-122, and no throughput difference within the noise of 10 rounds (README,
 * Performance).
 *
 * Old generation grown by 20% over what a full collection left alive (`applyServeHeapSettings`,
 * which the executable calls for `serve` before loading the rest of the program, because V8 does
 * not accept this flag in NODE_OPTIONS). V8's own factor lets a small heap grow to about twice its
 * live size before collecting, and with the young generation small, every review promotes a
 * little: the old generation went from 18 MiB alive to 33 MiB before each full collection, RSS
 * 105-110 MiB under load; with 20%, 86-96 MiB. Full collections come more often, and cost about
 * 2% of throughput in the same alternating rounds (within the noise). There is no ceiling: with
 * the cluster caches of a large cluster the old generation must be able to grow, up to the
 * container's memory limit.
 *
 * Scavenges on the main thread alone (`--no-parallel-scavenge`, set with the growth factor for
 * the same reason). With a 4 MiB nursery a scavenge comes every ~180 reviews and is mostly fixed
 * cost: about 70 KiB survive (the requests waiting for TLS to write their answer, the pending
 * decision lines), so splitting it across V8's helper threads shortens nothing and costs waking
 * them and handing work over. Measured at 16 connections: 0.44 ms per scavenge in parallel,
 * 0.32 ms on the main thread alone, and the helper threads' CPU from 2.7 to 1.9 µs per review
 * (README, Performance).
 */
import { setFlagsFromString } from 'node:v8';

export const SERVE_NODE_OPTIONS = '--max-semi-space-size=4';

const HEAP_GROWING_PERCENT = 20;

/** The settings `applyServeHeapSettings` sets, in V8's flag syntax. */
const SERVE_RUNTIME_V8_FLAGS = [`--heap-growing-percent=${HEAP_GROWING_PERCENT}`, '--no-parallel-scavenge'] as const;

/**
 * Sets the old generation's growth and the single-threaded scavenges for the rest of this process.
 * V8 reads both at every collection (the factor at each full one, the scavenger's task count at
 * each scavenge), so setting them after start-up takes effect from the next one.
 */
export function applyServeHeapSettings(): void {
  for (const flag of SERVE_RUNTIME_V8_FLAGS) setFlagsFromString(flag);
}
