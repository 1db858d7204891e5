/** The built executable, as a user runs it: exit codes and output through a real process. */
import t from 'tap';
import { spawnSync } from 'node:child_process';

const run = (...args: string[]) => spawnSync(process.execPath, ['dist/bundle/perimeter.js', ...args], { encoding: 'utf8', input: '' });

t.test('perimeter check exits 1 on a bad example and 0 on a good one', async (t) => {
  const bad = run('check', '--rules', 'rules', 'examples/deny-external-ips-bad.yaml');
  t.equal(bad.status, 1, bad.stderr);
  t.match(bad.stdout, /deny\s+Service ex-external-ips\/capture\s+deny-external-ips/);
  const good = run('check', '--rules', 'rules', '-o', 'json', 'examples/deny-external-ips-good.yaml');
  t.equal(good.status, 0, good.stderr);
  t.equal(JSON.parse(good.stdout).summary.objects, 1);
});

t.test('perimeter exits 2 on an unreadable file', async (t) => {
  const missing = run('check', 'nope.yaml');
  t.equal(missing.status, 2);
  t.equal(missing.stderr, 'nope.yaml: cannot read (no such file)\n');
});
