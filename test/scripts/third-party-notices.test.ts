/** The notices file scripts/bundle.mjs writes beside the bundle: which packages, and what it says of each. */
import type { Metafile } from 'esbuild';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { bundledPackages, thirdPartyNotices } from '../../scripts/third-party-notices.mjs';

/** A metafile whose output files hold these inputs. */
function metafile(outputs: Record<string, string[]>): Metafile {
  return {
    inputs: {},
    outputs: Object.fromEntries(Object.entries(outputs).map(([file, inputs]) => [file, { bytes: 0, inputs: Object.fromEntries(inputs.map((input) => [input, { bytesInOutput: 1 }])), imports: [], exports: [] }])),
  };
}

t.test('the packages are the directories under the last node_modules of each input, once each, sorted', async (t) => {
  const { packageDirs, unplaced } = bundledPackages(
    metafile({
      'dist/bundle/perimeter.js': ['dist/cli/bin.js', 'node_modules/pino/pino.js', 'node_modules/pino/lib/tools.js'],
      'dist/bundle/chunk-A.js': [
        'node_modules/@kubernetes/client-node/dist/config.js',
        'node_modules/fastify/fastify.js',
        // Nested: a version of its own, with its own licence file.
        'node_modules/fastify/node_modules/fast-uri/index.js',
        'dist/server/app.js',
        // A linked package, reached by its real path: in no node_modules, and not ours.
        '../shared-lib/index.js',
        'packages/tool/lib.js',
      ],
    }),
    'dist/',
  );
  t.same(unplaced, ['../shared-lib/index.js', 'packages/tool/lib.js'], 'inputs in no package and not the program are reported');
  t.same(packageDirs, ['node_modules/@kubernetes/client-node', 'node_modules/fastify', 'node_modules/fastify/node_modules/fast-uri', 'node_modules/pino']);
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
  await pkg('node_modules/mit', { name: 'mit', version: '2.0.0', license: 'MIT' }, { 'licence.md': 'MIT text', 'license.js': 'module.exports = 1', 'ThirdPartyNotices.txt': 'theirs' });
  // The older package.json forms; a REUSE-style LICENSES directory is not a file to read.
  await pkg('node_modules/old', { name: 'old', version: '0.1.0', license: { type: 'ISC' } }, { 'LICENSE-MIT': 'old text' });
  await mkdir(path.join(root, 'node_modules/old/LICENSES'));
  await pkg('node_modules/dual', { name: 'dual', version: '3.0.0', licenses: [{ type: 'MIT' }, 'Apache-2.0'] }, { UNLICENSE: 'dual text' });
  // npm nests a second copy of a version under a dependent it could not hoist it for: listed once.
  await pkg('node_modules/dual/node_modules/mit', { name: 'mit', version: '2.0.0', license: 'MIT' }, { 'licence.md': 'MIT text', 'ThirdPartyNotices.txt': 'theirs' });
  await pkg('node_modules/old/node_modules/bare', { name: 'bare', version: '0.0.1' }, {});
  // A copy of the same version whose files differ says something else: both are listed.
  await pkg('node_modules/bare/node_modules/dual', { name: 'dual', version: '3.0.0', licenses: [{ type: 'MIT' }, 'Apache-2.0'] }, { UNLICENSE: 'dual text, patched' });

  const notices = await thirdPartyNotices(root, ['node_modules/@scope/lib', 'node_modules/bare', 'node_modules/bare/node_modules/dual', 'node_modules/dual', 'node_modules/dual/node_modules/mit', 'node_modules/mit', 'node_modules/old', 'node_modules/old/node_modules/bare']);
  const sections = notices.text.split(`${'='.repeat(78)}\n`);
  t.equal(sections[0], "perimeter's bundle (dist/bundle) contains code from the following 6 packages.\n\n");
  t.same(sections.slice(1), [
    '@scope/lib@1.2.3 (Apache-2.0)\n\n--- LICENSE.txt\nApache text\n\n--- NOTICE\nScope notice\n\n',
    'bare@0.0.1 (no licence declared)\n\n(the package ships no licence file)\n\n',
    'dual@3.0.0 (MIT OR Apache-2.0)\n\n--- UNLICENSE\ndual text, patched\n\n',
    'dual@3.0.0 (MIT OR Apache-2.0)\n\n--- UNLICENSE\ndual text\n\n',
    'mit@2.0.0 (MIT)\n\n--- ThirdPartyNotices.txt\ntheirs\n\n--- licence.md\nMIT text\n\n',
    'old@0.1.0 (ISC)\n\n--- LICENSE-MIT\nold text\n',
  ]);
  t.same(notices.withoutFile, ['bare@0.0.1'], 'packages without a licence file are named for the build to report');
});
