/**
 * The audit benchmark's run: the bundled `perimeter check` on generated input, with the time,
 * peak RSS and exit code the reporter it loads wrote as the process ended; a failing check is an
 * error, never a timing.
 */
import t from 'tap';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCheck, writeInputs } from '../../src/bench/audit.js';

const directory = await mkdtemp(path.join(tmpdir(), 'perimeter-audit-run-'));
t.teardown(() => rm(directory, { recursive: true, force: true }));

t.test('runCheck reports the time, peak RSS and exit code of the bundled check', async (t) => {
  const inputs = await writeInputs(directory, 200);
  for (const format of ['json', 'yaml'] as const) {
    const run = await runCheck(path.resolve('dist'), path.resolve('rules'), inputs[format], format, 200, inputs.sizes[format]);
    t.equal(run.exitCode, 1, `${format}: the generated objects include world-open Services, so check exits 1`);
    t.ok(run.seconds > 0, `${run.seconds} s`);
    t.ok(run.peakRssMiB > 20, `${run.peakRssMiB} MiB: a whole Node process`);
  }
});

t.test('a check that fails is an error, not a timing', async (t) => {
  const broken = path.join(directory, 'broken.yaml');
  await writeFile(broken, 'kind: [unclosed\n');
  await t.rejects(runCheck(path.resolve('dist'), path.resolve('rules'), broken, 'yaml', 1, 1), /check failed \(exit 2\): .*broken\.yaml/s);
  await t.rejects(runCheck(path.resolve('test'), path.resolve('rules'), broken, 'yaml', 1, 1), /check did not report/, 'without the reporter');
});

t.test('either sign of trouble alone fails the run: a word on stderr, or an exit other than 0 and 1', async (t) => {
  // A program in place of the bundle, run with the real reporter: it says one thing and exits.
  const program = async (name: string, source: string) => {
    const dist = path.join(directory, name);
    await mkdir(path.join(dist, 'bundle'), { recursive: true });
    await mkdir(path.join(dist, 'bench'), { recursive: true });
    await copyFile(path.resolve('dist/bench/report-on-exit.js'), path.join(dist, 'bench/report-on-exit.js'));
    await writeFile(path.join(dist, 'bundle/perimeter.js'), source);
    return dist;
  };
  const input = path.join(directory, 'input.json');
  await writeFile(input, '{"kind":"List","items":[]}');
  const warns = await program('warns', "process.stderr.write('a warning\\n');\n");
  await t.rejects(runCheck(warns, path.resolve('rules'), input, 'json', 1, 1), /check failed \(exit 0\): a warning/, 'exit 0 with a word on stderr');
  const exits = await program('exits', 'process.exitCode = 3;\n');
  await t.rejects(runCheck(exits, path.resolve('rules'), input, 'json', 1, 1), /check failed \(exit 3\)/, 'exit 3 in silence');
  const passes = await program('passes', '');
  t.equal((await runCheck(passes, path.resolve('rules'), input, 'json', 1, 1)).exitCode, 0, 'and exit 0 in silence is a timing');
});
