/**
 * The audit benchmark's run: the bundled `perimeter check` on generated input, timed and measured
 * by the reporter it loads, with the verdict it reached.
 */
import t from 'tap';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCheck, writeInputs } from '../../src/bench/audit.js';

t.test('runCheck reports the time, peak RSS and exit code of the bundled check', async (t) => {
  const directory = await mkdtemp(path.join(tmpdir(), 'perimeter-audit-run-'));
  t.teardown(() => rm(directory, { recursive: true, force: true }));
  const inputs = await writeInputs(directory, 200);
  for (const format of ['json', 'yaml'] as const) {
    const run = await runCheck(path.resolve('dist'), path.resolve('rules'), inputs[format], format, 200, inputs.sizes[format]);
    t.equal(run.format, format);
    t.equal(run.exitCode, 1, 'the generated objects include denied ones');
    t.ok(run.seconds > 0 && run.objectsPerSecond === 200 / run.seconds, `${run.seconds} s`);
    t.ok(run.peakRssMiB > 20, `${run.peakRssMiB} MiB: a whole Node process`);
  }
});

t.test('runCheck fails when the command does not report', async (t) => {
  await t.rejects(runCheck(path.resolve('test'), path.resolve('rules'), 'missing.json', 'json', 1, 1), /check did not report/);
});
