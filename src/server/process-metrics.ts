/**
 * The process metrics on `/metrics`: prom-client's default collectors (CPU, memory, heap spaces,
 * file descriptors, handles, event-loop delay, Node version, start time), all but its GC duration
 * histogram.
 *
 * Why not `collectDefaultMetrics()`: its GC histogram observes every collection through a `gc`
 * PerformanceObserver, and Node hands each collection to it as an entry, in a turn of its own, on
 * code that `perf` shows running unoptimized. With a young-generation collection every couple of
 * hundred reviews, that cost more per review than validating and counting it (README,
 * Performance). The other collectors read the process when scraped (and some once at start),
 * except the event-loop delay, which Node samples natively. `collectDefaultMetrics` takes no
 * list of collectors to leave out, so these are its own modules, called as it calls them. They
 * are imported by path: prom-client 15 has no `exports` map, and one that left them out would
 * fail the build, not the server.
 */
import eventLoopLag from 'prom-client/lib/metrics/eventLoopLag.js';
import heapSizeAndUsed from 'prom-client/lib/metrics/heapSizeAndUsed.js';
import heapSpacesSizeAndUsed from 'prom-client/lib/metrics/heapSpacesSizeAndUsed.js';
import osMemoryHeap from 'prom-client/lib/metrics/osMemoryHeap.js';
import processCpuTotal from 'prom-client/lib/metrics/processCpuTotal.js';
import processHandles from 'prom-client/lib/metrics/processHandles.js';
import processMaxFileDescriptors from 'prom-client/lib/metrics/processMaxFileDescriptors.js';
import processOpenFileDescriptors from 'prom-client/lib/metrics/processOpenFileDescriptors.js';
import processRequests from 'prom-client/lib/metrics/processRequests.js';
import processResources from 'prom-client/lib/metrics/processResources.js';
import processStartTime from 'prom-client/lib/metrics/processStartTime.js';
import version from 'prom-client/lib/metrics/version.js';
import type { Registry } from 'prom-client';

const COLLECTORS = [
  processCpuTotal,
  processStartTime,
  osMemoryHeap,
  processOpenFileDescriptors,
  processMaxFileDescriptors,
  eventLoopLag,
  processResources,
  processHandles,
  processRequests,
  heapSizeAndUsed,
  heapSpacesSizeAndUsed,
  version,
];

/** Registers the process metrics in `registry`, each name after `prefix`. */
export function collectProcessMetrics(registry: Registry, prefix: string): void {
  // The precision collectDefaultMetrics passes when given none.
  for (const collector of COLLECTORS) collector(registry, { prefix, eventLoopMonitoringPrecision: 10 });
}
