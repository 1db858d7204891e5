/** The HTTP layer through fastify's inject: routing, bad input golden answers, probes, metrics. */
import type { Logger } from 'pino';
import t from 'tap';
import { buildApp, MAX_REVIEW_BYTES } from '../../src/server/app.js';
import { createMetrics } from '../../src/server/metrics.js';
import { loadRuleDirectory } from '../../src/rules/load.js';
import { clusterWith } from '../helpers.js';
import { loadRecordings } from '../recordings.js';

const ruleSet = await loadRuleDirectory('rules');

function build(ready = true) {
  const metrics = createMetrics({ defaultMetrics: false });
  const app = buildApp({ rules: () => ruleSet, cluster: clusterWith([]), metrics, readiness: () => (ready ? { ready } : { ready, reason: 'certificate expired' }) });
  return { app, metrics };
}

const errorAnswer = (code: number, message: string, uid = '') => ({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid, allowed: false, status: { code, message } } });
const recorded = loadRecordings().find((r) => r.file.startsWith('003-'))!;

// [why, request, expected HTTP status, expected body]
const golden: [string, { headers?: Record<string, string>; payload?: string | Buffer; url?: string }, number, unknown][] = [
  ['empty body', { headers: { 'content-type': 'application/json' }, payload: '' }, 400, errorAnswer(400, 'request body is empty; send an AdmissionReview')],
  ['wrong content type', { headers: { 'content-type': 'text/plain' }, payload: '{}' }, 415, errorAnswer(415, 'content-type "text/plain" is not supported; send the AdmissionReview as application/json')],
  ['undecodable body', { headers: { 'content-type': 'application/json' }, payload: '{"kind": "Admission' }, 400, errorAnswer(400, 'request body is not valid JSON')],
  ['oversize body', { headers: { 'content-type': 'application/json' }, payload: Buffer.alloc(MAX_REVIEW_BYTES + 1, 32) }, 413, errorAnswer(413, `request body is larger than ${MAX_REVIEW_BYTES} bytes`)],
  ['JSON that is not an AdmissionReview', { headers: { 'content-type': 'application/json' }, payload: '[1,2]' }, 400, errorAnswer(400, 'not a valid AdmissionReview: body must be object')],
  ['AdmissionReview without request.uid', { headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ ...recorded.body, request: { ...recorded.body.request, uid: undefined } }) }, 400, errorAnswer(400, "not a valid AdmissionReview: request must have required property 'uid'")],
  [
    'AdmissionReview with a uid but a bad field: answered normally, uid echoed',
    { headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ ...recorded.body, request: { ...recorded.body.request, operation: 'PATCH' } }) },
    200,
    errorAnswer(400, 'not a valid AdmissionReview: request.operation must be equal to one of the allowed values', recorded.body.request.uid),
  ],
  ['unknown path', { url: '/admit', headers: { 'content-type': 'application/json' }, payload: '{}' }, 404, errorAnswer(404, 'no route POST /admit')],
];

t.test('bad input gets an AdmissionReview with a 4xx, never a 500', async (t) => {
  const { app, metrics } = build();
  for (const [why, request, status, body] of golden) {
    const response = await app.inject({ method: 'POST', url: request.url ?? '/validate?timeout=10s', headers: request.headers ?? {}, payload: request.payload ?? '' });
    t.equal(response.statusCode, status, `${why}: HTTP status`);
    t.same(response.json(), body, `${why}: body`);
  }
  const text = await metrics.registry.metrics();
  t.match(text, /perimeter_admission_requests_total\{route="validate",kind="other",operation="other",verdict="error",dry_run="false"\} 7/, 'errors before and in the handler are counted under the route');
  await app.close();
});

t.test('JSON with a charset parameter is accepted', async (t) => {
  const { app } = build();
  const response = await app.inject({ method: 'POST', url: '/validate', headers: { 'content-type': 'application/json; charset=utf-8' }, payload: JSON.stringify(recorded.body) });
  t.equal(response.statusCode, 200);
  t.equal(response.json().response.allowed, false);
  await app.close();
});

t.test('the request no longer holds the parsed review once it is answered', async (t) => {
  // The request lives until its answer is written out; the review it carried must not (README,
  // Performance: kept, it survives scavenges).
  const { app } = build();
  const heldAtResponse: unknown[] = [];
  app.addHook('onResponse', async (request) => {
    heldAtResponse.push(request.body);
  });
  const judged = await app.inject({ method: 'POST', url: '/validate', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(recorded.body) });
  t.equal(judged.json().response.uid, recorded.body.request.uid, 'judged as before');
  const refused = await app.inject({ method: 'POST', url: '/validate', headers: { 'content-type': 'application/json' }, payload: '[1,2]' });
  t.equal(refused.statusCode, 400);
  t.same(heldAtResponse, [undefined, undefined], 'neither a judged nor a refused review is held');
  await app.close();
});

t.test('probes and metrics', async (t) => {
  const { app } = build();
  t.equal((await app.inject('/healthz')).body, 'ok');
  t.equal((await app.inject('/readyz')).statusCode, 200);
  await app.inject({ method: 'POST', url: '/validate?timeout=10s', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(recorded.body) });
  const metrics = await app.inject('/metrics');
  t.match(metrics.headers['content-type'], /^text\/plain/);
  t.match(metrics.body, /perimeter_admission_requests_total\{route="validate",kind="Service",operation="CREATE",verdict="deny",dry_run="false"\} 1/);
  t.match(metrics.body, /perimeter_admission_duration_seconds_count\{route="validate"\} 1/);
  t.match(metrics.body, /# TYPE perimeter_rules_reloads_total counter/);
  t.match(metrics.body, /# TYPE perimeter_rules_generation gauge/);
  await app.close();
  const notReady = build(false);
  const readyz = await notReady.app.inject('/readyz');
  t.equal(readyz.statusCode, 503);
  t.equal(readyz.body, 'not ready: certificate expired');
  await notReady.app.close();
});

t.test('hostile kinds never become metric labels', async (t) => {
  const { app, metrics } = build();
  const body = { ...recorded.body, request: { ...recorded.body.request, kind: { group: 'x', version: 'v1', kind: 'Evil<script>' } } };
  await app.inject({ method: 'POST', url: '/validate', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  t.notMatch(await metrics.registry.metrics(), /Evil/);
  await app.close();
});

t.test('one structured decision line per review, without the object', async (t) => {
  const { default: pino } = await import('pino');
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const app = buildApp({ rules: () => ruleSet, cluster: clusterWith([]), metrics: createMetrics({ defaultMetrics: false }), readiness: () => ({ ready: true }), logger });
  const dry = loadRecordings().find((r) => r.file.startsWith('014-'))!;
  await app.inject({ method: 'POST', url: '/validate?timeout=10s', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(dry.body) });
  const decisions = lines.filter((line) => line.msg === 'admission review');
  t.equal(decisions.length, 1);
  t.match(decisions[0], {
    route: 'validate',
    uid: dry.body.request.uid,
    kind: 'Service',
    namespace: 'team-a',
    name: 'dry-lb',
    operation: 'CREATE',
    user: 'admin',
    dryRun: true,
    verdict: 'deny',
    rules: ['egress-default-deny', 'require-source-ranges'],
    durationMs: Number,
  });
  t.notMatch(JSON.stringify(lines), /loadBalancer|"spec"/, 'no object content in the log');
  await app.close();
});

t.test('the answer is sent before its decision line: a log that fails changes no answer', async (t) => {
  const { default: pino } = await import('pino');
  const denied = loadRecordings().find((r) => r.file.startsWith('003-'))!;
  const inject = async (logger?: Logger) => {
    const app = buildApp({ rules: () => ruleSet, cluster: clusterWith([]), metrics: createMetrics({ defaultMetrics: false }), readiness: () => ({ ready: true }), ...(logger === undefined ? {} : { logger }) });
    const response = await app.inject({ method: 'POST', url: '/validate?timeout=10s', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(denied.body) });
    await app.close();
    return response;
  };
  const other: Record<string, unknown>[] = [];
  const failing = pino({ level: 'info' }, {
    write: (line: string) => {
      if (line.includes('"msg":"admission review"')) throw new Error('disk full');
      other.push(JSON.parse(line));
    },
  });
  const [withFailingLog, withoutLog] = await Promise.all([inject(failing), inject()]);
  t.equal(withFailingLog.statusCode, 200);
  t.same(withFailingLog.json(), withoutLog.json(), 'the same denial as with no logger at all');
  t.equal(withFailingLog.json().response.allowed, false);
  t.match(other, [{ level: 50, err: { message: 'disk full' } }], 'the failure is reported, not lost');
});

t.test('decision lines: a review that found, patched or exempted something at info, a clean allow only at debug', async (t) => {
  const { default: pino } = await import('pino');
  const recordings = loadRecordings().filter((r) => r.body.request.kind.kind === 'Service');
  const decisionsAt = async (level: 'info' | 'debug') => {
    const lines: { msg: string; uid: string; verdict: string; rules: string[] }[] = [];
    const logger = pino({ level }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const app = buildApp({ rules: () => ruleSet, cluster: clusterWith([]), metrics: createMetrics({ defaultMetrics: false }), readiness: () => ({ ready: true }), logger });
    const answers = new Map<string, { allowed: boolean; warnings?: string[]; patch?: string }>();
    for (const recording of recordings) {
      const response = await app.inject({ method: 'POST', url: recording.path, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(recording.body) });
      answers.set(recording.body.request.uid, response.json().response);
    }
    await app.close();
    return { decisions: lines.filter((line) => line.msg === 'admission review'), answers };
  };
  const all = await decisionsAt('debug');
  t.equal(all.decisions.length, recordings.length, 'debug: a line for every review');
  const info = await decisionsAt('info');
  const clean = all.decisions.filter((line) => line.verdict === 'allow' && line.rules.length === 0);
  t.ok(clean.length > 0 && clean.length < recordings.length, 'the recordings hold both clean and judged reviews');
  t.same(
    info.decisions.map((line) => line.uid).sort(),
    all.decisions.filter((line) => !clean.includes(line)).map((line) => line.uid).sort(),
    'info: exactly the reviews with a finding, a patch or a verdict other than allow',
  );
  for (const line of clean) {
    const answer = info.answers.get(line.uid)!;
    t.ok(answer.allowed && answer.warnings === undefined && answer.patch === undefined, `${line.uid}: logged at debug only, and its answer is indeed a plain allow`);
  }
});

t.test('while draining, HTTP/1.1 answers close their connection so clients move to another replica', async (t) => {
  let draining = false;
  const app = buildApp({ rules: () => ruleSet, cluster: clusterWith([]), metrics: createMetrics({ defaultMetrics: false }), readiness: () => ({ ready: true }), draining: () => draining });
  const send = () => app.inject({ method: 'POST', url: '/validate?timeout=10s', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(recorded.body) });
  t.not((await send()).headers.connection, 'close', 'kept alive while serving normally');
  draining = true;
  const closing = await send();
  t.equal(closing.statusCode, 200, 'still answered');
  t.equal(closing.headers.connection, 'close');
  await app.close();
});

t.test('a review allowed only by an exemption is logged at info, naming the exempted rules', async (t) => {
  const { default: pino } = await import('pino');
  const { parseRuleFiles } = await import('../../src/rules/load.js');
  const exempting = parseRuleFiles([{ file: 'rules/x.yaml', text: 'rules:\n  - id: open\n    description: d\n    check: no-open-sources\n    enforcement: deny\n    exclude: [{namespace: team-a, reason: migration}]\n' }]);
  const lines: { msg: string; verdict: string; exempted?: string[] }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const app = buildApp({ rules: () => exempting, cluster: clusterWith([]), metrics: createMetrics({ defaultMetrics: false }), readiness: () => ({ ready: true }), logger });
  const open = loadRecordings().find((r) => r.body.request.namespace === 'team-a' && r.body.request.kind.kind === 'Service')!;
  await app.inject({ method: 'POST', url: '/validate?timeout=10s', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(open.body) });
  t.match(lines.filter((line) => line.msg === 'admission review'), [{ verdict: 'allow', exempted: ['open'] }]);
  await app.close();
});
