/**
 * The npm package, as someone installs it: `npm pack` of this checkout (the files package.json
 * names), installed into an empty project. The bundle carries every dependency, so installing it
 * must add nothing else, and the installed command must find its shipped rules on its own.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

t.test('the packed package installs alone and checks with its shipped rules', async (t) => {
  // The real path: the installed command reports its rules directory by it (macOS's /var is a link).
  const work = await realpath(await mkdtemp(path.join(tmpdir(), 'perimeter-package-')));
  t.teardown(() => rm(work, { recursive: true, force: true }));
  // --ignore-scripts: prepack would rebuild dist/ under the tests running beside this one; pretest built it.
  const packed = await exec('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { maxBuffer: 16 * 1024 * 1024 });
  const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];

  // A project with no rules directory of its own, so the command must fall back to the shipped ones.
  const project = path.join(work, 'project');
  await mkdir(project);
  await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  // --offline: a dependency the package declared would come from npm's cache, and show up below.
  await exec('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', path.join(work, filename)], { cwd: project });
  const installed = (await readdir(path.join(project, 'node_modules'))).filter((entry) => !entry.startsWith('.'));
  t.same(installed, ['perimeter'], 'installing perimeter adds no other package');
  // npm skips an optional dependency it has not cached, and peers under legacy-peer-deps: read what the package declares too.
  const manifest = JSON.parse(await readFile(path.join(project, 'node_modules', 'perimeter', 'package.json'), 'utf8')) as Record<string, unknown>;
  for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies', 'bundleDependencies']) t.equal(manifest[field], undefined, `the package declares no ${field}`);

  const bin = path.join(project, 'node_modules', '.bin', 'perimeter');
  const checked = await exec(bin, ['check', path.resolve('examples/deny-external-ips-bad.yaml')], { cwd: project }).catch((error: { code: number; stdout: string; stderr: string }) => error);
  t.equal('code' in checked ? checked.code : 0, 1, checked.stderr);
  t.match(checked.stdout, /deny\s+Service ex-external-ips\/capture\s+deny-external-ips/);
  const linted = await exec(bin, ['lint-rules'], { cwd: project });
  t.ok(linted.stdout.startsWith(`${path.join(project, 'node_modules', 'perimeter', 'rules')}: `), 'the shipped rules are found inside the package');
  t.match(linted.stdout, /: \d+ rules valid/);
  t.ok((await readdir(path.join(project, 'node_modules', 'perimeter', 'schema'))).includes('rules.schema.json'), 'the schema the shipped rules point at is packed');

  // The bundle holds fastify's code, so its licence text travels with it.
  const notices = await readFile(path.join(project, 'node_modules', 'perimeter', 'dist', 'bundle', 'THIRD-PARTY-NOTICES.txt'), 'utf8');
  const fastify = JSON.parse(await readFile('node_modules/fastify/package.json', 'utf8')) as { version: string };
  t.ok(notices.includes(`fastify@${fastify.version} (MIT)\n\n--- LICENSE\n${(await readFile('node_modules/fastify/LICENSE', 'utf8')).trimEnd()}\n`), 'the notices carry the bundled packages\' licence texts');
});
