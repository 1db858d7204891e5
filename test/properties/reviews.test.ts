/**
 * Hostile AdmissionReviews, generated: the recorded reviews mutated (wrong types in any field,
 * fields removed, huge arrays, deep nesting, unicode, numbers where strings belong) and bodies that
 * are not reviews at all. Whatever arrives, the webhook answers a well-formed AdmissionReview with
 * a 200 or a 4xx, never a 5xx; a patch it sends applies cleanly to the object it was sent for; and
 * no check ever throws (the engine would deny "to be safe", which for a valid object is a bug).
 */
import t from 'tap';
import fc from 'fast-check';
import fastJsonPatch from 'fast-json-patch';
import { buildApp } from '../../src/server/app.js';
import { createMetrics } from '../../src/server/metrics.js';
import { loadRuleDirectory } from '../../src/rules/load.js';
import { evaluate } from '../../src/engine/evaluate.js';
import type { KubeObject } from '../../src/engine/types.js';
import { clusterWith } from '../helpers.js';
import { loadRecordings } from '../recordings.js';
import { holds, SEED } from './seed.js';

t.comment(`seed ${SEED} (replay with PERIMETER_SEED=${SEED})`);

const ruleSet = await loadRuleDirectory('rules');
const recordings = loadRecordings();
const VERSIONS = ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Marks where asText puts `[[[…]]]`, as deep as the number between two markers says. */
const DEEP = '~deep~';
const DEEP_IN_JSON = /"~deep~(\d+)~deep~"/g;

/** JSON text of a body, with each deep-nesting marker replaced by that many nested lists. */
function asText(body: Json): string {
  return JSON.stringify(body).replace(DEEP_IN_JSON, (_, depth: string) => `${'['.repeat(Number(depth))}${']'.repeat(Number(depth))}`);
}

/** Every path in a JSON value, the root included. */
function pathsOf(value: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((item, i) => pathsOf(item, [...prefix, i], out));
  else if (value !== null && typeof value === 'object') for (const [key, item] of Object.entries(value)) pathsOf(item, [...prefix, key], out);
  return out;
}

/** What to put in place of a field. */
const replacement: fc.Arbitrary<(old: Json) => Json | undefined> = fc.oneof(
  { weight: 6, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => () => value as Json) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map((text) => () => text) },
  { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.constant(-0), fc.constant(1e308)).map((n) => () => n) },
  { weight: 2, arbitrary: fc.constant(() => undefined) }, // the field removed
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 2_000 }).map((length) => () => Array.from({ length }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.0/24`)) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 2_000 }).map((length) => () => Array.from({ length }, () => ({}))) },
  // Deep nesting is written into the JSON text (see asText): built as objects, it would overflow
  // the test's own stack before the server ever saw it.
  { weight: 1, arbitrary: fc.integer({ min: 50, max: 100_000 }).map((depth) => () => `${DEEP}${depth}${DEEP}`) },
  { weight: 1, arbitrary: fc.constant((old: Json) => (typeof old === 'string' ? `${old}\u0000\u202e\ud83d\ude80${old}` : old)) },
  { weight: 1, arbitrary: fc.constant((old: Json) => (typeof old === 'string' ? Number.parseFloat(old) || 7 : String(old))) },
);

const mutatedReview = fc
  .record({
    recording: fc.nat({ max: recordings.length - 1 }),
    mutations: fc.array(fc.tuple(fc.nat(), replacement), { minLength: 1, maxLength: 4 }),
    route: fc.constantFrom('/validate', '/mutate'),
  })
  .map(({ recording, mutations, route }) => {
    let body = structuredClone(recordings[recording]!.body) as unknown as Json;
    for (const [at, replace] of mutations) {
      const paths = pathsOf(body);
      const where = paths[at % paths.length]!;
      if (where.length === 0) {
        body = replace(body) ?? null;
        continue;
      }
      let parent = body as Record<string | number, Json>;
      for (const key of where.slice(0, -1)) parent = parent[key] as Record<string | number, Json>;
      const key = where.at(-1)!;
      const next = replace(parent[key]!);
      if (next === undefined) {
        if (Array.isArray(parent)) parent.splice(Number(key), 1);
        else delete parent[key];
      } else parent[key] = next;
    }
    return { route, payload: asText(body), body };
  });

const notAReview = fc.oneof(
  fc.jsonValue().map((body) => ({ route: '/validate', payload: JSON.stringify(body), body: body as Json })),
  fc.string({ unit: 'binary', maxLength: 200 }).map((text) => ({ route: '/mutate', payload: text, body: undefined as Json | undefined })),
);

t.test('10,000 hostile reviews: every answer a well-formed AdmissionReview, 200 or 4xx, uid echoed, patches apply', async (t) => {
  const app = buildApp({ rules: () => ruleSet, cluster: clusterWith([]), metrics: createMetrics({ defaultMetrics: false }), readiness: () => ({ ready: true }) });
  const statuses = new Map<number, number>();
  await holds(
    t,
    'hostile reviews',
    fc.asyncProperty(fc.oneof({ weight: 9, arbitrary: mutatedReview }, { weight: 1, arbitrary: notAReview }), async ({ route, payload, body }) => {
      const response = await app.inject({ method: 'POST', url: `${route}?timeout=10s`, headers: { 'content-type': 'application/json' }, payload });
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
      if (response.statusCode !== 200 && (response.statusCode < 400 || response.statusCode >= 500)) return false;
      const review = response.json() as { apiVersion: unknown; kind: unknown; response: { uid: unknown; allowed: unknown; status?: { code: unknown; message: unknown }; patch?: unknown } };
      if (!VERSIONS.includes(review.apiVersion as string) || review.kind !== 'AdmissionReview') return false;
      if (typeof review.response.uid !== 'string' || typeof review.response.allowed !== 'boolean') return false;
      if (!review.response.allowed && typeof review.response.status?.message !== 'string') return false;
      const request = (body as { request?: { uid?: unknown; object?: unknown } } | undefined)?.request;
      if (response.statusCode === 200 && typeof request?.uid === 'string' && request.uid !== '' && review.response.uid !== request.uid) return false;
      if (review.response.patch !== undefined) {
        const operations = JSON.parse(Buffer.from(review.response.patch as string, 'base64').toString()) as fastJsonPatch.Operation[];
        // validate: every operation well-formed and applicable; throws otherwise.
        fastJsonPatch.applyPatch(structuredClone(request?.object), operations, true, false);
      }
      return true;
    }),
    10_000,
  );
  t.comment(`answers by HTTP status: ${[...statuses].sort().map(([status, count]) => `${status}: ${count}`).join(', ')}`);
  t.notOk([...statuses.keys()].some((status) => status >= 500), 'never a 5xx');
  await app.close();
});

t.test('the engine never throws and no check fails, whatever the object', async (t) => {
  const object = fc.oneof(
    // Parsed from the text, so deep nesting reaches the engine as real nested lists.
    mutatedReview.map(({ payload }) => (JSON.parse(payload) as { request?: { object?: unknown } } | null)?.request?.object),
    fc.record({ kind: fc.constantFrom('Service', 'Ingress', 'NetworkPolicy', 'Namespace'), metadata: fc.jsonValue({ maxDepth: 2 }), spec: fc.jsonValue({ maxDepth: 4 }) }),
  );
  await holds(
    t,
    'engine on arbitrary objects',
    fc.property(object, fc.constantFrom('CREATE', 'UPDATE', 'DELETE', 'CONNECT') as fc.Arbitrary<'CREATE'>, fc.constantFrom('validate', 'mutate', 'both') as fc.Arbitrary<'both'>, (candidate, operation, phase) => {
      const input = { object: candidate as KubeObject, oldObject: candidate as KubeObject, operation, phase, namespace: 'shop' };
      const evaluation = evaluate(input, ruleSet, { cluster: clusterWith([]), now: new Date() });
      return ['allow', 'warn', 'deny'].includes(evaluation.verdict) && !evaluation.findings.some((finding) => /failed on this object/.test(finding.message));
    }),
    5_000,
  );
});
