/**
 * The audit benchmark's run: the bundled `perimeter check` on generated input, with the time,
 * peak RSS and exit code the reporter it loads wrote as the process ended; a failing check is an
 * error, never a timing.
 */
import t from 'tap';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
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
