/**
 * ResourceCache against a scripted client, for what the fake API server cannot stage: events that
 * arrive after their watch ended, a watch refused before client-node's watch() returns, a watch
 * request never answered, a connection that dies without a word, watches cut as they open.
 */
import t, { type Test } from 'tap';
import type { ApiClient } from '../../src/cluster/api.js';
import { ResourceCache, type WatchTiming } from '../../src/cluster/cache.js';
import { NETWORK_POLICIES_PATH } from '../../src/cluster/live-view.js';
import type { KubeObject } from '../../src/engine/types.js';
import { until } from '../helpers.js';

type OnEvent = (type: string, object: KubeObject) => void;
type OnEnd = (error: unknown) => void;

interface ScriptedWatch {
  onEvent: OnEvent;
  onEnd: OnEnd;
  resourceVersion: unknown;
  timeoutSeconds: unknown;
  /** What watch() returned to the cache. */
  request: AbortController;
}

/**
 * A client whose list answers `items` and whose watches are handed to the test to drive. With
 * `holdFirstList`, the first list answers only when the test calls `answerList`; with
 * `holdFirstWatch`, the first watch() returns only when the test calls `answer`; while
 * `refuseWhile` returns something, each watch is refused with it.
 */
function scriptedClient(items: KubeObject[], options: { holdFirstList?: boolean; holdFirstWatch?: boolean; refuseWhile?: () => unknown } = {}) {
  const watches: ScriptedWatch[] = [];
  let answer: (() => void) | undefined;
  let answerList: (() => void) | undefined;
  let lists = 0;
  const client = {
    server: 'https://scripted',
    list: async () => {
      lists++;
      if (options.holdFirstList === true && lists === 1) await new Promise<void>((resolve) => (answerList = resolve));
      return { items, resourceVersion: '10', continueToken: '' };
    },
    watch: {
      watch: async (_path: string, query: Record<string, unknown>, onEvent: OnEvent, onEnd: OnEnd) => {
        const first = watches.length === 0;
        const request = new AbortController();
        watches.push({ onEvent, onEnd, resourceVersion: query.resourceVersion, timeoutSeconds: query.timeoutSeconds, request });
        // client-node reports a refused watch through the end callback before it returns.
        const refusal = options.refuseWhile?.();
        if (refusal !== undefined) onEnd(refusal);
        if (options.holdFirstWatch === true && first) await new Promise<void>((resolve) => (answer = resolve));
        return request;
      },
    },
  };
  return { client: client as unknown as ApiClient, watches, lists: () => lists, answer: () => answer?.(), answerList: () => answerList?.() };
}

const PATH = NETWORK_POLICIES_PATH;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const tick = () => new Promise((resolve) => setImmediate(resolve));
/** Bounds far away, for tests about one of them. */
const LONG: WatchTiming = { timeoutSeconds: () => 600, deadAfterMs: 60_000, answerMs: 60_000, shortWatchMs: 60_000 };
const NO_RETRY = { initialMs: 60_000, maxMs: 60_000 };

const policy = (name: string, resourceVersion: string, namespace = 'team-a'): KubeObject => ({ metadata: { name, namespace, resourceVersion } });
/** The names of what `list` answered, in its order. */
const names = (objects: readonly KubeObject[] | undefined) => objects?.map((object) => (object.metadata as { name: string }).name);
const serverError = () => Object.assign(new Error('Internal Server Error'), { statusCode: 500 });

/** A cache over `client` that records every state it reports, in order. */
function recordingCache(client: ApiClient, backoff = NO_RETRY, timing = LONG) {
  const states: string[] = [];
  const cache = new ResourceCache(PATH, client, { onStateChange: (_cache, state) => states.push(state) }, backoff, timing);
  return { cache, states };
}

t.test('events of a watch that has ended change nothing; the resumed watch carries on', async (t) => {
  const { client, watches } = scriptedClient([policy('a', '5')]);
  const cache = new ResourceCache(PATH, client);
  await cache.start();
  t.equal(cache.state, 'synced');
  const [first] = watches;
  first!.onEnd(null);
  await tick();
  t.equal(watches.length, 2, 'a normal end resumes');
  t.equal(watches[1]!.resourceVersion, '10', 'from the list’s resourceVersion');
  first!.onEvent('ADDED', policy('late', '11'));
  t.same(names(cache.list('team-a')), ['a'], 'the ended watch’s event is ignored');
  watches[1]!.onEvent('ADDED', policy('b', '12'));
  t.same(names(cache.list('team-a')), ['a', 'b']);
  watches[1]!.onEvent('DELETED', policy('a', '13'));
  watches[1]!.onEvent('DELETED', policy('b', '14'));
  t.same(cache.list('team-a'), []);
  cache.stop();
});

t.test('list() answers the same array until its namespace changes, and a fresh one with the change', async (t) => {
  const { client, watches } = scriptedClient([policy('a', '5'), policy('x', '6', 'team-b')]);
  const cache = new ResourceCache(PATH, client);
  t.teardown(() => cache.stop());
  await cache.start();
  const first = cache.list('team-a');
  t.same(names(first), ['a']);
  t.equal(cache.list('team-a'), first, 'unchanged: the same array, not a copy per call');
  t.ok(Object.isFrozen(first), 'which no caller can change');
  watches[0]!.onEvent('ADDED', policy('y', '7', 'team-b'));
  t.equal(cache.list('team-a'), first, 'a change in another namespace leaves it');
  watches[0]!.onEvent('ADDED', policy('b', '8'));
  const second = cache.list('team-a');
  t.same(names(second), ['a', 'b'], 'an object added');
  t.same(names(first), ['a'], 'the array answered before is as it was');
  watches[0]!.onEvent('MODIFIED', { metadata: { name: 'a', namespace: 'team-a', resourceVersion: '9', labels: { changed: 'yes' } } });
  t.same(cache.list('team-a')?.map((object) => (object.metadata as { labels?: unknown }).labels), [{ changed: 'yes' }, undefined], 'an object changed');
  watches[0]!.onEvent('DELETED', policy('a', '10'));
  t.same(names(cache.list('team-a')), ['b'], 'an object deleted');
  watches[0]!.onEvent('DELETED', policy('b', '11'));
  t.same(cache.list('team-a'), [], 'all deleted');
  const none = cache.list('no-such-namespace');
  t.same(none, []);
  t.ok(Object.isFrozen(none), 'the empty answer, shared by every empty namespace, cannot be changed either');
  t.equal(cache.list('team-a'), none, 'an emptied namespace answers the same');
  watches[0]!.onEvent('ADDED', policy('c', '12'));
  t.same(names(cache.list('team-a')), ['c'], 'refilled');
  // After a relist, the list's objects.
  t.same(names(cache.list('team-b')), ['x', 'y']);
  watches[0]!.onEnd(Object.assign(new Error('Gone'), { statusCode: 410 }));
  await until(() => watches.length === 2);
  t.same(names(cache.list('team-a')), ['a'], 'after the relist, the list’s objects');
  t.same(names(cache.list('team-b')), ['x']);
});

t.test('a watch refused before watch() returns is a failure, not a sync', async (t) => {
  const refusal = serverError();
  const { client, lists } = scriptedClient([policy('a', '5')], { refuseWhile: () => refusal });
  const { cache, states } = recordingCache(client);
  await cache.start();
  t.equal(cache.state, 'unavailable');
  t.notOk(cache.hasSynced);
  t.same(states, ['unavailable'], 'never reported synced');
  t.equal(lists(), 1, 'no relist loop: the retry waits for the back-off');
  cache.stop();
});

t.test('every watch asks the server to end it after 5 to 10 minutes', async (t) => {
  const { client, watches } = scriptedClient([policy('a', '5')]);
  const cache = new ResourceCache(PATH, client);
  await cache.start();
  watches[0]!.onEnd(null);
  await tick();
  t.equal(watches.length, 2);
  for (const watch of watches) t.ok(typeof watch.timeoutSeconds === 'number' && watch.timeoutSeconds >= 300 && watch.timeoutSeconds < 600, `timeoutSeconds ${String(watch.timeoutSeconds)}`);
  cache.stop();
});

t.test('a watch still open well past its timeoutSeconds is taken for dead, and the cache starts over', async (t) => {
  const states: string[] = [];
  let abortedWhenFailed: boolean | undefined;
  const { client, watches, lists } = scriptedClient([policy('a', '5')]);
  const timing: WatchTiming = { ...LONG, timeoutSeconds: () => 0, deadAfterMs: 30 };
  const onStateChange = (_cache: ResourceCache, state: string, error?: unknown) => {
    states.push(`${state}${error instanceof Error ? `: ${error.message}` : ''}`);
    if (state === 'unavailable') abortedWhenFailed = watches[0]!.request.signal.aborted;
  };
  const cache = new ResourceCache(PATH, client, { onStateChange }, { initialMs: 40, maxMs: 40 }, timing);
  await cache.start();
  t.same(states, ['synced']);
  await until(() => states.length === 3);
  t.match(states[1], /^unavailable: the watch of \/apis\/networking.k8s.io\/v1\/networkpolicies is still open 0 s after it began/);
  t.ok(watches[0]!.request.signal.aborted, 'the silent watch is aborted');
  t.equal(abortedWhenFailed, true, 'as it is given up, not only by the next start');
  t.equal(states[2], 'synced', 'after the back-off, in sync again');
  t.equal(lists(), 2, 'by a full relist: what was missed while it was silent is unknown');
  cache.stop();
});

t.test('a watch the server never answers fails the start; its late answer is aborted', async (t) => {
  const { client, watches, answer } = scriptedClient([policy('a', '5')], { holdFirstWatch: true });
  const cache = new ResourceCache(PATH, client, {}, NO_RETRY, { ...LONG, answerMs: 30 });
  const started = cache.start();
  await until(() => cache.state === 'unavailable');
  t.notOk(cache.hasSynced, 'never reported synced');
  answer();
  await started;
  t.ok(watches[0]!.request.signal.aborted, 'the answer that came too late is aborted');
  t.equal(cache.state, 'unavailable');
  cache.stop();
});

t.test('stop() during the list: what it answers is not kept, and no watch opens', async (t) => {
  const { client, watches, lists, answerList } = scriptedClient([policy('a', '5')], { holdFirstList: true });
  const { cache, states } = recordingCache(client);
  const started = cache.start();
  await until(() => lists() === 1);
  cache.stop();
  answerList();
  await started;
  t.equal(watches.length, 0, 'no watch');
  t.same(states, [], 'no state reported: stopping is not a failure');
  t.equal(cache.state, 'starting');
  t.notOk(cache.hasSynced);
  t.equal(cache.list('team-a'), undefined, 'nothing to read');
});

t.test('stop() while a watch is being opened: the watch is aborted when it returns', async (t) => {
  const { client, watches, answer } = scriptedClient([policy('a', '5')], { holdFirstWatch: true });
  const { cache, states } = recordingCache(client);
  const started = cache.start();
  await until(() => watches.length === 1);
  cache.stop();
  answer();
  await started;
  t.ok(watches[0]!.request.signal.aborted);
  t.same(states, [], 'never reported synced');
  t.notOk(cache.hasSynced);
});

t.test('stop() with a watch open: it is aborted, its later events and end change nothing, the copy stays as it was', async (t) => {
  const { client, watches, lists } = scriptedClient([policy('a', '5')]);
  const { cache, states } = recordingCache(client);
  await cache.start();
  cache.stop();
  t.ok(watches[0]!.request.signal.aborted, 'aborted');
  watches[0]!.onEvent('ADDED', policy('late', '11'));
  watches[0]!.onEnd(serverError());
  await tick();
  t.same(states, ['synced'], 'neither unavailable nor anything else after the stop');
  t.same(names(cache.list('team-a')), ['a'], 'the late event is not kept');
  t.equal(watches.length, 1, 'no resume');
  t.equal(lists(), 1, 'no relist');
});

t.test('stop() cancels a retry that was waiting', async (t) => {
  const { client, lists } = scriptedClient([policy('a', '5')], { refuseWhile: () => serverError() });
  const { cache, states } = recordingCache(client, { initialMs: 10, maxMs: 10 });
  await cache.start();
  t.same(states, ['unavailable']);
  cache.stop();
  await sleep(60);
  t.equal(lists(), 1, 'no second start after the back-off');
});

t.test('watches that end as they open resume at once, then after a delay', async (t) => {
  const { client, watches, lists } = scriptedClient([policy('a', '5')]);
  // The delay is 200 to 400 ms (jitter): long enough that a stalled machine does not pass it
  // between the end and the check below.
  const cache = new ResourceCache(PATH, client, {}, { initialMs: 400, maxMs: 400 }, { ...LONG, shortWatchMs: 60_000 });
  await cache.start();
  watches[0]!.onEnd(null);
  await tick();
  t.equal(watches.length, 2, 'the first resumes at once');
  watches[1]!.onEnd(null);
  await tick();
  t.equal(watches.length, 2, 'the second in a row waits');
  await until(() => watches.length === 3);
  t.pass('and then resumes');
  // A watch that delivered something lasted, whatever its time: the next end resumes at once.
  watches[2]!.onEvent('ADDED', policy('b', '11'));
  watches[2]!.onEnd(null);
  await tick();
  t.equal(watches.length, 4, 'after a watch that delivered, at once again');
  t.equal(watches[3]!.resourceVersion, '11');
  t.equal(cache.state, 'synced', 'in sync throughout: nothing failed');
  t.equal(lists(), 1, 'resumed, never relisted');
  cache.stop();
});

t.test('a watch that stays open long enough counts as lasting, events or not', async (t) => {
  const { client, watches } = scriptedClient([policy('a', '5')]);
  const cache = new ResourceCache(PATH, client, {}, NO_RETRY, { ...LONG, shortWatchMs: 20 });
  await cache.start();
  for (let i = 0; i < 3; i++) {
    await sleep(40);
    watches[i]!.onEnd(null);
    await tick();
    t.equal(watches.length, i + 2, `end ${i + 1} resumes at once`);
  }
  cache.stop();
});

t.test('a watch expired (ERROR 410) right after its list is a failure with back-off; after a resume, a relist', async (t) => {
  const { client, watches, lists } = scriptedClient([policy('a', '5')]);
  const { cache, states } = recordingCache(client);
  await cache.start();
  const expired = { kind: 'Status', code: 410, reason: 'Expired' } as unknown as KubeObject;
  // After a resume: the history moved on, so a relist, in sync throughout.
  watches[0]!.onEvent('ADDED', policy('b', '11'));
  watches[0]!.onEnd(null);
  await tick();
  watches[1]!.onEvent('ERROR', expired);
  watches[1]!.onEnd(null);
  await until(() => watches.length === 3);
  t.equal(lists(), 2, 'relisted once');
  t.same(states, ['synced']);
  // Right after that list: relisting again at once would loop against the API server.
  watches[2]!.onEvent('ERROR', expired);
  watches[2]!.onEnd(null);
  await tick();
  t.same(states, ['synced', 'unavailable'], 'a failure');
  t.equal(lists(), 2, 'no relist until the back-off');
  cache.stop();
});

t.test('the bounds of a watch that answered and ended are cleared', async (t) => {
  const { client, watches } = scriptedClient([policy('a', '5')]);
  // The first watch would be taken for dead after 60 ms, the rest after 10 minutes; the answer
  // is due within 60 ms.
  const timeouts = [0];
  const { cache, states } = recordingCache(client, NO_RETRY, {
    ...LONG,
    timeoutSeconds: () => timeouts.shift() ?? 600,
    deadAfterMs: 60,
    answerMs: 60,
  });
  await cache.start();
  watches[0]!.onEvent('ADDED', policy('b', '11'));
  watches[0]!.onEnd(null);
  await tick();
  t.equal(watches.length, 2, 'resumed');
  await sleep(200);
  t.same(states, ['synced'], 'neither the ended watch’s deadline nor an answered request’s limit fired');
  cache.stop();
});

t.test('a watch expired (ERROR 410) after it delivered relists, in sync', async (t) => {
  const { client, watches, lists } = scriptedClient([policy('a', '5')]);
  const { cache, states } = recordingCache(client);
  await cache.start();
  // The first watch after the list runs a while, then its resourceVersion is compacted away.
  watches[0]!.onEvent('ADDED', policy('b', '11'));
  watches[0]!.onEvent('ERROR', { kind: 'Status', code: 410 } as unknown as KubeObject);
  watches[0]!.onEnd(null);
  await until(() => watches.length === 2);
  t.equal(lists(), 2, 'relisted');
  t.same(states, ['synced'], 'never unavailable: the list after it was not the one that expired');
  cache.stop();
});

/**
 * Every wait shorter than a minute is recorded instead of scheduled, and run when the test calls
 * `next`; jitter at its top (x1). Restored when the test ends.
 */
function recordedWaits(t: Test) {
  const waits: { ms: number; run: () => void }[] = [];
  const realSetTimeout = globalThis.setTimeout;
  const realRandom = Math.random;
  globalThis.setTimeout = ((run: () => void, ms: number) => {
    if (ms >= 60_000) return realSetTimeout(run, ms);
    waits.push({ ms, run });
    return { unref: () => undefined };
  }) as unknown as typeof setTimeout;
  Math.random = () => 1;
  t.teardown(() => {
    globalThis.setTimeout = realSetTimeout;
    Math.random = realRandom;
  });
  /** Runs the first recorded wait and lets what it started settle; returns its length. */
  const next = async () => {
    const wait = waits.shift();
    wait?.run();
    for (let i = 0; i < 5; i++) await tick();
    return wait?.ms;
  };
  return { waits, next };
}

t.test('the waits: doubling from initialMs up to maxMs, counted afresh after a watch that lasted and after a fresh start', async (t) => {
  const { waits, next } = recordedWaits(t);
  let refusal: unknown = serverError();
  const { client, watches } = scriptedClient([policy('a', '5')], { refuseWhile: () => refusal });
  const cache = new ResourceCache(PATH, client, {}, { initialMs: 100, maxMs: 400 }, LONG);
  t.teardown(() => cache.stop());
  await cache.start();
  const retries = [await next(), await next(), await next()];
  t.same(retries, [100, 200, 400], 'retries after failures: 100, 200, 400');
  t.equal(waits[0]?.ms, 400, 'then no longer than maxMs');
  refusal = undefined;
  await next();
  t.equal(cache.state, 'synced');
  // A watch that fails as it opens is no success: the waits go on growing, not from initialMs.
  watches.at(-1)!.onEnd(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
  t.equal(waits[0]?.ms, 400, 'a watch that failed as it opened: still maxMs');
  await next();
  t.equal(cache.state, 'synced');
  watches.at(-1)!.onEvent('ADDED', policy('b', '6'));
  watches.at(-1)!.onEnd(serverError());
  t.equal(waits[0]?.ms, 100, 'after a success, from initialMs again');
  await next();
  t.equal(cache.state, 'synced');
  // Watches cut as they open, in a row: the first resumes at once, then 100, 200.
  watches.at(-1)!.onEnd(null);
  await tick();
  t.equal(waits.length, 0, 'the first at once');
  watches.at(-1)!.onEnd(null);
  t.equal(waits[0]?.ms, 100);
  await next();
  watches.at(-1)!.onEnd(null);
  t.equal(waits[0]?.ms, 200);
  await next();
  // A failure and a fresh start: the count of cut watches starts again.
  watches.at(-1)!.onEnd(serverError());
  await next();
  t.equal(cache.state, 'synced');
  watches.at(-1)!.onEnd(null);
  await tick();
  watches.at(-1)!.onEnd(null);
  t.equal(waits[0]?.ms, 100, 'after a fresh start, cut watches wait from initialMs again');
});

t.test('a watch taken for dead after its whole term lasted: the retry after it waits from initialMs', async (t) => {
  const { waits, next } = recordedWaits(t);
  let refusal: unknown = serverError();
  const { client, watches } = scriptedClient([policy('a', '5')], { refuseWhile: () => refusal });
  // Taken for dead 50 ms after it opens (a wait the test runs); retries 100, 200, 400.
  const cache = new ResourceCache(PATH, client, {}, { initialMs: 100, maxMs: 400 }, { ...LONG, timeoutSeconds: () => 0, deadAfterMs: 50 });
  t.teardown(() => cache.stop());
  await cache.start();
  t.same([await next(), await next(), await next()], [100, 200, 400], 'failures first: the waits grow to maxMs');
  refusal = undefined;
  await next();
  t.equal(cache.state, 'synced');
  t.same(
    waits.map((wait) => wait.ms),
    [50],
    'only the open watch’s deadline is pending',
  );
  await next();
  t.equal(cache.state, 'unavailable', 'the silent watch is given up');
  t.ok(watches.at(-1)!.request.signal.aborted);
  t.same(
    waits.map((wait) => wait.ms),
    [100],
    'and the retry waits initialMs: the watch lasted, so the failures before it no longer count',
  );
  await next();
  t.equal(cache.state, 'synced');
});
