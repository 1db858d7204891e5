/**
 * Prometheus metrics, on a registry of the app's own (so two servers in one process, as in
 * tests, never share counters). Label values come from fixed sets, never raw request data, so a
 * hostile request cannot grow the number of series.
 */
import { Counter, Gauge, Registry, type Metric } from 'prom-client';
import { RESOURCE_KINDS } from '../engine/types.js';
import { collectProcessMetrics } from './process-metrics.js';

/**
 * Label values of the review metrics. Route, kind and operation come from requests: the last of
 * each list, `other`, stands for anything else. Verdict and dry run are ours, typed to their lists.
 */
const ROUTE_VALUES = ['validate', 'mutate', 'other'] as const;
const KIND_VALUES = [...RESOURCE_KINDS, 'Namespace', 'other'] as const;
const OPERATION_VALUES = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT', 'other'] as const;
/** How a review ended: judged (allow, warn, deny; patch on /mutate), refused (error), or not judged for lack of time. */
const VERDICT_VALUES = ['allow', 'warn', 'deny', 'patch', 'error', 'timeout'] as const;
const DRY_RUN_VALUES = ['false', 'true'] as const;

export type RouteLabel = (typeof ROUTE_VALUES)[number];
type ReviewVerdict = (typeof VERDICT_VALUES)[number];

/** What one answered review is counted under; `kind` and `operation` as the request sent them. */
export interface ReviewLabels {
  readonly route: RouteLabel;
  readonly kind: unknown;
  readonly operation: unknown;
  readonly verdict: ReviewVerdict;
  readonly dryRun: boolean;
}

/** A value's position in its list of label values, `other` (the last) for anything else. */
function positionIn(values: readonly string[]): (value: unknown) => number {
  const positions = new Map(values.map((value, position) => [value, position]));
  const other = values.length - 1;
  return (value) => (typeof value === 'string' ? (positions.get(value) ?? other) : other);
}

const routePosition = positionIn(ROUTE_VALUES);
const kindPosition = positionIn(KIND_VALUES);
const operationPosition = positionIn(OPERATION_VALUES);
const verdictPosition = positionIn(VERDICT_VALUES);

/**
 * The registry calls only `get()` (and `reset()` on `resetMetrics`) of a metric; prom-client's own
 * AggregatorRegistry registers plain objects the same way. Its types admit only its own classes.
 */
interface ScrapedMetric {
  readonly name: string;
  get(): Promise<unknown>;
  reset(): void;
}

function register(registry: Registry, metric: ScrapedMetric): void {
  registry.registerMetric(metric as unknown as Metric);
}

/** One sample of an exposition, in the form prom-client's registry prints. */
interface Sample {
  readonly labels: Record<string, string | number>;
  readonly value: number;
  readonly metricName?: string;
}

/**
 * Reviews answered, counted in a plain array with one cell per label combination and exposed when
 * scraped. prom-client hashes the label object on every `inc`, which on the review path cost more
 * than judging a Service (README, Performance); a cell is found by four map lookups and some
 * arithmetic.
 */
export class ReviewCounter implements ScrapedMetric {
  readonly name = 'perimeter_admission_requests_total';
  readonly help = 'Admission reviews answered, by route, kind, operation, verdict (allow, warn, deny, patch, error, timeout: not judged for lack of time) and dry run.';
  readonly type = 'counter';
  readonly aggregator = 'sum';
  readonly #counts = new Float64Array(ROUTE_VALUES.length * KIND_VALUES.length * OPERATION_VALUES.length * VERDICT_VALUES.length * DRY_RUN_VALUES.length);

  constructor(registry: Registry) {
    register(registry, this);
  }

  inc(labels: ReviewLabels): void {
    const cell =
      (((routePosition(labels.route) * KIND_VALUES.length + kindPosition(labels.kind)) * OPERATION_VALUES.length + operationPosition(labels.operation)) * VERDICT_VALUES.length +
        verdictPosition(labels.verdict)) *
        DRY_RUN_VALUES.length +
      (labels.dryRun ? 1 : 0);
    this.#counts[cell]! += 1;
  }

  reset(): void {
    this.#counts.fill(0);
  }

  /** The combinations seen, in prom-client's exposition form. */
  async get() {
    const values: Sample[] = [];
    this.#counts.forEach((count, cell) => {
      if (count > 0) values.push({ labels: labelsOfCell(cell), value: count });
    });
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

/** The label values of a counter cell: the inverse of the arithmetic in `ReviewCounter.inc`. */
function labelsOfCell(cell: number): Record<'route' | 'kind' | 'operation' | 'verdict' | 'dry_run', string> {
  let rest = cell;
  const take = <T>(values: readonly T[]): T => {
    const value = values[rest % values.length]!;
    rest = Math.floor(rest / values.length);
    return value;
  };
  const dryRun = take(DRY_RUN_VALUES);
  const verdict = take(VERDICT_VALUES);
  const operation = take(OPERATION_VALUES);
  const kind = take(KIND_VALUES);
  const route = take(ROUTE_VALUES);
  return { route, kind, operation, verdict, dry_run: dryRun };
}

const DURATION_NAME = 'perimeter_admission_duration_seconds';
/** Upper bounds of the duration buckets, in seconds. */
const DURATION_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 1] as const;

/**
 * Review durations by route: a Prometheus histogram kept as plain bucket counts and exposed when
 * scraped. prom-client's Histogram builds and hashes a label object on every observation, and
 * cannot be handed counts kept elsewhere.
 */
export class ReviewDurations implements ScrapedMetric {
  readonly name = DURATION_NAME;
  readonly help = 'Time from request received to answer ready, by route.';
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  /** Per route, the count of observations in each bucket; the last cell is above every bound. */
  readonly #buckets = ROUTE_VALUES.map(() => new Float64Array(DURATION_BUCKETS.length + 1));
  readonly #sums = new Float64Array(ROUTE_VALUES.length);

  constructor(registry: Registry) {
    register(registry, this);
  }

  observe(route: RouteLabel, seconds: number): void {
    const position = routePosition(route);
    let bucket = 0;
    while (bucket < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[bucket]!) bucket++;
    this.#buckets[position]![bucket]! += 1;
    this.#sums[position]! += seconds;
  }

  reset(): void {
    for (const buckets of this.#buckets) buckets.fill(0);
    this.#sums.fill(0);
  }

  /** The histogram in prom-client's exposition form (cumulative buckets, sum, count), routes seen only. */
  async get() {
    const values: Sample[] = [];
    ROUTE_VALUES.forEach((route, position) => {
      const buckets = this.#buckets[position]!;
      const count = buckets.reduce((total, observed) => total + observed, 0);
      if (count === 0) return;
      let cumulative = 0;
      DURATION_BUCKETS.forEach((le, bucket) => {
        cumulative += buckets[bucket]!;
        values.push({ labels: { le, route }, value: cumulative, metricName: `${DURATION_NAME}_bucket` });
      });
      values.push(
        { labels: { le: '+Inf', route }, value: count, metricName: `${DURATION_NAME}_bucket` },
        { labels: { route }, value: this.#sums[position]!, metricName: `${DURATION_NAME}_sum` },
        { labels: { route }, value: count, metricName: `${DURATION_NAME}_count` },
      );
    });
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

export interface Metrics {
  readonly registry: Registry;
  readonly requests: ReviewCounter;
  readonly duration: ReviewDurations;
  readonly ruleReloads: Counter<'result'>;
  readonly ruleGeneration: Gauge;
  readonly certificateReloads: Counter<'result'>;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectProcessMetrics(registry, 'perimeter_');
  return {
    registry,
    requests: new ReviewCounter(registry),
    duration: new ReviewDurations(registry),
    ruleReloads: new Counter({ name: 'perimeter_rules_reloads_total', help: 'Rule-set reloads, by result (success, failure).', labelNames: ['result'], registers: [registry] }),
    ruleGeneration: new Gauge({ name: 'perimeter_rules_generation', help: 'Generation of the rule set in force; increases on every successful reload.', registers: [registry] }),
    certificateReloads: new Counter({ name: 'perimeter_certificate_reloads_total', help: 'Serving-certificate reloads, by result.', labelNames: ['result'], registers: [registry] }),
  };
}
