/**
 * The webhook with cluster state from the fake API server: readiness waits for the caches,
 * recorded reviews are judged against the cluster without any API request, the recorded DELETE
 * of a NetworkPolicy is denied when it would remove the namespace's last default-deny egress
 * policy, and a rule reload starts the caches it needs.
 */
import t from 'tap';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer } from '../../src/server/serve.js';
import { loadRecordings } from '../recordings.js';
import { get, load, post } from '../server/client.js';
import { FakeApiServer } from '../../src/bench/fake-apiserver.js';
import { granted } from './rbac.js';
import { until } from '../helpers.js';

const dir = await mkdtemp(path.join(tmpdir(), 'perimeter-serve-cluster-'));
const fake = await FakeApiServer.start(dir);
const kubeconfig = await fake.writeKubeconfig();
const rulesDir = path.join(dir, 'rules');
await cp('rules', rulesDir, { recursive: true });
const recordings = loadRecordings();
const recorded = (prefix: string) => recordings.find((r) => r.file.startsWith(prefix))!;
const defaultDeny = recorded('007-').body.request.object as { kind: string; metadata: { name: string; namespace: string } };
fake.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
fake.apply({ ...defaultDeny, kind: 'NetworkPolicy' });
fake.apply({ ...(recorded('009-').body.request.object as typeof defaultDeny), kind: 'NetworkPolicy' });

// The API server is down when the webhook starts.
await fake.stop();
const server = await startServer({ port: 0, host: '127.0.0.1', rulesDir, devCertDir: path.join(dir, 'certs'), logLevel: 'silent', pollMs: 100, cluster: 'on', kubeconfig, clusterBackoff: { initialMs: 50, maxMs: 200 } });
const ca = await readFile(path.join(dir, 'certs', 'ca.crt'), 'utf8');
t.teardown(async () => {
  await server.close();
  await fake.stop();
  await rm(dir, { recursive: true, force: true });
});

const review = async (body: unknown) => JSON.parse((await post(server.url, '/validate?timeout=10s', JSON.stringify(body), { ca })).body).response;

t.test('not ready until the caches sync; meanwhile onClusterUnavailable applies', async (t) => {
  const readyz = await get(server.url, '/readyz', ca);
  t.equal(readyz.status, 503);
  t.equal(readyz.body, 'not ready: cluster caches not synced yet');
  const ingress = await review(recorded('020-').body);
  t.equal(ingress.allowed, true);
  t.match(ingress.warnings, [/cannot tell whether namespace "team-a" has a default-deny egress NetworkPolicy \(cluster state unavailable\)/]);
  await fake.listen();
  await until(async () => (await get(server.url, '/readyz', ca)).status === 200, 15_000);
  t.match(await server.metrics.registry.getSingleMetricAsString('perimeter_cluster_unavailable_lookups_total'), /resource="networkpolicies"\} [1-9]/);
});

t.test('reviews are judged against the cluster without an API request', async (t) => {
  const before = fake.requests.length;
  const ingress = await review(recorded('020-').body);
  t.equal(ingress.allowed, true);
  t.equal(ingress.warnings, undefined, 'team-a has its default-deny policy: no warning');
  // The recorded DELETE of allow-web, which is not a default-deny policy: allowed.
  const deletion = recorded('012-').body;
  t.equal((await review(deletion)).allowed, true);
  // The same DELETE aimed at the namespace's only default-deny egress policy: denied.
  const lastDefaultDeny = { ...deletion, request: { ...deletion.request, name: defaultDeny.metadata.name, oldObject: defaultDeny } };
  const denied = await review(lastDefaultDeny);
  t.equal(denied.allowed, false);
  t.match(denied.status.message, /\[egress-default-deny\] deleting "default-deny-egress" would remove the last default-deny egress NetworkPolicy of namespace "team-a"/);
  for (let i = 0; i < 50; i++) await review(recorded('005-').body);
  t.equal(fake.requests.length, before, `${53} reviews, 0 API requests`);
  // With a second default-deny policy in the namespace, the same DELETE is allowed.
  fake.apply({ ...defaultDeny, kind: 'NetworkPolicy', metadata: { ...defaultDeny.metadata, name: 'deny-egress-too' } });
  await until(async () => (await review(lastDefaultDeny)).allowed === true, 15_000);
  t.pass('allowed once another default-deny egress policy exists');
});

t.test('a rule reload that names a new ingress controller starts watching its namespace', async (t) => {
  const text = await readFile(path.join(rulesDir, 'ingress.yaml'), 'utf8');
  await writeFile(path.join(rulesDir, 'ingress.yaml'), text.replace('service: ingress-nginx/ingress-nginx-controller', 'service: edge/ingress-nginx-controller'));
  await until(async () => fake.requests.some((r) => r.path === '/api/v1/namespaces/edge/services' && r.watch), 15_000);
  fake.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'ingress-nginx-controller', namespace: 'edge' }, spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Cluster' } });
  await until(async () => ((await review(recorded('020-').body)).warnings ?? []).some((w: string) => w.includes('[ingress-controller-keeps-client-ip]')), 15_000);
  t.pass('the allowlisted Ingress is warned about the controller that loses client addresses');
});

t.test('every API request the webhook made is granted by the shipped RBAC, and it grants nothing it did not need', async (t) => {
  const used = fake.permissionsUsed();
  const rules = granted('webhook');
  t.same([...used].filter((p) => !rules.has(p)), [], 'nothing used that is not granted');
  t.same([...rules].filter((p) => !used.has(p)).sort(), [], 'nothing granted that was not used');
  t.ok([...rules].every((p) => /:(get|list|watch)$/.test(p)), 'read-only verbs');
});

t.test('the API server going away under load: every review answered in time, per onClusterUnavailable', async (t) => {
  await until(async () => (await get(server.url, '/readyz', ca)).status === 200, 15_000);
  const body = JSON.stringify(recorded('020-').body);
  // The client gives up after 10 s, as the API server does with the webhook's timeout: a review
  // blocked on the lost cluster would show as a failure here.
  const replies = await load(server.url, ca, 600, 4, body, async (sent) => {
    if (sent === 150) await fake.stop();
  }, { timeoutMs: 10_000 });
  const failed = replies.filter((r) => r.status !== 200 || r.allowed !== true);
  const unavailable = replies.filter((r) => (r.warnings ?? []).some((w) => w.includes('(cluster state unavailable)')));
  t.comment(`cluster API lost: ${replies.length} reviews during the fault, ${failed.length} failed, ${unavailable.length} answered by onClusterUnavailable (warn)`);
  t.same(failed, [], 'every review answered 200 and allowed (team-a has its default-deny policy; unavailable means warn)');
  t.ok(unavailable.length > 0, 'once the caches noticed, answers followed onClusterUnavailable');
  t.match(await server.metrics.registry.getSingleMetricAsString('perimeter_cluster_cache_synced'), /resource="networkpolicies"\} 0/, 'and the caches say so');
  await fake.listen();
});
