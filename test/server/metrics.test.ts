/**
 * The review metrics keep plain counts and hand them to prom-client when scraped. The exposition
 * must be what prom-client's own Counter and Histogram would print for the same reviews, so each
 * case below is also fed to those, and the two texts compared.
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import t from 'tap';
import { createMetrics, type ReviewLabels } from '../../src/server/metrics.js';

const BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 1];

function reference() {
  const registry = new Registry();
  const requests = new Counter({
    name: 'perimeter_admission_requests_total',
    help: 'Admission reviews answered, by route, kind, operation, verdict (allow, warn, deny, patch, error, timeout: not judged for lack of time) and dry run.',
    labelNames: ['route', 'kind', 'operation', 'verdict', 'dry_run'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'perimeter_admission_duration_seconds',
    help: 'Time from request received to answer ready, by route.',
    labelNames: ['route'],
    buckets: BUCKETS,
    registers: [registry],
  });
  return { registry, requests, duration };
}

/** Metric families of an exposition, sorted by name, their samples sorted: order is not meaning. */
function families(text: string): string[] {
  return text
    .trim()
    .split('\n\n')
    .map((family) => {
      const [help, type, ...samples] = family.split('\n');
      return [help, type, ...samples.sort()].join('\n');
    })
    .sort();
}

// [why, reviews counted (labels as the request sent them), the label values prom-client is given]
const reviews: [string, ReviewLabels, Record<string, string>][] = [
  ['a judged review', { route: 'validate', kind: 'Service', operation: 'CREATE', verdict: 'deny', dryRun: false }, { route: 'validate', kind: 'Service', operation: 'CREATE', verdict: 'deny', dry_run: 'false' }],
  ['a patch on /mutate, dry run', { route: 'mutate', kind: 'Ingress', operation: 'UPDATE', verdict: 'patch', dryRun: true }, { route: 'mutate', kind: 'Ingress', operation: 'UPDATE', verdict: 'patch', dry_run: 'true' }],
  ['the last of every list', { route: 'other', kind: 'Namespace', operation: 'CONNECT', verdict: 'timeout', dryRun: true }, { route: 'other', kind: 'Namespace', operation: 'CONNECT', verdict: 'timeout', dry_run: 'true' }],
  ['the first of every list', { route: 'validate', kind: 'Service', operation: 'CREATE', verdict: 'allow', dryRun: false }, { route: 'validate', kind: 'Service', operation: 'CREATE', verdict: 'allow', dry_run: 'false' }],
  ['an unknown kind and operation', { route: 'validate', kind: 'Evil<script>', operation: 'PATCH', verdict: 'error', dryRun: false }, { route: 'validate', kind: 'other', operation: 'other', verdict: 'error', dry_run: 'false' }],
  ['kind and operation that are not strings', { route: 'validate', kind: { kind: 'Service' }, operation: 7, verdict: 'error', dryRun: false }, { route: 'validate', kind: 'other', operation: 'other', verdict: 'error', dry_run: 'false' }],
  ['a refused review, nothing read', { route: 'mutate', kind: undefined, operation: undefined, verdict: 'error', dryRun: false }, { route: 'mutate', kind: 'other', operation: 'other', verdict: 'error', dry_run: 'false' }],
  ['an inherited property name is no kind', { route: 'validate', kind: 'constructor', operation: '__proto__', verdict: 'warn', dryRun: false }, { route: 'validate', kind: 'other', operation: 'other', verdict: 'warn', dry_run: 'false' }],
  ['NetworkPolicy DELETE', { route: 'validate', kind: 'NetworkPolicy', operation: 'DELETE', verdict: 'allow', dryRun: false }, { route: 'validate', kind: 'NetworkPolicy', operation: 'DELETE', verdict: 'allow', dry_run: 'false' }],
];

// Durations in seconds: on a bound (counted in that bucket, as Prometheus' `le` says), between
// bounds, below the first, above the last (only +Inf), and zero.
const durations: [ReviewLabels['route'], number][] = [
  ['validate', 0.0001],
  ['validate', 0.00003],
  ['validate', 0.0003],
  ['validate', 0.0003],
  ['validate', 1],
  ['validate', 2.5],
  ['mutate', 0],
  ['mutate', 0.02],
  ['other', 0.5000001],
];

t.test('counts and durations expose as prom-client would expose them', async (t) => {
  const ours = createMetrics({ defaultMetrics: false });
  const theirs = reference();
  t.same(families(await ours.registry.getSingleMetricAsString('perimeter_admission_duration_seconds')), families(await theirs.registry.getSingleMetricAsString('perimeter_admission_duration_seconds')), 'nothing observed: no series');
  for (const [why, labels, values] of reviews) {
    for (let repeat = 0; repeat < 3; repeat++) {
      ours.requests.inc(labels);
      theirs.requests.inc(values);
    }
    t.same(
      families(await ours.registry.getSingleMetricAsString('perimeter_admission_requests_total')),
      families(await theirs.registry.getSingleMetricAsString('perimeter_admission_requests_total')),
      `after ${why}`,
    );
  }
  for (const [route, seconds] of durations) {
    ours.duration.observe(route, seconds);
    theirs.duration.observe({ route }, seconds);
    t.same(
      families(await ours.registry.getSingleMetricAsString('perimeter_admission_duration_seconds')),
      families(await theirs.registry.getSingleMetricAsString('perimeter_admission_duration_seconds')),
      `after ${seconds} s on ${route}`,
    );
  }
  const text = await ours.registry.metrics();
  t.match(text, /perimeter_admission_requests_total\{route="validate",kind="other",operation="other",verdict="error",dry_run="false"\} 6\n/, 'unknown values share one series');
  t.match(text, /perimeter_admission_duration_seconds_bucket\{le="0.0001",route="validate"\} 2\n/, 'a duration on a bound is in that bucket');
  t.match(text, /perimeter_admission_duration_seconds_bucket\{le="1",route="validate"\} 5\n/);
  t.match(text, /perimeter_admission_duration_seconds_bucket\{le="\+Inf",route="validate"\} 6\n/);
  t.match(text, /perimeter_admission_duration_seconds_count\{route="other"\} 1\n/);
  t.notMatch(text, /Evil|constructor|__proto__/);
  const reviewFamilies = async (registry: Registry) => [
    ...families(await registry.getSingleMetricAsString('perimeter_admission_requests_total')),
    ...families(await registry.getSingleMetricAsString('perimeter_admission_duration_seconds')),
  ];
  t.same(await reviewFamilies(ours.registry), await reviewFamilies(theirs.registry), 'scraped a second time: the same');

  ours.registry.resetMetrics();
  theirs.registry.resetMetrics();
  t.same(await reviewFamilies(ours.registry), await reviewFamilies(theirs.registry), 'after a reset');
  t.notMatch(await ours.registry.metrics(), /perimeter_admission_(duration_seconds_count|requests_total)\{/, 'a reset empties both');
});

t.test('the registry exports the durations as JSON too', async (t) => {
  const ours = createMetrics({ defaultMetrics: false });
  ours.duration.observe('validate', 0.002);
  const json = await ours.registry.getMetricsAsJSON();
  const duration = json.find((metric) => metric.name === 'perimeter_admission_duration_seconds');
  t.equal(duration?.type, 'histogram');
  t.same(
    duration?.values.filter((value) => value.labels.le === 0.0025 || value.labels.le === '+Inf'),
    [
      { labels: { le: 0.0025, route: 'validate' }, value: 1, metricName: 'perimeter_admission_duration_seconds_bucket' },
      { labels: { le: '+Inf', route: 'validate' }, value: 1, metricName: 'perimeter_admission_duration_seconds_bucket' },
    ],
  );
});

t.test('the process metrics are prom-client’s defaults, but its GC duration histogram', async (t) => {
  // Each family as scraped, less its values: name, help, type and how it aggregates.
  const described = async (registry: Registry) =>
    (await registry.getMetricsAsJSON()).map(({ name, help, type, aggregator }) => ({ name, help, type, aggregator })).sort((a, b) => a.name.localeCompare(b.name));
  const registry = createMetrics().registry;
  const ours = await described(registry);
  const without = (await described(createMetrics({ defaultMetrics: false }).registry)).map((family) => family.name);
  const defaults = new Registry();
  collectDefaultMetrics({ register: defaults, prefix: 'perimeter_' });
  const expected = (await described(defaults)).filter((family) => family.name !== 'perimeter_nodejs_gc_duration_seconds');
  t.ok(expected.length > 20, `prom-client's defaults, ${expected.length} families`);
  t.same(
    ours.filter((family) => !without.includes(family.name)),
    expected,
    'the same families, prefixed and described alike: a collector prom-client adds or changes shows here',
  );
  t.notOk(
    ours.some((family) => family.name === 'perimeter_nodejs_gc_duration_seconds'),
    'no GC histogram: it would observe every collection',
  );
  const text = await registry.metrics();
  t.match(text, /\nperimeter_process_resident_memory_bytes \d+\n/, 'they read the process when scraped');
  t.match(text, /\nperimeter_nodejs_eventloop_lag_p99_seconds [\d.e+-]+\n/);
});
