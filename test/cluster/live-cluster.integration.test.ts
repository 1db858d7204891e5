/**
 * The informer-backed cluster view against the fake API server, through the real
 * @kubernetes/client-node: sync, changes seen by later admissions, watch expiry and relist, the
 * API server going away and coming back, and no API request on the admission path.
 */
import t, { type Test } from 'tap';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createApiClient, loadKubeConfig } from '../../src/cluster/api.js';
import { DEFAULT_WATCH_TIMING, ResourceCache } from '../../src/cluster/cache.js';
import { LiveCluster } from '../../src/cluster/live-view.js';
import { evaluate } from '../../src/engine/evaluate.js';
import { loadRuleDirectory } from '../../src/rules/load.js';
import { FakeApiServer } from '../../src/bench/fake-apiserver.js';
import { until } from '../helpers.js';

const ruleSet = await loadRuleDirectory('rules');
const namespace = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } } });
const defaultDeny = (ns: string, name = 'default-deny-egress') => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec: { podSelector: {}, policyTypes: ['Egress'] } });
const lb = (ns: string) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: ns },
  spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local', loadBalancerSourceRanges: ['203.0.113.0/24'], ports: [{ port: 443 }] },
});

async function setup(t: Test, log = pino({ level: 'silent' })) {
  const dir = await mkdtemp(path.join(tmpdir(), 'perimeter-cluster-'));
  const fake = await FakeApiServer.start(dir);
  fake.apply(namespace('team-a'));
  fake.apply(defaultDeny('team-a'));
  const registry = new Registry();
  const cluster = new LiveCluster(createApiClient(loadKubeConfig(await fake.writeKubeconfig())), { log, registry, backoff: { initialMs: 50, maxMs: 200 } });
  t.teardown(async () => {
    cluster.stop();
    await fake.stop();
    await rm(dir, { recursive: true, force: true });
  });
  await cluster.start(ruleSet);
  return { fake, cluster, registry };
}


const verdictFor = (cluster: LiveCluster, ns: string) => evaluate({ object: lb(ns), namespace: ns, kind: 'Service', phase: 'validate' }, ruleSet, { cluster, now: new Date() });

t.test('caches sync, and changes are seen by later admissions without any API request', async (t) => {
  const { fake, cluster } = await setup(t);
  t.ok(cluster.hasSynced, 'synced after start');
  t.equal(cluster.networkPoliciesIn('team-a')?.length, 1);
  t.equal(cluster.namespace('team-a')?.metadata && (cluster.namespace('team-a')?.metadata as { name: string }).name, 'team-a');
  t.equal(cluster.namespace('nope'), null, 'a missing namespace is null, not unknown');

  const before = fake.requests.length;
  for (let i = 0; i < 1000; i++) verdictFor(cluster, 'team-a');
  t.equal(fake.requests.length, before, '1,000 admissions made no API request');
  t.equal(verdictFor(cluster, 'team-a').verdict, 'allow');

  fake.remove('NetworkPolicy', 'team-a', 'default-deny-egress');
  await until(() => cluster.networkPoliciesIn('team-a')?.length === 0);
  t.equal(verdictFor(cluster, 'team-a').verdict, 'deny', 'a deletion is seen');
  fake.apply({ ...defaultDeny('team-a'), spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{}] } });
  await until(() => cluster.networkPoliciesIn('team-a')?.length === 1);
  t.equal(verdictFor(cluster, 'team-a').verdict, 'deny', 'an added policy that is not default-deny does not help');
  fake.apply(defaultDeny('team-a'));
  await until(() => verdictFor(cluster, 'team-a').verdict === 'allow');
  t.pass('a modification back to default-deny is seen');
});

t.test('watch expiry: a normal end re-watches; a compacted resourceVersion (410) relists', async (t) => {
  const { fake, cluster } = await setup(t);
  const lists = () => fake.requests.filter((r) => r.path === '/apis/networking.k8s.io/v1/networkpolicies' && !r.watch).length;
  const watches = () => fake.requests.filter((r) => r.path === '/apis/networking.k8s.io/v1/networkpolicies' && r.watch).length;
  const listsBefore = lists();
  const watchesBefore = watches();
  fake.endWatches();
  await until(() => watches() > watchesBefore);
  t.equal(lists(), listsBefore, 'a watch that ends normally resumes without a list');

  // In one tick, before the client can re-watch: end the watches, change something, and forget
  // the history, so resuming from the last resourceVersion can only get 410 Gone.
  fake.endWatches();
  fake.apply(defaultDeny('team-b'));
  fake.compact();
  await until(() => lists() > listsBefore && cluster.networkPoliciesIn('team-b')?.length === 1);
  t.pass('410 Gone made the cache relist, and it holds what changed meanwhile');
  t.equal(cluster.networkPoliciesIn('team-a')?.length, 1);
});

t.test('the server ends each watch after the timeoutSeconds it was sent; the cache resumes, in sync', async (t) => {
  const { fake } = await setup(t);
  const path = '/apis/networking.k8s.io/v1/networkpolicies';
  t.ok(fake.requests.filter((r) => r.path === path && r.watch).every((r) => Number(r.timeoutSeconds) >= 300 && Number(r.timeoutSeconds) < 600), 'the served caches ask for 5 to 10 minutes');
  const states: string[] = [];
  const cache = new ResourceCache(
    path,
    createApiClient(loadKubeConfig(await fake.writeKubeconfig())),
    { onStateChange: (_cache, state) => states.push(state) },
    { initialMs: 50, maxMs: 200 },
    // 2 s: past shortWatchMs (1 s), so each renewal counts as a watch that lasted.
    { ...DEFAULT_WATCH_TIMING, timeoutSeconds: () => 2 },
  );
  t.teardown(() => cache.stop());
  const ours = () => fake.requests.filter((r) => r.path === path && r.watch && r.timeoutSeconds === '2').length;
  const lists = () => fake.requests.filter((r) => r.path === path && !r.watch).length;
  await cache.start();
  const listsBefore = lists();
  await until(() => ours() >= 3);
  t.equal(lists(), listsBefore, 'each end resumed from where the last watch stopped, without a list');
  t.same(states, ['synced'], 'in sync throughout');
  fake.apply(defaultDeny('team-a', 'second'));
  await until(() => cache.list('team-a')?.length === 2);
  t.pass('a change after the renewals is seen');
});

t.test('a bookmark moves where a watch resumes', async (t) => {
  const { fake } = await setup(t);
  const path = '/apis/networking.k8s.io/v1/networkpolicies';
  const lists = () => fake.requests.filter((r) => r.path === path && !r.watch).length;
  const watches = () => fake.requests.filter((r) => r.path === path && r.watch).length;
  const [listsBefore, watchesBefore, open] = [lists(), watches(), fake.openWatches];
  // Changes the policy watch does not see move the resourceVersion past a compaction...
  fake.apply(namespace('team-b'));
  fake.compact();
  fake.apply(namespace('team-c'));
  // ...and a bookmark, sent on the stream before it ends, tells the watch.
  fake.bookmark();
  fake.endWatches();
  await until(() => watches() > watchesBefore && fake.openWatches === open);
  t.equal(lists(), listsBefore, 'no relist: the watch resumed from the bookmark');
});

t.test('a watch refused with HTTP 410 relists; refused again right after the list, the cache fails and retries', async (t) => {
  const lines: { level: number; resource?: string }[] = [];
  const { fake } = await setup(t, pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as { level: number }) }));
  const path = '/apis/networking.k8s.io/v1/networkpolicies';
  const lists = () => fake.requests.filter((r) => r.path === path && !r.watch).length;
  const states = () => lines.filter((line) => line.resource === 'networkpolicies').map((line) => (line.level >= 40 ? 'unavailable' : 'synced'));
  const [listsBefore, open] = [lists(), fake.openWatches];
  t.same(states(), ['synced']);

  fake.refuseWatches(path, 410, 1);
  fake.endWatches();
  await until(() => lists() === listsBefore + 1 && fake.openWatches === open);
  t.same(states(), ['synced'], 'an expired resume relists without becoming unavailable');

  fake.refuseWatches(path, 410, 2);
  fake.endWatches();
  await until(() => states().length === 3);
  t.same(states(), ['synced', 'unavailable', 'synced'], 'refused right after its list: unavailable, then in sync after the back-off');
  t.equal(lists(), listsBefore + 3, 'the resume relisted once, the retry once more');
});

t.test('the API server going away and coming back', async (t) => {
  const { fake, cluster, registry } = await setup(t);
  await fake.stop();
  await until(() => cluster.networkPoliciesIn('team-a') === undefined);
  const unavailable = verdictFor(cluster, 'team-a');
  t.equal(unavailable.verdict, 'warn', 'onClusterUnavailable: warn (the shipped setting)');
  t.match(unavailable.findings[0]?.message, /cannot tell whether namespace "team-a" has a default-deny egress NetworkPolicy \(cluster state unavailable\)/);
  t.match(await registry.getSingleMetricAsString('perimeter_cluster_unavailable_lookups_total'), /resource="networkpolicies"\} [1-9]/, 'counted');
  t.match(await registry.getSingleMetricAsString('perimeter_cluster_cache_synced'), /resource="networkpolicies"\} 0/);

  // While it is away the policy goes and the history is compacted: the first answer after the
  // comeback must already reflect that (a full relist), never the stale copy.
  fake.remove('NetworkPolicy', 'team-a', 'default-deny-egress');
  fake.compact();
  await fake.listen();
  await until(() => cluster.networkPoliciesIn('team-a') !== undefined, 15_000);
  t.equal(cluster.networkPoliciesIn('team-a')?.length, 0, 'trusted again only after a relist');
  t.equal(verdictFor(cluster, 'team-a').verdict, 'deny', 'back in sync, with what changed while it was away');
  t.match(await registry.getSingleMetricAsString('perimeter_cluster_cache_synced'), /resource="networkpolicies"\} 1/);
});

t.test('stopping closes every watch and is not reported as the cluster becoming unavailable', async (t) => {
  const lines: { level: number; msg: string }[] = [];
  const { fake, cluster } = await setup(t, pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) }));
  t.ok(fake.openWatches > 0);
  cluster.stop();
  await until(() => fake.openWatches === 0);
  // The aborted watches end on the client's side in later turns of the event loop.
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.same(lines.filter((line) => line.level >= 40).map((line) => line.msg), [], 'no warning');
  t.equal(cluster.networkPoliciesIn('team-a')?.length, 1, 'what was synced stays readable');
});

t.test('credentials that fail to load make the cache unavailable, not the process crash', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'perimeter-exec-'));
  const fake = await FakeApiServer.start(dir);
  const file = path.join(dir, 'exec.yaml');
  const { readFile, writeFile } = await import('node:fs/promises');
  const config = (await readFile(await fake.writeKubeconfig(), 'utf8')).replace('token: test-token', 'exec: {apiVersion: client.authentication.k8s.io/v1, command: /bin/false, interactiveMode: Never}');
  await writeFile(file, config);
  const cluster = new LiveCluster(createApiClient(loadKubeConfig(file)), { log: pino({ level: 'silent' }), registry: new Registry(), backoff: { initialMs: 20, maxMs: 50 } });
  await cluster.start(ruleSet);
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.equal(cluster.networkPoliciesIn('team-a'), undefined, 'unknown, so onClusterUnavailable applies');
  t.notOk(cluster.hasSynced);
  cluster.stop();
  await fake.stop();
  await rm(dir, { recursive: true, force: true });
});
