/**
 * The checks scripts/bundle.mjs runs on esbuild's metafile, given metafiles that fail them: the
 * real build passes them on every `npm test` (pretest builds), which shows only that they pass.
 */
import type { Metafile } from 'esbuild';
import t from 'tap';
import { clientLoadedAtStart, generatedClientModules, modulesOutsideBundle } from '../../scripts/bundle-checks.mjs';

type Import = Metafile['outputs'][string]['imports'][number];

/** A metafile of output files, each with the inputs it holds and what it imports. */
function metafile(outputs: Record<string, { inputs?: string[]; imports?: Import[] }>): Metafile {
  return {
    inputs: {},
    outputs: Object.fromEntries(
      Object.entries(outputs).map(([file, { inputs = [], imports = [] }]) => [
        file,
        { bytes: 0, inputs: Object.fromEntries(inputs.map((input) => [input, { bytesInOutput: 0 }])), imports, exports: [] },
      ]),
    ),
  };
}

const external = (path: string): Import => ({ path, kind: 'import-statement', external: true });
const staticImport = (path: string): Import => ({ path, kind: 'import-statement' });
const dynamicImport = (path: string): Import => ({ path, kind: 'dynamic-import' });

// [why, imports of the one output file, modules reported as outside the bundle]
const outsideRows: [string, Import[], string[]][] = [
  ['a built-in with the node: prefix', [external('node:fs')], []],
  ['a built-in without it', [external('fs'), external('child_process')], []],
  ['a built-in that exists only with the prefix', [external('node:test'), external('node:sea')], []],
  ["node-fetch's optional encoding", [external('encoding')], []],
  ['a chunk of the bundle itself', [staticImport('dist/bundle/chunk-A.js')], []],
  ['a package left outside', [external('left-pad')], ['left-pad']],
  ['a subpath of a package, next to a built-in', [external('node:path'), external('yaml/util')], ['yaml/util']],
  ['a prefix that is not a built-in', [external('node:left-pad')], ['node:left-pad']],
];

t.test('modules the bundle imports but does not contain are reported, built-ins are not', async (t) => {
  for (const [why, imports, expected] of outsideRows) {
    t.same(modulesOutsideBundle(metafile({ 'dist/bundle/perimeter.js': { imports } })), expected, why);
  }
  const twoFiles = metafile({ 'dist/bundle/perimeter.js': { imports: [external('left-pad')] }, 'dist/bundle/chunk-B.js': { imports: [external('left-pad'), external('ms')] } });
  t.same(modulesOutsideBundle(twoFiles), ['left-pad', 'ms'], 'every output file, each module once');
});

const CLIENT = 'node_modules/@kubernetes/client-node/dist/config.js';
const ENTRY = 'dist/bundle/perimeter.js';

// [why, outputs besides the entry, what the entry imports, files reported]
const startRows: [string, Record<string, { inputs?: string[]; imports?: Import[] }>, Import[], string[]][] = [
  [
    'the client only behind a dynamic import of the program',
    { 'dist/bundle/main.js': { imports: [staticImport('dist/bundle/chunk-A.js'), dynamicImport('dist/bundle/cluster.js')] }, 'dist/bundle/chunk-A.js': {}, 'dist/bundle/cluster.js': { inputs: [CLIENT] } },
    [dynamicImport('dist/bundle/main.js')],
    [],
  ],
  [
    'in a chunk the program imports statically',
    { 'dist/bundle/main.js': { imports: [staticImport('dist/bundle/chunk-A.js')] }, 'dist/bundle/chunk-A.js': { inputs: ['dist/server/app.js', CLIENT] } },
    [dynamicImport('dist/bundle/main.js')],
    ['dist/bundle/chunk-A.js'],
  ],
  [
    'two static steps away, through a cycle',
    {
      'dist/bundle/main.js': { imports: [staticImport('dist/bundle/chunk-A.js')] },
      'dist/bundle/chunk-A.js': { imports: [staticImport('dist/bundle/chunk-B.js'), staticImport('dist/bundle/main.js')] },
      'dist/bundle/chunk-B.js': { inputs: [CLIENT] },
    },
    [dynamicImport('dist/bundle/main.js')],
    ['dist/bundle/chunk-B.js'],
  ],
  [
    'in the program itself',
    { 'dist/bundle/main.js': { inputs: ['dist/cli/main.js', CLIENT] } },
    [dynamicImport('dist/bundle/main.js')],
    ['dist/bundle/main.js'],
  ],
  ['in a chunk the entry imports statically', { 'dist/bundle/chunk-A.js': { inputs: [CLIENT] } }, [staticImport('dist/bundle/chunk-A.js')], ['dist/bundle/chunk-A.js']],
  [
    'a dynamic import two steps away is not loaded at start',
    { 'dist/bundle/main.js': { imports: [staticImport('dist/bundle/chunk-A.js')] }, 'dist/bundle/chunk-A.js': { imports: [dynamicImport('dist/bundle/cluster.js')] }, 'dist/bundle/cluster.js': { inputs: [CLIENT] } },
    [dynamicImport('dist/bundle/main.js')],
    [],
  ],
];

t.test('output files loaded at start-up that hold the Kubernetes client are reported', async (t) => {
  for (const [why, outputs, entryImports, expected] of startRows) {
    t.same(clientLoadedAtStart(metafile({ [ENTRY]: { imports: entryImports }, ...outputs }), ENTRY).sort(), expected, why);
  }
});

t.test('a metafile that names an output it does not have is an error, not a pass', async (t) => {
  t.throws(() => clientLoadedAtStart(metafile({ [ENTRY]: { imports: [dynamicImport('dist/bundle/gone.js')] } }), ENTRY), /no output dist\/bundle\/gone\.js/);
});

t.test("client-node's generated APIs and models anywhere in the bundle are reported", async (t) => {
  const GEN = 'node_modules/@kubernetes/client-node/dist/gen';
  // [why, inputs of two output files, inputs reported]
  const rows: [string, string[], string[], string[]][] = [
    ['only what KubeConfig and Watch reach', [CLIENT, 'node_modules/@kubernetes/client-node/dist/watch.js'], [`${GEN}/http/http.js`], []],
    ['a model', [CLIENT, `${GEN}/models/V1Pod.js`], [], [`${GEN}/models/V1Pod.js`]],
    ['an API class, in another chunk', [CLIENT], [`${GEN}/apis/CoreV1Api.js`], [`${GEN}/apis/CoreV1Api.js`]],
  ];
  for (const [why, first, second, expected] of rows) {
    t.same(generatedClientModules(metafile({ [ENTRY]: { inputs: first }, 'dist/bundle/cluster.js': { inputs: second } })), expected, why);
  }
});
