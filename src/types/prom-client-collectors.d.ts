/**
 * prom-client's default collectors, one module each, which its package does not declare types
 * for: each registers its metrics in `registry` when called. `src/server/process-metrics.ts`
 * calls all of them but the GC one.
 */
declare module 'prom-client/lib/metrics/*.js' {
  import type { Registry } from 'prom-client';

  interface CollectorConfig {
    /** Put before every metric name. */
    readonly prefix?: string;
    /** Resolution of the event-loop delay histogram, in milliseconds (collectDefaultMetrics: 10). */
    readonly eventLoopMonitoringPrecision?: number;
  }

  const collector: (registry: Registry, config: CollectorConfig) => void;
  export default collector;
}
