/**
 * `npm run bench` as a process (the compiled `dist/bench/main.js`): `--only` runs some parts of
 * the bench and reports only those, `--out` puts the results where it is told, and a usage error
 * ends the bench with exit code 2 before it measures or writes anything. The one part run here
 * is the engine, quick: the others take minutes.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';

const directory = await mkdtemp(path.join(tmpdir(), 'perimeter-bench-arguments-'));
t.teardown(() => rm(directory, { recursive: true, force: true }));

/**
 * Runs the bench with `args` as `npm run bench` does: in the checkout, with INIT_CWD naming the
 * directory npm was run from (here the test's own). Its exit code and output.
 */
function bench(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [path.resolve('dist/bench/main.js'), ...args], { cwd: path.resolve('.'), env: { ...process.env, INIT_CWD: directory }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

t.test('--quick --only engine runs the engine part alone, and --out takes the results', async (t) => {
  // Relative: where npm was run from, not the checkout the bench runs in.
  const run = await bench('--quick', '--only', 'engine', '--out', 'engine.json');
  const out = path.join(directory, 'engine.json');
  t.equal(run.code, 0, run.stderr);
  t.match(run.stdout, /^perimeter bench, .* \(quick: .*\) \(only engine\)\n/, 'the heading says which part ran');
  t.match(run.stdout, /Engine, shipped rules:\n\| object/);
  for (const other of ['Webhook over HTTPS', 'Fixed rate', 'Offline audit', 'Memory']) t.notMatch(run.stdout, other, `no ${other}`);
  const results = JSON.parse(await readFile(out, 'utf8')) as Record<string, unknown>;
  t.same(results.parts, ['engine']);
  t.equal(results.quick, true);
  t.ok(Array.isArray(results.engine) && results.engine.length > 5, 'engine rows');
  for (const other of ['webhook', 'memory', 'audit']) t.notOk(other in results, `no ${other} in the results`);
  t.equal(results.report, run.stdout.trimEnd(), 'the report as printed');
});

t.test('a usage error ends the bench with exit code 2, before anything runs or is written', async (t) => {
  // Which command lines are refused, and in what words: arguments.test.ts.
  const out = path.join(directory, 'refused.json');
  const run = await bench('--out', out, '--only', 'engine,nope');
  t.equal(run.code, 2);
  t.equal(run.stderr, 'npm run bench: --only takes parts of the bench separated by commas, each one of webhook, memory, engine, audit (got "engine,nope")\nUsage: npm run bench [-- [--quick] [--only webhook,memory,engine,audit] [--out FILE]]\n');
  t.equal(run.stdout, '');
  t.notOk((await readdir(directory)).includes('refused.json'), 'no results written');
});
