/**
 * Prometheus metrics, on a registry of the app's own (so two servers in one process, as in
 * tests, never share counters). Label values come from fixed sets, never raw request data, so a
 * hostile request cannot grow the number of series.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { RESOURCE_KINDS } from '../engine/types.js';

type ReviewLabel = 'route' | 'kind' | 'operation' | 'verdict' | 'dry_run';
export type ReviewLabels = Readonly<Record<ReviewLabel, string>>;

/**
 * Reviews answered, counted in plain numbers per label combination and handed to prom-client when
 * scraped. prom-client hashes the label object on every `inc`, which on the review path cost as
 * much as judging an Ingress. The combinations come from fixed sets (see kindLabel), so the table
 * stays small whatever requests arrive.
 */
export class ReviewCounter {
  readonly #cells = new Map<string, { labels: ReviewLabels; count: number }>();
  readonly #counter: Counter<ReviewLabel>;

  constructor(registry: Registry) {
    const cells = this.#cells;
    this.#counter = new Counter({
      name: 'perimeter_admission_requests_total',
      help: 'Admission reviews answered, by route, kind, operation, verdict (allow, warn, deny, patch, error, timeout: not judged for lack of time) and dry run.',
      labelNames: ['route', 'kind', 'operation', 'verdict', 'dry_run'],
      registers: [registry],
      collect() {
        this.reset();
        for (const { labels, count } of cells.values()) this.inc(labels, count);
      },
    });
  }

  inc(labels: ReviewLabels): void {
    const key = `${labels.route} ${labels.kind} ${labels.operation} ${labels.verdict} ${labels.dry_run}`;
    const cell = this.#cells.get(key);
    if (cell !== undefined) cell.count++;
    // Labels in one fixed order, whatever order the caller wrote them in: the exposition lists
    // them as stored.
    else this.#cells.set(key, { labels: { route: labels.route, kind: labels.kind, operation: labels.operation, verdict: labels.verdict, dry_run: labels.dry_run }, count: 1 });
  }
}

export interface Metrics {
  readonly registry: Registry;
  readonly requests: ReviewCounter;
  readonly duration: Histogram<'route'>;
  readonly ruleReloads: Counter<'result'>;
  readonly ruleGeneration: Gauge;
  readonly certificateReloads: Counter<'result'>;
}

const KNOWN_KINDS: ReadonlySet<string> = new Set([...RESOURCE_KINDS, 'Namespace']);
const KNOWN_OPERATIONS: ReadonlySet<string> = new Set(['CREATE', 'UPDATE', 'DELETE', 'CONNECT']);

/** A kind as a label value: known kinds by name, anything else as `other`. */
export function kindLabel(kind: unknown): string {
  return typeof kind === 'string' && KNOWN_KINDS.has(kind) ? kind : 'other';
}

export function operationLabel(operation: unknown): string {
  return typeof operation === 'string' && KNOWN_OPERATIONS.has(operation) ? operation : 'other';
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'perimeter_' });
  return {
    registry,
    requests: new ReviewCounter(registry),
    duration: new Histogram({
      name: 'perimeter_admission_duration_seconds',
      help: 'Time from request received to answer ready, by route.',
      labelNames: ['route'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 1],
      registers: [registry],
    }),
    ruleReloads: new Counter({ name: 'perimeter_rules_reloads_total', help: 'Rule-set reloads, by result (success, failure).', labelNames: ['result'], registers: [registry] }),
    ruleGeneration: new Gauge({ name: 'perimeter_rules_generation', help: 'Generation of the rule set in force; increases on every successful reload.', registers: [registry] }),
    certificateReloads: new Counter({ name: 'perimeter_certificate_reloads_total', help: 'Serving-certificate reloads, by result.', labelNames: ['result'], registers: [registry] }),
  };
}
