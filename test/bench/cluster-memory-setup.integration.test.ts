/**
 * The bench's cluster-mode setup, the fake API with nothing in it and the server started as the
 * bench starts it (`startPerimeter`: the bundle, its V8 settings, `--cluster on`), is enough for
 * `perimeter serve`: the caches list and watch every resource the shipped rules
 * need and sync (ready), and reviews are then judged against a cluster with nothing in it, not in
 * the cluster-unavailable mode.
 */
import t from 'tap';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AdmissionResponse } from '../../src/admission/review.js';
import { FakeApiServer } from '../../src/bench/fake-apiserver.js';
import { developmentCa, startPerimeter, waitUntilReady } from '../../src/bench/webhook.js';
import { loadRecordings } from '../recordings.js';
import { post } from '../server/client.js';

const dir = await mkdtemp(path.join(tmpdir(), 'perimeter-empty-cluster-'));
const cluster = await FakeApiServer.start(dir);
t.teardown(async () => {
  await cluster.stop();
  await rm(dir, { recursive: true, force: true });
});
// As the bench runs it: in its work directory, where serve writes its development certificate.
const server = await startPerimeter(dir, path.resolve('rules'), path.resolve('dist'), await cluster.writeKubeconfig());
t.teardown(() => server.stop());
const ca = developmentCa(dir);

// Every test here needs the caches synced: readiness says they are (the bench waits the same way).
await waitUntilReady(server.url, ca);

t.test('the caches list and watch it', async (t) => {
  const watches = cluster.requests.filter((request) => request.watch).length;
  const lists = cluster.requests.length - watches;
  t.ok(lists >= 1, `lists: ${lists}`);
  t.equal(watches, lists, 'every cache that listed is watching');
});

t.test('a review is judged against the empty cluster, not as cluster-unavailable', async (t) => {
  // An Ingress in team-a: with no NetworkPolicy listed, the namespace has no default-deny egress.
  const ingress = loadRecordings().find((recording) => recording.file.startsWith('020-'));
  if (ingress === undefined) throw new Error('recording 020- is missing');
  const reply = await post(server.url, '/validate?timeout=10s', JSON.stringify(ingress.body), { ca });
  const { response } = JSON.parse(reply.body) as { response: AdmissionResponse };
  const said = [...(response.warnings ?? []), response.status?.message ?? ''].join('\n');
  t.notMatch(said, /cluster state unavailable/);
  t.match(said, /\[egress-default-deny\] namespace "team-a" has no default-deny egress NetworkPolicy/);
});
