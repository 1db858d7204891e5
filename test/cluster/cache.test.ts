/**
 * ResourceCache against a scripted client, for what the fake API server cannot stage: events that
 * arrive after their watch ended, and a watch refused before client-node's watch() returns.
 */
import t from 'tap';
import type { ApiClient } from '../../src/cluster/api.js';
import { ResourceCache } from '../../src/cluster/cache.js';
import type { KubeObject } from '../../src/engine/types.js';

type OnEvent = (type: string, object: KubeObject) => void;
type OnEnd = (error: unknown) => void;

/** A client whose list answers `items` and whose watches are handed to the test to drive. */
function scriptedClient(items: KubeObject[], refuseFirstWatch?: unknown) {
  const watches: { onEvent: OnEvent; onEnd: OnEnd; resourceVersion: unknown }[] = [];
  let lists = 0;
  const client = {
    server: 'https://scripted',
    list: async () => {
      lists++;
      return { items, resourceVersion: '10', continueToken: '' };
    },
    watch: {
      watch: async (_path: string, query: Record<string, unknown>, onEvent: OnEvent, onEnd: OnEnd) => {
        // client-node reports a refused watch through the end callback before it returns.
        if (refuseFirstWatch !== undefined && watches.length === 0) {
          watches.push({ onEvent, onEnd, resourceVersion: query.resourceVersion });
          onEnd(refuseFirstWatch);
          return new AbortController();
        }
        watches.push({ onEvent, onEnd, resourceVersion: query.resourceVersion });
        return new AbortController();
      },
    },
  };
  return { client: client as unknown as ApiClient, watches, lists: () => lists };
}

const policy = (name: string, resourceVersion: string): KubeObject => ({ metadata: { name, namespace: 'team-a', resourceVersion } });

t.test('events of a watch that has ended change nothing; the resumed watch carries on', async (t) => {
  const { client, watches } = scriptedClient([policy('a', '5')]);
  const cache = new ResourceCache('/apis/networking.k8s.io/v1/networkpolicies', client);
  await cache.start();
  t.equal(cache.state, 'synced');
  const [first] = watches;
  first!.onEnd(null);
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(watches.length, 2, 'a normal end resumes');
  t.equal(watches[1]!.resourceVersion, '10', 'from the list’s resourceVersion');
  first!.onEvent('ADDED', policy('late', '11'));
  t.same(cache.list('team-a')?.map((object) => (object.metadata as { name: string }).name), ['a'], 'the ended watch’s event is ignored');
  watches[1]!.onEvent('ADDED', policy('b', '12'));
  t.same(cache.list('team-a')?.map((object) => (object.metadata as { name: string }).name), ['a', 'b']);
  watches[1]!.onEvent('DELETED', policy('a', '13'));
  watches[1]!.onEvent('DELETED', policy('b', '14'));
  t.same(cache.list('team-a'), []);
  cache.stop();
});

t.test('a watch refused before watch() returns is a failure, not a sync', async (t) => {
  const refusal = Object.assign(new Error('Internal Server Error'), { statusCode: 500 });
  const states: string[] = [];
  const { client, lists } = scriptedClient([policy('a', '5')], refusal);
  const cache = new ResourceCache('/apis/networking.k8s.io/v1/networkpolicies', client, { onStateChange: (_cache, state) => states.push(state) }, { initialMs: 10_000, maxMs: 10_000 });
  await cache.start();
  t.equal(cache.state, 'unavailable');
  t.notOk(cache.hasSynced);
  t.same(states, ['unavailable'], 'never reported synced');
  t.equal(lists(), 1, 'no relist loop: the retry waits for the back-off');
  cache.stop();
});
