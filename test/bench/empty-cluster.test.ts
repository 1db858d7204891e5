/**
 * The bench's empty API is enough for `perimeter serve --cluster on`: the real client-node lists
 * and watches every resource the shipped rules need, the caches sync (ready), and reviews are then
 * judged against a cluster with nothing in it, not in the cluster-unavailable mode.
 */
import t from 'tap';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmptyCluster } from '../../src/bench/empty-cluster.js';
import { startServer } from '../../src/server/serve.js';
import { loadRecordings } from '../recordings.js';
import { get, post } from '../server/client.js';

const dir = await mkdtemp(path.join(tmpdir(), 'perimeter-empty-cluster-'));
const cluster = await startEmptyCluster(dir);
const server = await startServer({ port: 0, host: '127.0.0.1', rulesDir: 'rules', devCertDir: path.join(dir, 'certs'), logLevel: 'silent', pollMs: 100, cluster: 'on', kubeconfig: cluster.kubeconfig });
const ca = await readFile(path.join(dir, 'certs', 'ca.crt'), 'utf8');
t.teardown(async () => {
  await server.close();
  await cluster.stop();
  await rm(dir, { recursive: true, force: true });
});

t.test('the caches list, watch and sync against it', async (t) => {
  const end = Date.now() + 15_000;
  while ((await get(server.url, '/readyz', ca)).status !== 200) {
    if (Date.now() > end) throw new Error('not ready within 15 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  t.ok(cluster.requests.list >= 1, `lists: ${cluster.requests.list}`);
  t.ok(cluster.requests.watch >= 1, `watches: ${cluster.requests.watch}`);
});

t.test('a review is judged against the empty cluster, not as cluster-unavailable', async (t) => {
  // An Ingress in team-a: with no NetworkPolicy listed, the namespace has no default-deny egress.
  const ingress = loadRecordings().find((r) => r.file.startsWith('020-'))!;
  const response = JSON.parse((await post(server.url, '/validate?timeout=10s', JSON.stringify(ingress.body), { ca })).body).response;
  const warnings: string[] = response.warnings ?? [];
  t.notOk(warnings.some((w) => w.includes('cluster state unavailable')), warnings.join('\n'));
  const said = [...warnings, response.status?.message ?? ''].join('\n');
  t.match(said, /egress-default-deny/);
});
