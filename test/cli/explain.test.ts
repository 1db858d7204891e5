import t from 'tap';
import path from 'node:path';
import { CHECKS } from '../../src/checks/index.js';
import { cli } from './run.js';

// The in-process runner's clock is 2026-11-21.
const LB_RULES = `rules:
  - id: lb-sources
    description: Load balancers admit only campus networks.
    check: no-open-sources
    enforcement: warn
    params:
      minPrefixLengthV4: 16
    exclude:
      - namespace: legacy-*
        reason: Partner VPN ranges being collected.
        expires: 2026-01-31
      - name: partner-gateway
        reason: Partner gateway until the migration.
        expires: 2027-03-31
`;

t.test('a rule of the shipped set: its settings, then its check reference', async (t) => {
  const run = await cli(['explain', 'no-open-sources', '--rules', 'rules']);
  t.equal(run.code, 0);
  t.equal(run.stderr, '');
  t.match(run.stdout, /^Rule no-open-sources\n {2}No allowlist may admit the whole internet/);
  t.match(run.stdout, /\n {2}defined at: +rules\/ingress\.yaml:\d+:\d+\n {2}check: +no-open-sources\n {2}enforcement: +deny\n {2}mutate: +false\n/);
  t.match(run.stdout, /\n {4}minPrefixLengthV4: 8\n {4}minPrefixLengthV6: 32\n/, 'parameters equal to the defaults, unmarked');
  t.match(run.stdout, /of every rule of the set:\n {4}- namespace kube-system \(rules\/perimeter\.yaml:\d+:\d+\)\n {8}Cluster components/);
  t.match(run.stdout, /\nCheck no-open-sources \(Service, Ingress, NetworkPolicy\)\n/);
  t.match(run.stdout, /perimeter reports:\n {4}deny: spec\.loadBalancerSourceRanges\[0\]: "::ffff:0:0\/96" \(0\.0\.0\.0\/0\)/, 'the example and what the engine says');
});

t.test('a parameter set differently from the default is marked, with the default', async (t) => {
  const run = await cli(['explain', 'ingress-controller-keeps-client-ip', '--rules', 'rules']);
  t.equal(run.code, 0);
  t.match(run.stdout, /\n {2}\* controllers:\n(.*\n)*? {6}- ingressClass: nginx-bad\n/);
  t.match(run.stdout, /\n {6}\(default: \[\{ingressClass: nginx, service: ingress-nginx\/ingress-nginx-controller, default:/);
  t.match(run.stdout, /\n {4}onClusterUnavailable: warn\n/, 'an unchanged one is not marked');
  t.match(run.stdout, /\n {2}enforcement: +warn\n/);
});

t.test('a rule of another set: marked parameter, its own exemptions, an expired one flagged', async (t) => {
  const dir = t.testdir({ 'lb.yaml': LB_RULES });
  const run = await cli(['explain', 'lb-sources', '--rules', dir]);
  t.equal(run.code, 0, run.stderr);
  t.match(run.stdout, `defined at:   ${path.join(dir, 'lb.yaml')}:2:5\n`);
  t.match(run.stdout, /\n {2}\* minPrefixLengthV4: 16\n {6}\(default: 8\)\n {4}minPrefixLengthV6: 32\n/);
  t.match(run.stdout, /of this rule:\n {4}- namespace legacy-\* \(.*lb\.yaml:\d+:\d+; EXPIRED 2026-01-31, no longer applies\)\n {8}Partner VPN ranges/);
  t.match(run.stdout, /\n {4}- name partner-gateway \(.*; expires 2027-03-31\)\n/);
  t.match(run.stdout, /of every rule of the set: none\n/);
});

t.test('the set mode beside the rule, and an exemption owner, as written', async (t) => {
  const dir = t.testdir({
    'lb.yaml': LB_RULES,
    'settings.yaml': 'mode: audit\nexclude:\n  - namespace: edge\n    reason: Edge proxies keep their own allowlists.\n    owner: team-edge\n',
  });
  const run = await cli(['explain', 'lb-sources', '--rules', dir]);
  t.equal(run.code, 0, run.stderr);
  t.match(run.stdout, /\n {2}set mode: +audit \(dry run: nothing is denied or patched\)\n/);
  t.match(run.stdout, /of every rule of the set:\n {4}- namespace edge \(.*settings\.yaml:\d+:\d+; owner team-edge\)\n {8}Edge proxies/);
  const enforced = await cli(['explain', 'no-open-sources', '--rules', 'rules']);
  t.match(enforced.stdout, /\n {2}set mode: +enforce\n/);
});

t.test('a check id that no rule has: its reference and the rules that use it', async (t) => {
  const dir = t.testdir({ 'lb.yaml': LB_RULES });
  const unused = await cli(['explain', 'deny-external-ips', '--rules', dir]);
  t.equal(unused.code, 0);
  t.match(unused.stdout, `No rule in ${dir} uses check deny-external-ips.\n\nCheck deny-external-ips (Service)\n`);
  t.match(unused.stdout, /\n {2}allowedCidrs \(list of strings; default \[\]\)\n/);

  const used = await cli(['explain', 'no-open-sources', '--rules', dir]);
  t.equal(used.code, 0);
  t.match(used.stdout, new RegExp(`^Rules in .* that use check no-open-sources:\\n {2}lb-sources \\(.*lb\\.yaml:2:5, warn\\)\\n`));
  t.notMatch(used.stdout, /^Rule /m, 'no rule section: the id is a check');
});

t.test('an unknown id: exit 2, with the known rule and check ids', async (t) => {
  const run = await cli(['explain', 'no-open-source', '--rules', 'rules']);
  t.equal(run.code, 2);
  t.equal(run.stdout, '');
  t.match(run.stderr, /^perimeter: no rule or check has the id "no-open-source"\n/);
  for (const id of ['egress-default-deny', 'deny-external-ips', 'require-source-ranges']) t.match(run.stderr, new RegExp(`rule ids \\(rules\\):[^]*\\b${id}\\b`));
  const checks = run.stderr.slice(run.stderr.indexOf('check ids:'));
  for (const check of CHECKS) t.ok(checks.includes(check.id), `check ${check.id} listed`);
});

t.test('usage errors: no id, two ids, a rules directory that does not exist', async (t) => {
  const none = await cli(['explain', '--rules', 'rules']);
  t.equal(none.code, 2);
  t.match(none.stderr, /^perimeter: explain needs a RULE_ID \(or a check id\)\n\nUsage:[^]*\n {2}explain RULE_ID \[--rules DIR\]\n/);
  const two = await cli(['explain', 'a', 'b']);
  t.equal(two.code, 2);
  t.match(two.stderr, /explain takes one RULE_ID/);
  const missing = await cli(['explain', 'no-open-sources', '--rules', 'no-such-dir']);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /no-such-dir.*no such directory/);
});
