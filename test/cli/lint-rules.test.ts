import t from 'tap';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cli } from './run.js';

// The CLI runner's clock: 2026-11-21T00:00:00Z.
const RULES = `rules:
  - id: open-sources
    description: test
    check: no-open-sources
    enforcement: deny
    exclude:
      - {namespace: legacy, reason: Partner ranges being collected, owner: team-edge, expires: 2026-11-20}
      - {namespace: migrating, reason: Moving behind the gateway, expires: 2026-11-24}
      - {name: last-day, reason: Ends today, owner: team-a, expires: 2026-11-21}
      - {namespace: later, reason: Far off, owner: team-b, expires: 2026-12-11}
      - {namespace: forever, reason: Cluster component, owner: platform}
`;
const SETTINGS = `exclude:
  - {namespace: sandbox, reason: Trial cluster area, owner: platform, expires: 2026-11-01}
`;

async function rulesDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'perimeter-lint-'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

t.test('lint-rules: ended exemptions are errors, those ending soon warnings, with file:line', async (t) => {
  const dir = await rulesDir({ 'a.yaml': RULES, 'b.yaml': SETTINGS });
  const run = await cli(['lint-rules', dir]);
  t.equal(run.code, 1, 'exit 1: an ended exemption is still there');
  const a = path.join(dir, 'a.yaml');
  const b = path.join(dir, 'b.yaml');
  t.same(run.stderr.trimEnd().split('\n'), [
    `${a}:7:9: error: exemption from rule open-sources (namespace legacy) expired on 2026-11-20 and no longer applies; remove it, or renew it with a new expires date; owner: team-edge`,
    `${a}:8:9: warning: exemption from rule open-sources (namespace migrating) expires on 2026-11-24: its last day is in 3 days, then the objects it covers are judged; reason: Moving behind the gateway`,
    `${a}:9:9: warning: exemption from rule open-sources (name last-day) expires on 2026-11-21: today is its last day, then the objects it covers are judged; owner: team-a`,
    `${b}:2:5: error: exemption from every rule (namespace sandbox) expired on 2026-11-01 and no longer applies; remove it, or renew it with a new expires date; owner: platform`,
  ]);
  t.equal(run.stdout, `${dir}: 1 rules valid (mode enforce); 2 errors, 2 warnings\n`);

  const wider = await cli(['lint-rules', dir, '--expiring-within', '30']);
  t.match(wider.stderr, /namespace later\) expires on 2026-12-11: its last day is in 20 days/, 'a wider warning window');
  const asWarnings = await cli(['lint-rules', dir, '--expired', 'warning']);
  t.equal(asWarnings.code, 0, '--expired warning: reported, not failed (the chart hook)');
  t.match(asWarnings.stderr, /warning: exemption from rule open-sources \(namespace legacy\) expired on 2026-11-20/);
});

t.test('lint-rules: exemptions far from their end, or without one, are quiet', async (t) => {
  const dir = await rulesDir({ 'a.yaml': RULES.split('\n').filter((line) => !/legacy|migrating|last-day/.test(line)).join('\n') });
  const run = await cli(['lint-rules', dir]);
  t.equal(run.code, 0);
  t.equal(run.stderr, '');
  t.equal(run.stdout, `${dir}: 1 rules valid (mode enforce)\n`);
  t.equal((await cli(['lint-rules', 'rules'])).code, 0, 'the shipped rules lint clean');
});

t.test('lint-rules: flag errors', async (t) => {
  t.match((await cli(['lint-rules', 'rules', '--expiring-within', 'soon'])).stderr, /--expiring-within must be a number of days, 0 or more \(got "soon"\)/);
  t.match((await cli(['lint-rules', 'rules', '--expiring-within', ''])).stderr, /--expiring-within must be a number of days, 0 or more \(got ""\)/, 'empty is not 0');
  t.match((await cli(['lint-rules', 'rules', '--expired', 'ignore'])).stderr, /--expired must be one of: error, warning \(got "ignore"\)/);
});
