/** The notices file scripts/bundle.mjs writes beside the bundle: which packages, and what it says of each. */
import type { Metafile } from 'esbuild';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { bundledPackageDirs, thirdPartyNotices } from '../../scripts/third-party-notices.mjs';

/** A metafile whose output files hold these inputs. */
function metafile(outputs: Record<string, string[]>): Metafile {
  return {
    inputs: {},
    outputs: Object.fromEntries(Object.entries(outputs).map(([file, inputs]) => [file, { bytes: 0, inputs: Object.fromEntries(inputs.map((input) => [input, { bytesInOutput: 1 }])), imports: [], exports: [] }])),
  };
}

t.test('the packages are the directories under the last node_modules of each input, once each, sorted', async (t) => {
  const dirs = bundledPackageDirs(
    metafile({
      'dist/bundle/perimeter.js': ['dist/cli/bin.js', 'node_modules/pino/pino.js', 'node_modules/pino/lib/tools.js'],
      'dist/bundle/chunk-A.js': [
        'node_modules/@kubernetes/client-node/dist/config.js',
        'node_modules/fastify/fastify.js',
        // Nested: a version of its own, with its own licence file.
        'node_modules/fastify/node_modules/fast-uri/index.js',
        'dist/server/app.js',
      ],
    }),
  );
  t.same(dirs, ['node_modules/@kubernetes/client-node', 'node_modules/fastify', 'node_modules/fastify/node_modules/fast-uri', 'node_modules/pino']);
});

t.test('each package is named with its version and licence, followed by its licence and notice files', async (t) => {
  const root = await mkdtemp(path.join(tmpdir(), 'perimeter-notices-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const pkg = async (dir: string, manifest: object, files: Record<string, string>) => {
    await mkdir(path.join(root, dir), { recursive: true });
    await writeFile(path.join(root, dir, 'package.json'), JSON.stringify(manifest));
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(root, dir, name), text);
  };
  await pkg('node_modules/@scope/lib', { name: '@scope/lib', version: '1.2.3', license: 'Apache-2.0' }, { 'LICENSE.txt': 'Apache text\n\n', NOTICE: 'Scope notice', 'README.md': 'not a licence' });
  await pkg('node_modules/bare', { name: 'bare', version: '0.0.1' }, {});
  await pkg('node_modules/mit', { name: 'mit', version: '2.0.0', license: 'MIT' }, { 'licence.md': 'MIT text' });

  const notices = await thirdPartyNotices(root, ['node_modules/@scope/lib', 'node_modules/bare', 'node_modules/mit']);
  const sections = notices.split(`${'='.repeat(78)}\n`);
  t.equal(sections[0], "perimeter's bundle (dist/bundle) contains code from the following 3 packages.\n\n");
  t.same(sections.slice(1), [
    '@scope/lib@1.2.3 (Apache-2.0)\n\n--- LICENSE.txt\nApache text\n\n--- NOTICE\nScope notice\n\n',
    'bare@0.0.1 (no licence declared)\n\n(the package ships no licence file)\n\n',
    'mit@2.0.0 (MIT)\n\n--- licence.md\nMIT text\n',
  ]);
});
