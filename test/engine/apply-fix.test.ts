/** A fix applied by the engine equals fast-json-patch's result on a copy, and never touches the input. */
import t from 'tap';
import fastJsonPatch from 'fast-json-patch';
import { applyFix } from '../../src/engine/apply-fix.js';
import type { KubeObject, PatchOperation } from '../../src/engine/types.js';

const base = (): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', annotations: { 'a/b': 'x', 'c~d': 'y' }, managedFields: [{ manager: 'kubectl', fieldsV1: { 'f:spec': {} } }] },
  spec: { type: 'LoadBalancer', ports: [{ port: 443 }, { port: 80 }], externalTrafficPolicy: 'Cluster' },
});

// [why, operations, applies]
const rows: [string, PatchOperation[], boolean][] = [
  ['replace a field', [{ op: 'replace', path: '/spec/externalTrafficPolicy', value: 'Local' }], true],
  ['add a list', [{ op: 'add', path: '/spec/loadBalancerSourceRanges', value: ['10.0.0.0/8'] }], true],
  ['add then append to it', [{ op: 'add', path: '/spec/loadBalancerSourceRanges', value: ['10.0.0.0/8'] }, { op: 'add', path: '/spec/loadBalancerSourceRanges/-', value: '192.0.2.0/24' }], true],
  ['remove an array item', [{ op: 'remove', path: '/spec/ports/0' }], true],
  ['replace inside an array item', [{ op: 'replace', path: '/spec/ports/1/port', value: 8080 }], true],
  ['escaped keys (~1 and ~0)', [{ op: 'replace', path: '/metadata/annotations/a~1b', value: 'z' }, { op: 'remove', path: '/metadata/annotations/c~0d' }], true],
  ['add a whole new object', [{ op: 'add', path: '/status', value: { loadBalancer: {} } }], true],
  ['test that holds', [{ op: 'test', path: '/spec/type', value: 'LoadBalancer' }, { op: 'replace', path: '/spec/type', value: 'ClusterIP' }], true],
  ['move and copy', [{ op: 'copy', from: '/spec/ports/0', path: '/spec/ports/-' }, { op: 'move', from: '/metadata/annotations/a~1b', path: '/metadata/annotations/moved' }], true],
  ['a path that does not resolve', [{ op: 'replace', path: '/nope/x', value: 1 }], false],
  ['replacing what is not there', [{ op: 'replace', path: '/spec/missing', value: 1 }], false],
  ['test that fails', [{ op: 'test', path: '/spec/type', value: 'NodePort' }], false],
  ['__proto__ in the path', [{ op: 'add', path: '/__proto__/polluted', value: true }], false],
  ['an index past the end', [{ op: 'add', path: '/spec/ports/5', value: {} }], false],
];

t.test('applyFix: the same result as fast-json-patch on a deep copy, the input untouched, refusals as undefined', async (t) => {
  for (const [why, operations, applies] of rows) {
    const object = base();
    const before = structuredClone(object);
    const result = applyFix(object, operations);
    t.same(object, before, `${why}: input unchanged`);
    if (!applies) {
      t.equal(result, undefined, `${why}: refused`);
      continue;
    }
    const expected = fastJsonPatch.applyPatch(structuredClone(before), structuredClone(operations), true, true).newDocument;
    t.same(result, expected, `${why}: applied as fast-json-patch applies it`);
  }
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype was touched');
});

t.test('applyFix: a value from the fix is copied, so later patches never write into the check\'s data', async (t) => {
  const ranges = ['10.0.0.0/8'];
  const result = applyFix(base(), [{ op: 'add', path: '/spec/loadBalancerSourceRanges', value: ranges }, { op: 'add', path: '/spec/loadBalancerSourceRanges/-', value: '192.0.2.0/24' }]);
  t.same((result?.spec as { loadBalancerSourceRanges: string[] }).loadBalancerSourceRanges, ['10.0.0.0/8', '192.0.2.0/24']);
  t.same(ranges, ['10.0.0.0/8']);
});

t.test('applyFix: what the fix does not touch is shared with the input, not copied', async (t) => {
  const object = base();
  const result = applyFix(object, [{ op: 'replace', path: '/spec/externalTrafficPolicy', value: 'Local' }])!;
  t.not(result.spec, object.spec, 'the patched branch is a copy');
  t.equal(result.metadata, object.metadata, 'untouched branches are the same objects');
});
