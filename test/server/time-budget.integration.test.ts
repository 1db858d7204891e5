/**
 * The per-request time budget over real HTTPS: a review whose body arrives after most of the API
 * server's timeout (`?timeout=1s`) has passed is answered at once by --on-timeout, not judged.
 */
import t, { type Test } from 'tap';
import https from 'node:https';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { startServer } from '../../src/server/serve.js';
import type { OnTimeout } from '../../src/admission/time-budget.js';
import { shippedRulesCopy } from '../helpers.js';
import { loadRecordings } from '../recordings.js';

const denied = loadRecordings().find((r) => r.file.startsWith('003-'))!;
const body = JSON.stringify(denied.body);

async function start(t: Test, onTimeout: OnTimeout, mode: 'enforce' | 'audit' = 'enforce') {
  const dir = t.testdir({});
  const rulesDir = await shippedRulesCopy(mode === 'audit' ? { 'perimeter.yaml': (text) => text.replace('mode: enforce', 'mode: audit') } : {});
  const server = await startServer({ port: 0, host: '127.0.0.1', rulesDir, devCertDir: path.join(dir, 'certs'), logLevel: 'silent', cluster: 'off', onTimeout });
  t.teardown(() => server.close());
  return { server, ca: await readFile(path.join(dir, 'certs', 'ca.crt'), 'utf8') };
}

/** POSTs the review, holding the body back for `delayMs` after the headers went out. */
function slowPost(url: string, ca: string, delayMs: number): Promise<{ status: number; review: { response: { allowed: boolean; status?: { code: number; message: string; reason?: string }; warnings?: string[] } } }> {
  return new Promise((resolve, reject) => {
    const request = https.request(new URL('/validate?timeout=1s', url), { method: 'POST', ca, agent: false, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, review: JSON.parse(text) }));
    });
    request.on('error', reject);
    request.flushHeaders();
    setTimeout(() => request.end(body), delayMs);
  });
}

t.test('in time: judged as usual', async (t) => {
  const { server, ca } = await start(t, 'deny');
  const { status, review } = await slowPost(server.url, ca, 0);
  t.equal(status, 200);
  t.equal(review.response.allowed, false);
  t.equal(review.response.status?.code, 403, 'a policy denial');
});

t.test('out of time with --on-timeout deny: denied with a 504 that says why, and counted', async (t) => {
  const { server, ca } = await start(t, 'deny');
  const { status, review } = await slowPost(server.url, ca, 1_000);
  t.equal(status, 200);
  t.equal(review.response.allowed, false);
  t.equal(review.response.status?.code, 504);
  t.equal(review.response.status?.reason, 'Timeout', 'the API status reason for a 504');
  t.match(review.response.status?.message, /could not judge Service \S+ within the API server's 1 s timeout .* denied by --on-timeout deny/);
  t.match(await server.metrics.registry.getSingleMetricAsString('perimeter_admission_requests_total'), /verdict="timeout",dry_run="false"\} 1/);
  const durations = await server.metrics.registry.getSingleMetricAsString('perimeter_admission_duration_seconds');
  t.match(durations, /^perimeter_admission_duration_seconds_count\{route="validate"\} 1$/m, 'its time is in the duration histogram');
  t.match(durations, /^perimeter_admission_duration_seconds_bucket\{le="0\.5",route="validate"\} 0$/m, 'past the budget, so above 0.5 s');
});

t.test('out of time with --on-timeout allow: allowed with a warning, even though the rules would deny', async (t) => {
  const { server, ca } = await start(t, 'allow');
  const { review } = await slowPost(server.url, ca, 1_000);
  t.equal(review.response.allowed, true);
  t.match(review.response.warnings?.[0], /^perimeter: could not judge Service \S+ within the API server's 1 s timeout .*; allowed without judging$/);
});

t.test('out of time in audit mode: allowed whatever --on-timeout says, since audit mode never blocks', async (t) => {
  const { server, ca } = await start(t, 'deny', 'audit');
  const { review } = await slowPost(server.url, ca, 1_000);
  t.equal(review.response.allowed, true);
  t.match(review.response.warnings?.[0], /^perimeter \[audit mode, not enforced\]: could not judge .*allowed without judging$/);
});
