/**
 * The Dockerfile, without a Docker engine (this machine has none): linted with dockerfilelint,
 * parsed with dockerfile-ast to assert what the image must be (multi-stage, the bundled program
 * and no node_modules, Node 20 distroless runtime without a shell, numeric non-root user, port
 * 8443, no network but the npm registry), and its stages replayed on this machine: the build
 * context .dockerignore admits, the same build, assembled into the runtime layout with no
 * node_modules anywhere above it, which must then serve a review. That last part is what catches
 * a module the bundle leaves to be found at run time, or a file the image forgets.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { access, cp, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import dockerignoreModule from '@balena/dockerignore';
import { DockerfileParser, type Copy, type Instruction, type JSONInstruction } from 'dockerfile-ast';
import dockerfilelint from 'dockerfilelint';
import { FakeApiServer } from '../../src/bench/fake-apiserver.js';
import { developmentCa } from '../../src/bench/webhook.js';
import { until } from '../helpers.js';
import { get, post } from '../server/client.js';
import { spawnServe } from '../server/serve-process.js';

const run = promisify(execFile);
// CommonJS `module.exports = factory`, typed as a default export: under NodeNext the import is the function.
const dockerignore = dockerignoreModule as unknown as typeof dockerignoreModule.default;
const DOCKERFILE = await readFile('Dockerfile', 'utf8');

interface Stage {
  name: string | null;
  image: string;
  instructions: Instruction[];
}

/** The Dockerfile's stages, each with its instructions (FROM excluded). */
function stagesOf(content: string): Stage[] {
  const dockerfile = DockerfileParser.parse(content);
  const stages: Stage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const from = dockerfile.getFROMs().find((f) => f.getRange().start.line === instruction.getRange().start.line)!;
      stages.push({ name: from.getBuildStage(), image: from.getImage() ?? '', instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

const argumentsOf = (instruction: Instruction) => instruction.getArguments().map((argument) => argument.getValue());
/** A COPY's --from stage, or null when it copies from the build context. */
const copiedFrom = (copy: Instruction) => (copy as Copy).getFlags().find((flag) => flag.getName() === 'from')?.getValue() ?? null;
const exists = (file: string) => access(file).then(() => true, () => false);
const keyword = (stage: Stage, name: string) => stage.instructions.filter((instruction) => instruction.getKeyword() === name);

t.test('dockerfilelint finds nothing, and does find problems in a worse Dockerfile', async (t) => {
  t.same(dockerfilelint.run(process.cwd(), DOCKERFILE), []);
  const worse = dockerfilelint.run(process.cwd(), 'FROM node\nRUN apt-get update && apt-get install curl\nADD . /app\n');
  t.ok(worse.length >= 2, `${worse.length} issues: ${worse.map((issue) => issue.title).join('; ')}`);
});

t.test('stages: build with dev dependencies, then a shell-less Node 20 runtime with the bundle alone', async (t) => {
  const stages = stagesOf(DOCKERFILE);
  t.same(stages.map((stage) => stage.name), ['build', null]);
  const [build, runtime] = stages as [Stage, Stage];
  t.match(build.image, /^node:20[.\d]*-[a-z]+-slim$/);
  t.match(runtime.image, /^gcr\.io\/distroless\/nodejs20-debian12:nonroot$/, 'distroless Node 20: no shell, no package manager');

  // Only npm reaches the network, and only the npm registry (no curl, wget, apt, git).
  const runs = keyword(build, 'RUN').map((instruction) => instruction.getArgumentsContent() ?? '');
  for (const command of runs) {
    for (const step of command.split('&&').map((part) => part.replace(/\\\n/g, ' ').trim())) t.match(step, /^(npm (ci|run build)\b|mkdir -p )/, `allowed step: ${step}`);
  }
  t.ok(runs.some((command) => /^npm ci\b/.test(command) && !command.includes('--omit=dev')), 'the build stage installs dev dependencies');

  // The runtime needs no shell: no RUN, exec-form ENTRYPOINT and CMD.
  t.same(keyword(runtime, 'RUN'), []);
  const entrypoint = keyword(runtime, 'ENTRYPOINT')[0] as JSONInstruction | undefined;
  t.same(entrypoint?.getJSONStrings().map((s) => s.getJSONValue()), ['/nodejs/bin/node', '/app/dist/bundle/perimeter.js']);
  t.same((keyword(runtime, 'CMD')[0] as JSONInstruction | undefined)?.getJSONStrings().map((s) => s.getJSONValue()), ['serve']);
  const user = argumentsOf(keyword(runtime, 'USER')[0]!)[0] ?? '';
  t.match(user, /^\d+(:\d+)?$/, 'numeric user, so runAsNonRoot can verify it');
  t.ok(user.split(':').every((id) => Number(id) > 0), 'not root');
  t.same(keyword(runtime, 'EXPOSE').flatMap(argumentsOf), ['8443']);

  // From the build stage, the bundle alone: no sources, no compiled modules, no node_modules.
  const copies = keyword(runtime, 'COPY').map((copy) => `${argumentsOf(copy).join(' ')} from=${copiedFrom(copy) ?? 'context'}`);
  t.ok(copies.includes('/src/dist/bundle ./dist/bundle from=build'), copies.join('\n'));
  t.notOk(copies.some((copy) => copy.startsWith('src') || copy.includes('node_modules') || copy.startsWith('/src/dist ')), 'no sources, compiled modules or dependencies in the image');
});

t.test('.dockerignore admits what the Dockerfile copies from the context, and little else', async (t) => {
  const ignore = dockerignore({ ignorecase: false }).add((await readFile('.dockerignore', 'utf8')).split('\n'));
  const admitted = (file: string) => !ignore.ignores(file);
  for (const stage of stagesOf(DOCKERFILE)) {
    for (const copy of keyword(stage, 'COPY')) {
      if (copiedFrom(copy) !== null) continue;
      const sources = argumentsOf(copy).slice(0, -1);
      for (const source of sources) t.ok(admitted(source.replace(/\/$/, '')) || admitted(`${source.replace(/\/$/, '')}/x`), `${source} is in the build context`);
    }
  }
  for (const excluded of ['node_modules/fastify/package.json', 'dist/cli/bin.js', '.git/HEAD', '.tools/bin/helm', '.perimeter/tls.key', 'test/helpers.ts', 'charts/perimeter/Chart.yaml', 'coverage/x']) {
    t.notOk(admitted(excluded), `${excluded} stays out of the build context`);
  }
});

t.test('the stages replayed here give a runtime that serves a review', async (t) => {
  const work = await mkdtemp(path.join(tmpdir(), 'perimeter-image-'));
  t.teardown(() => rm(work, { recursive: true, force: true }));
  const ignoreLines = (await readFile('.dockerignore', 'utf8')).split('\n');
  const ignore = dockerignore({ ignorecase: false }).add(ignoreLines);
  // Like Docker, look inside an excluded directory when a `!` line brings back a file in it.
  const broughtBack = ignoreLines.filter((line) => line.startsWith('!')).map((line) => line.slice(1));
  const inContext = (relative: string) => relative === '' || !ignore.ignores(relative) || broughtBack.some((file) => file.startsWith(`${relative}/`));
  const context = path.join(work, 'context');
  await cp('.', context, { recursive: true, filter: (source) => inContext(path.relative('.', source)) });

  // Stage "build": its working directory holds what its COPY lines bring from the context and
  // nothing else (a file the build needs and the Dockerfile forgets fails here, as in Docker),
  // then exactly its build step (dev dependencies from this checkout).
  const [build] = stagesOf(DOCKERFILE) as [Stage, Stage];
  const buildDir = path.join(work, 'build');
  for (const copy of keyword(build, 'COPY')) {
    const [destination = '', ...sources] = argumentsOf(copy).reverse();
    for (const source of sources) {
      // Into a directory (`./`, `./scripts/`) a source keeps its name; otherwise it is the destination.
      const target = destination.endsWith('/') ? path.join(buildDir, destination, path.basename(source)) : path.join(buildDir, destination);
      await cp(path.join(context, source), target, { recursive: true });
    }
  }
  const buildStep = keyword(build, 'RUN').map((instruction) => instruction.getArgumentsContent() ?? '').find((command) => command.startsWith('npm run build'));
  t.match(buildStep, /^npm run build\b/);
  await symlink(path.resolve('node_modules'), path.join(buildDir, 'node_modules'), 'dir');
  await run('npm', ['run', 'build'], { cwd: buildDir, maxBuffer: 16 * 1024 * 1024 });

  // The runtime stage's layout: the bundle, package.json, rules, schema; no node_modules here or above.
  const app = path.join(work, 'app');
  await cp(path.join(buildDir, 'dist', 'bundle'), path.join(app, 'dist', 'bundle'), { recursive: true });
  await cp(path.join(context, 'package.json'), path.join(app, 'package.json'));
  await cp(path.join(context, 'rules'), path.join(app, 'rules'), { recursive: true });
  await cp(path.join(context, 'schema'), path.join(app, 'schema'), { recursive: true });
  for (let dir = app; dir !== path.dirname(dir); dir = path.dirname(dir)) t.notOk(await exists(path.join(dir, 'node_modules')), `no node_modules in ${dir}`);
  // The replayed build reaches node_modules through a link, so esbuild names its inputs by a longer path: the same packages all the same.
  t.equal(await readFile(path.join(app, 'dist', 'bundle', 'THIRD-PARTY-NOTICES.txt'), 'utf8'), await readFile('dist/bundle/THIRD-PARTY-NOTICES.txt', 'utf8'), "the bundled packages' licence texts are in the image");
  /** Runs the assembled image's entry point, `perimeter serve ARGS`, until it listens. */
  const serve = async (args: string[]) => {
    const { child, exited, output, url } = await spawnServe(t, { cwd: app, bin: 'dist/bundle/perimeter.js', args });
    const stop = async () => {
      child.kill('SIGTERM');
      return exited;
    };
    return { url, stderr: output.stderr, stop };
  };

  const offline = await serve(['--cluster', 'off']);
  t.match(offline.stderr, /from rules \(mode enforce\)/, 'the image finds its default rules in its working directory');
  const ca = developmentCa(app);
  const review = await readFile('examples/reviews/service-open-to-the-world.json', 'utf8');
  const answer = await post(offline.url, '/validate?timeout=10s', review, { ca });
  t.equal(answer.status, 200);
  t.match(JSON.parse(answer.body).response, { allowed: false, status: { code: 403 } });
  t.equal(await offline.stop(), 0);

  // Cluster mode loads the bundled Kubernetes client (a chunk of its own): it lists and watches
  // over TLS, and readiness waits for that.
  const fake = await FakeApiServer.start(work);
  t.teardown(() => fake.stop());
  const kubeconfig = await fake.writeKubeconfig();
  const inCluster = await serve(['--cluster', 'on', '--kubeconfig', kubeconfig]);
  await until(async () => (await get(inCluster.url, '/readyz', ca)).status === 200, 15_000);
  t.ok(fake.requests.some((request) => request.watch), 'the caches watch');
  t.equal(await inCluster.stop(), 0);

  // The other commands, each from its own chunks, with no node_modules either.
  const cli = (args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['dist/bundle/perimeter.js', ...args], { cwd: app }, (error, stdout, stderr) => {
        resolve({ status: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
      });
    });
  const audit = await cli(['audit', '--cluster', '--kubeconfig', kubeconfig, '-o', 'json']);
  t.equal(audit.status, 0, audit.stderr);
  t.equal((JSON.parse(audit.stdout) as { summary: { objects: number } }).summary.objects, 0, 'audit --cluster lists the (empty) fake API');
  const checked = await cli(['check', path.resolve('examples/deny-external-ips-bad.yaml')]);
  t.equal(checked.status, 1, checked.stderr);
  t.match(checked.stdout, /deny\s+Service ex-external-ips\/capture\s+deny-external-ips/);
  const explained = await cli(['explain', 'egress-default-deny']);
  t.equal(explained.status, 0, explained.stderr);
  t.match(explained.stdout, /egress-default-deny/);
});
