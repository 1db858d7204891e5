/**
 * Integration tests of the real server: HTTPS on 127.0.0.1, the recordings replayed with their
 * paths and headers, HTTP/2, rule edits and certificate rotation while requests flow.
 */
import t, { type Test } from 'tap';
import { cp, mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import https from 'node:https';
import tls, { checkServerIdentity } from 'node:tls';
import fastJsonPatch from 'fast-json-patch';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { generateDevelopmentCertificate } from '../../src/server/dev-certificate.js';
import { certificateCovers } from '../../src/server/tls.js';
import { loadRecordings } from '../recordings.js';
import { get, load, post, postHttp2 } from './client.js';
import { until } from '../helpers.js';

async function start(t: Test, overrides: Partial<Parameters<typeof startServer>[0]> = {}): Promise<{ server: RunningServer; ca: string; rulesDir: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'perimeter-serve-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const rulesDir = path.join(dir, 'rules');
  await cp('rules', rulesDir, { recursive: true });
  const server = await startServer({ port: 0, host: '127.0.0.1', rulesDir, devCertDir: path.join(dir, 'certs'), logLevel: 'silent', pollMs: 100, cluster: 'off', ...overrides });
  t.teardown(() => server.close());
  const ca = overrides.tlsCert === undefined ? await readFile(path.join(dir, 'certs', 'ca.crt'), 'utf8') : '';
  return { server, ca, rulesDir };
}

// What the server answers to each recording, with no cluster state known yet (the egress rule
// then warns): [allowed, fields the patch sets, in the patched object]
const expected: Record<string, [boolean, Record<string, string>?]> = {
  '001-validate-namespace-create-team-a.json': [true],
  '002-mutate-service-create-web-open.json': [true, { '/spec/externalTrafficPolicy': 'Local' }],
  '003-validate-service-create-web-open.json': [false],
  '004-mutate-ingress-create-app.json': [true],
  '005-validate-ingress-create-app.json': [false],
  '006-mutate-networkpolicy-create-default-deny-egress.json': [true],
  '007-validate-networkpolicy-create-default-deny-egress.json': [true],
  '008-mutate-networkpolicy-create-allow-web.json': [true],
  '009-validate-networkpolicy-create-allow-web.json': [false],
  '010-mutate-service-update-web-open.json': [true],
  '011-validate-service-update-web-open.json': [false],
  '012-validate-networkpolicy-delete-allow-web.json': [true],
  '013-mutate-service-create-dry-lb-dryrun.json': [true],
  '014-validate-service-create-dry-lb-dryrun.json': [false],
  '015-mutate-service-create-v6-lb-v1beta1.json': [true, { '/spec/externalTrafficPolicy': 'Local' }],
  '016-validate-service-create-v6-lb.json': [false],
  '017-mutate-networkpolicy-create-egress-anywhere-v1beta1.json': [true],
  '018-validate-networkpolicy-create-egress-anywhere.json': [false],
  '019-mutate-ingress-update-app.json': [true],
  '020-validate-ingress-update-app.json': [true],
  '101-validate-namespace-create-team-b.json': [true],
  '102-mutate-networkpolicy-create-default-deny-egress.json': [true],
  '103-validate-networkpolicy-create-default-deny-egress.json': [true],
  '104-mutate-service-create-api.json': [true, { '/spec/externalTrafficPolicy': 'Local' }],
  '105-validate-service-create-api.json': [false],
  '106-mutate-ingress-create-api.json': [true],
  '107-validate-ingress-create-api.json': [true],
  '108-mutate-networkpolicy-update-default-deny-egress.json': [true],
  '109-validate-networkpolicy-update-default-deny-egress.json': [false],
  '110-validate-networkpolicy-delete-default-deny-egress.json': [true],
  '111-validate-service-delete-api.json': [true],
};

t.test('every recorded review, replayed over HTTPS with its path and headers, is answered field by field', async (t) => {
  const { server, ca } = await start(t);
  const recordings = loadRecordings();
  t.same(recordings.map((r) => r.file), Object.keys(expected));
  for (const recording of recordings) {
    const [allowed, patched] = expected[recording.file]!;
    const reply = await post(server.url, recording.path, JSON.stringify(recording.body), { ca, headers: recording.headers });
    t.equal(reply.status, 200, `${recording.file}: HTTP 200`);
    const review = JSON.parse(reply.body);
    t.equal(review.apiVersion, recording.body.apiVersion, `${recording.file}: answered in the request's version`);
    t.equal(review.kind, 'AdmissionReview');
    t.equal(review.response.uid, recording.body.request.uid, `${recording.file}: uid echoed`);
    t.equal(review.response.allowed, allowed, `${recording.file}: allowed`);
    if (!allowed) {
      t.equal(review.response.status.code, 403, `${recording.file}: 403`);
      t.match(review.response.status.message, /^perimeter denied /);
    }
    if (patched === undefined) {
      t.equal(review.response.patch, undefined, `${recording.file}: no patch`);
      continue;
    }
    t.equal(review.response.patchType, 'JSONPatch');
    const patch = JSON.parse(Buffer.from(review.response.patch, 'base64').toString());
    const result = fastJsonPatch.applyPatch(structuredClone(recording.body.request.object), patch, true, false).newDocument;
    for (const [pointer, value] of Object.entries(patched)) t.equal(fastJsonPatch.getValueByPointer(result, pointer), value, `${recording.file}: ${pointer}`);
    const untouched = fastJsonPatch.compare(recording.body.request.object as object, result as object).map((op) => op.path);
    t.same(untouched, Object.keys(patched), `${recording.file}: nothing else changed`);
  }
});

t.test('TLS 1.2 is the minimum: a TLS 1.1 client gets a protocol alert, TLS 1.2 and 1.3 are served', async (t) => {
  const { server, ca } = await start(t);
  const { port } = new URL(server.url);
  const handshake = (options: tls.ConnectionOptions) =>
    new Promise<string>((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port: Number(port), ca, servername: 'localhost', ...options }, () => {
        resolve(socket.getProtocol() ?? 'unknown');
        socket.end();
      });
      socket.on('error', (error) => resolve(`refused: ${error.message}`));
    });
  // SECLEVEL=0 lets this client offer TLS 1.1 at all; the refusal must come from the server.
  t.match(await handshake({ minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }), /^refused: .*(alert protocol version|unsupported protocol)/);
  t.equal(await handshake({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' }), 'TLSv1.2');
  t.equal(await handshake({ minVersion: 'TLSv1.3' }), 'TLSv1.3');
});

t.test('HTTP/2 is offered by ALPN and answers the same', async (t) => {
  const { server, ca } = await start(t);
  const recording = loadRecordings().find((r) => r.file.startsWith('002-'))!;
  const h2 = await postHttp2(server.url, recording.path, JSON.stringify(recording.body), ca);
  t.equal(h2.alpn, 'h2');
  t.equal(h2.status, 200);
  const h1 = await post(server.url, recording.path, JSON.stringify(recording.body), { ca });
  t.same(JSON.parse(h2.body), JSON.parse(h1.body));
});


t.test('a broken rule edit under load: zero failed requests, last good rules decide, failure counted', async (t) => {
  const { server, ca, rulesDir } = await start(t);
  const body = JSON.stringify(loadRecordings().find((r) => r.file.startsWith('003-'))!.body);
  const broken = 'rules:\n  - id: no-open-sources\n    description: d\n    check: no-open-sources\n    enforcement: deny\n    params: {minPrefixLengthV4: 99}\n';
  const replies = await load(server.url, ca, 400, 4, body, async (sent) => {
    if (sent === 100) await writeFile(path.join(rulesDir, 'ingress.yaml'), broken);
    if (sent === 200) await until(async () => (await server.metrics.registry.getSingleMetricAsString('perimeter_rules_reloads_total')).includes('result="failure"} 1'));
  });
  t.equal(replies.length, 400);
  t.same(replies.filter((r) => r.status !== 200 || r.allowed !== false), [], 'every review answered, every one denied by the last good rules');
  t.comment(`broken rule edit: ${replies.length} reviews during the fault, ${replies.filter((r) => r.status !== 200).length} failed`);
  t.equal(server.rules.generation, 1, 'the broken set never took effect');
  t.match(await server.metrics.registry.getSingleMetricAsString('perimeter_rules_reloads_total'), /result="failure"\} 1/);

  // A good edit afterwards is picked up: audit mode turns the denial into a warning.
  await writeFile(path.join(rulesDir, 'ingress.yaml'), await readFile('rules/ingress.yaml', 'utf8'));
  await writeFile(path.join(rulesDir, 'perimeter.yaml'), (await readFile('rules/perimeter.yaml', 'utf8')).replace('mode: enforce', 'mode: audit'));
  await until(() => server.rules.current.mode === 'audit');
  const reply = JSON.parse((await post(server.url, '/validate', body, { ca })).body);
  t.equal(reply.response.allowed, true);
  t.ok(reply.response.warnings.some((w: string) => w.startsWith('perimeter [audit mode, not enforced] would deny: [no-open-sources]')), 'the denial became a dry-run warning');
  // One reload or two, as the debounce happens to group the two writes.
  t.ok(server.rules.generation >= 2, `good edits took effect (generation ${server.rules.generation})`);
});

t.test('certificate rotation by symlink swap (how cert-manager updates a Secret volume) under load', async (t) => {
  const dir = t.testdir({});
  const first = await generateDevelopmentCertificate(path.join(dir, 'first'));
  const second = await generateDevelopmentCertificate(path.join(dir, 'second'));
  // A Secret volume: timestamped folder, `..data` pointing at it, files linked through `..data`.
  const volume = path.join(dir, 'volume');
  await mkdir(path.join(volume, '..2026_11_21_a'), { recursive: true });
  await cp(first.certFile, path.join(volume, '..2026_11_21_a', 'tls.crt'));
  await cp(first.keyFile, path.join(volume, '..2026_11_21_a', 'tls.key'));
  await symlink('..2026_11_21_a', path.join(volume, '..data'));
  await symlink('..data/tls.crt', path.join(volume, 'tls.crt'));
  await symlink('..data/tls.key', path.join(volume, 'tls.key'));
  const { server } = await start(t, { tlsCert: path.join(volume, 'tls.crt'), tlsKey: path.join(volume, 'tls.key') });
  const cas = [await readFile(first.caFile, 'utf8'), await readFile(second.caFile, 'utf8')];
  const body = JSON.stringify(loadRecordings().find((r) => r.file.startsWith('001-'))!.body);

  const before = await post(server.url, '/validate', body, { ca: cas });
  const replies = await load(server.url, cas, 300, 4, body, async (sent) => {
    if (sent !== 100) return;
    await mkdir(path.join(volume, '..2026_11_21_b'));
    await cp(second.certFile, path.join(volume, '..2026_11_21_b', 'tls.crt'));
    await cp(second.keyFile, path.join(volume, '..2026_11_21_b', 'tls.key'));
    await symlink('..2026_11_21_b', path.join(volume, '..data_tmp'));
    await rename(path.join(volume, '..data_tmp'), path.join(volume, '..data'));
    await until(async () => (await server.metrics.registry.getSingleMetricAsString('perimeter_certificate_reloads_total')).includes('result="success"} 1'));
  });
  t.same(replies.filter((r) => r.status !== 200), [], 'zero failed requests during rotation');
  t.comment(`certificate rotation: ${replies.length} reviews during the fault, ${replies.filter((r) => r.status !== 200).length} failed`);
  const after = await post(server.url, '/validate', body, { ca: cas });
  t.not(after.fingerprint, before.fingerprint, 'a new connection sees the new certificate');
  t.ok(replies.some((r) => r.fingerprint === after.fingerprint), 'the new certificate was served during the load');
  t.ok(replies.some((r) => r.fingerprint === before.fingerprint), 'and the old one before the swap, and on connections opened before it');
  t.ok((await post(server.url, '/validate', body, { ca: cas[1]! })).status === 200, 'only the new CA is needed now');

  // An in-place write (no symlink swap) is picked up too.
  await writeFile(path.join(volume, 'tls.key'), await readFile(first.keyFile, 'utf8'));
  await writeFile(path.join(volume, 'tls.crt'), await readFile(first.certFile, 'utf8'));
  await until(async () => (await post(server.url, '/validate', body, { ca: cas })).fingerprint === before.fingerprint);
  t.pass('the first certificate is served again after an in-place write');
});

t.test('readiness: rules loaded and certificate valid', async (t) => {
  const { server, ca } = await start(t);
  t.equal((await get(server.url, '/readyz', ca)).body, 'ok');
  t.equal((await get(server.url, '/healthz', ca)).body, 'ok');
});

t.test('development certificate: extra names for a local cluster, regenerated only when a name is missing', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'perimeter-devcert-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const devCertDir = path.join(dir, 'certs');
  const names = ['host.docker.internal', '172.18.0.1', 'fd00::1'];
  const first = await startServer({ port: 0, host: '127.0.0.1', rulesDir: 'rules', devCertDir, devCertNames: names, logLevel: 'silent', pollMs: 100, cluster: 'off' });
  await first.close();
  const cert = await readFile(path.join(devCertDir, 'tls.crt'), 'utf8');
  t.ok(certificateCovers(cert, ['localhost', '127.0.0.1', '::1', ...names]), 'localhost and every extra name');
  t.notOk(certificateCovers(cert, ['example.com']));
  t.notOk(certificateCovers(cert, ['172.18.0.2']));

  const again = await startServer({ port: 0, host: '127.0.0.1', rulesDir: 'rules', devCertDir, devCertNames: ['172.18.0.1'], logLevel: 'silent', pollMs: 100, cluster: 'off' });
  await again.close();
  t.equal(await readFile(path.join(devCertDir, 'tls.crt'), 'utf8'), cert, 'reused while it covers the names asked for');

  const wider = await startServer({ port: 0, host: '127.0.0.1', rulesDir: 'rules', devCertDir, devCertNames: ['perimeter.test'], logLevel: 'silent', pollMs: 100, cluster: 'off' });
  t.teardown(() => wider.close());
  const regenerated = await readFile(path.join(devCertDir, 'tls.crt'), 'utf8');
  t.not(regenerated, cert, 'a new certificate when a name is missing');
  t.ok(certificateCovers(regenerated, ['perimeter.test', 'localhost']));
  // And it is the one served: a client checking that name against the new CA connects.
  const ca = await readFile(path.join(devCertDir, 'ca.crt'), 'utf8');
  const reply = await new Promise<number>((resolve, reject) => {
    // Checked against the name, not the address connected to.
    https.get(`${wider.url}/healthz`, { ca, servername: 'perimeter.test', checkServerIdentity: (_host, peer) => checkServerIdentity('perimeter.test', peer) }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    }).on('error', reject);
  });
  t.equal(reply, 200);
});

t.test('a start-up that fails leaves no exit hook behind', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'perimeter-failed-start-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const exitHooks = process.listenerCount('exit');
  // Missing rules, then a certificate file that does not exist.
  await t.rejects(startServer({ port: 0, host: '127.0.0.1', rulesDir: path.join(dir, 'no-rules'), devCertDir: path.join(dir, 'certs'), logLevel: 'silent', cluster: 'off' }));
  await t.rejects(startServer({ port: 0, host: '127.0.0.1', rulesDir: 'rules', tlsCert: path.join(dir, 'none.crt'), tlsKey: path.join(dir, 'none.key'), devCertDir: path.join(dir, 'certs'), logLevel: 'silent', cluster: 'off' }));
  // Each start-up hooks process exit to flush its log; a failed one must take the hook back.
  t.equal(process.listenerCount('exit'), exitHooks, 'no exit hook left');
});

t.test('a server that started and closed leaves no exit hook behind', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'perimeter-closed-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const exitHooks = process.listenerCount('exit');
  const started = await startServer({ port: 0, host: '127.0.0.1', rulesDir: 'rules', devCertDir: path.join(dir, 'certs'), logLevel: 'silent', cluster: 'off' });
  t.equal(process.listenerCount('exit'), exitHooks + 1, 'running, it flushes its log at exit');
  await started.close();
  t.equal(process.listenerCount('exit'), exitHooks, 'closed, the hook is taken back');
});
