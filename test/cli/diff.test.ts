import t from 'tap';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cli } from './run.js';
import { shippedRulesCopy } from '../helpers.js';

const examples = (await readdir('examples')).filter((f) => f.endsWith('.yaml')).sort().map((f) => `examples/${f}`);

/** A copy of the shipped rules with `edit` applied to one file's text. */
const editedRules = (file: string, edit: (text: string) => string) => shippedRulesCopy({ [file]: edit });

const toSixteen = (text: string) => text.replace('minPrefixLengthV4: 8', 'minPrefixLengthV4: 16');

interface DiffJson {
  changed: { source: string; kind: string; namespace: string; name: string; before: string; after: string; changes: { change: string; rule: string; message: string }[] }[];
  summary: Record<string, number>;
}
interface CheckJson {
  results: { source: string; verdict: string }[];
}

t.test('lowering the IPv4 minimum prefix from /8 to /16 lists exactly the examples that become denied', async (t) => {
  const sixteen = await editedRules('ingress.yaml', toSixteen);
  const run = await cli(['diff', '--base', 'rules', '--rules', sixteen, '-o', 'json', ...examples]);
  t.equal(run.code, 1, 'exit 1: something would be newly denied');
  const impact = JSON.parse(run.stdout) as DiffJson;
  // The two ingress controller Services allowlist 10.0.0.0/8: fine at /8, too broad at /16.
  // Nothing else in examples/ has an IPv4 range between /8 and /15.
  t.same(
    impact.changed.map((c) => [c.kind, `${c.namespace}/${c.name}`, c.before, c.after, c.changes.map((x) => [x.change, x.rule])]),
    [
      ['Service', 'ex-controller-system/controller', 'allow', 'deny', [['newly denied', 'no-open-sources']]],
      ['Service', 'ex-controller-ok-system/controller', 'allow', 'deny', [['newly denied', 'no-open-sources']]],
    ],
  );
  t.match(impact.changed[0]?.changes[0]?.message, /"10\.0\.0\.0\/8" is broader than \/16/);
  t.equal(impact.summary['newly denied'], 2);
  t.equal(impact.summary.objects, 32);

  // The same answer another way: perimeter check under each rule set, objects whose verdict turns to deny.
  const verdicts = async (rules: string) => new Map((JSON.parse((await cli(['check', '--rules', rules, '-o', 'json', ...examples])).stdout) as CheckJson).results.map((r) => [r.source, r.verdict]));
  const [before, after] = [await verdicts('rules'), await verdicts(sixteen)];
  const newlyDenied = [...after].filter(([source, verdict]) => verdict === 'deny' && before.get(source) !== 'deny').map(([source]) => source);
  t.same(impact.changed.map((c) => c.source), newlyDenied, 'agrees with check under both rule sets');

  const table = await cli(['diff', '--base', 'rules', '--rules', sixteen, ...examples]);
  const lines = table.stdout.split('\n');
  t.match(lines[0], /^CHANGE +OBJECT +RULE +VERDICT +MESSAGE$/);
  t.match(lines[1], /^newly denied +Service ex-controller-system\/controller +no-open-sources +allow -> deny +spec\.loadBalancerSourceRanges\[0\]: "10\.0\.0\.0\/8" is broader than \/16/);
  t.ok(lines.includes('32 objects judged under both rule sets: 2 newly denied'));

  const markdown = await cli(['diff', '--base', 'rules', '--rules', sixteen, '-o', 'markdown', ...examples]);
  t.equal(markdown.code, 1);
  t.match(markdown.stdout, /^### perimeter: impact of this rule change\n\n> \[!WARNING\]\n> 2 objects that can be applied today would be denied\./);
  t.match(markdown.stdout, /\| change \| objects \|\n\|---\|---:\|\n\| newly denied \| 2 \|\n/);
  t.match(markdown.stdout, /#### Newly denied\n\n\| object \| rule \| verdict \| message \|\n\|---\|---\|---\|---\|\n\| Service ex-controller-system\/controller <br>`examples\/ingress-controller-keeps-client-ip-bad\.yaml#\d+` \| `no-open-sources` \| allow → deny \| spec\.loadBalancerSourceRanges\[0\]: "10\.0\.0\.0\/8" is broader than \/16/);
});

t.test('the reverse edit: no longer denied, and exit 0', async (t) => {
  const sixteen = await editedRules('ingress.yaml', toSixteen);
  const run = await cli(['diff', '--base', sixteen, '--rules', 'rules', '-o', 'json', ...examples]);
  t.equal(run.code, 0, 'nothing newly denied');
  const impact = JSON.parse(run.stdout) as DiffJson;
  t.same(impact.changed.map((c) => [c.name, c.before, c.after, c.changes.map((x) => x.change)]), [
    ['controller', 'deny', 'allow', ['no longer denied']],
    ['controller', 'deny', 'allow', ['no longer denied']],
  ]);
});

// [why, file, edit, expected change rows (object name, change, rule), exit code]
const editRows: [string, string, (text: string) => string, [string, string, string][], number][] = [
  ['no change', 'ingress.yaml', (text) => `${text}\n# a comment\n`, [], 0],
  [
    'deny to warn: the denial becomes a warning',
    'egress.yaml',
    (text) => text.replace(/(id: no-open-egress[\s\S]*?enforcement: )deny/, '$1warn'),
    [
      ['egress-anywhere', 'newly warned', 'no-open-egress'],
      ['egress-anywhere', 'no longer denied', 'no-open-egress'],
    ],
    0,
  ],
  [
    'mutate off: what was patched is denied instead',
    'ingress.yaml',
    (text) => text.replace(/(id: external-traffic-policy-local[\s\S]*?mutate: )true/, '$1false'),
    [
      ['cluster-policy', 'newly denied', 'external-traffic-policy-local'],
      ['cluster-policy', 'no longer patched', 'external-traffic-policy-local'],
      ['controller', 'newly denied', 'external-traffic-policy-local'],
      ['controller', 'no longer patched', 'external-traffic-policy-local'],
    ],
    1,
  ],
];

t.test('edits of enforcement, mutation and mode', async (t) => {
  for (const [why, file, edit, expected, code] of editRows) {
    const dir = await editedRules(file, edit);
    const run = await cli(['diff', '--base', 'rules', '--rules', dir, '-o', 'json', ...examples]);
    t.equal(run.code, code, `${why}: exit ${code}`);
    const impact = JSON.parse(run.stdout) as DiffJson;
    const rows = impact.changed.flatMap((c) => c.changes.map((x) => [c.name, x.change, x.rule])).sort((a, b) => a.join().localeCompare(b.join()));
    t.same(rows, expected, why);
  }
});

t.test('mutation switched on: what was denied is patched instead, and exit 0', async (t) => {
  const mutateOff = await editedRules('ingress.yaml', (text) => text.replace(/(id: external-traffic-policy-local[\s\S]*?mutate: )true/, '$1false'));
  const run = await cli(['diff', '--base', mutateOff, '--rules', 'rules', '-o', 'json', ...examples]);
  t.equal(run.code, 0);
  const impact = JSON.parse(run.stdout) as DiffJson;
  t.same(impact.changed.map((c) => [c.name, c.before, c.after, c.changes.map((x) => `${x.change} ${x.rule}`)]), [
    ['cluster-policy', 'deny', 'allow', ['newly patched external-traffic-policy-local', 'no longer denied external-traffic-policy-local']],
    ['controller', 'deny', 'allow', ['newly patched external-traffic-policy-local', 'no longer denied external-traffic-policy-local']],
  ]);
  t.equal(impact.summary['newly patched'], 2);
});

t.test('a denial added to, or taken from, an object denied anyway: also denied / still denied, exit 0', async (t) => {
  const sixteen = await editedRules('ingress.yaml', toSixteen);
  // Denied for its external IP whatever the prefix; its /8 allowlist is too broad only at /16.
  const manifests = path.join(sixteen, '..', 'claims-ip.yaml');
  await writeFile(
    manifests,
    `---
{apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: default-deny-egress, namespace: shop}, spec: {podSelector: {}, policyTypes: [Egress]}}
---
{apiVersion: v1, kind: Service, metadata: {name: claims-ip, namespace: shop}, spec: {type: LoadBalancer, externalTrafficPolicy: Local, externalIPs: ["203.0.113.10"], loadBalancerSourceRanges: ["10.0.0.0/8"], ports: [{port: 443}]}}
`,
  );
  const stricter = await cli(['diff', '--base', 'rules', '--rules', sixteen, '-o', 'json', manifests]);
  t.equal(stricter.code, 0, 'no one who can apply it today is stopped');
  const added = JSON.parse(stricter.stdout) as DiffJson;
  t.same(added.changed.map((c) => [c.name, c.before, c.after, c.changes.map((x) => `${x.change} ${x.rule}`)]), [['claims-ip', 'deny', 'deny', ['also denied no-open-sources']]]);
  t.same([added.summary['also denied'], added.summary['newly denied']], [1, 0]);

  const looser = await cli(['diff', '--base', sixteen, '--rules', 'rules', '-o', 'json', manifests]);
  t.equal(looser.code, 0);
  t.same((JSON.parse(looser.stdout) as DiffJson).changed.map((c) => c.changes.map((x) => `${x.change} ${x.rule}`)), [['still denied no-open-sources']]);
});

t.test('switching the set to audit mode: every denial becomes a warning, nothing newly denied', async (t) => {
  const dir = await editedRules('perimeter.yaml', (text) => text.replace('mode: enforce', 'mode: audit'));
  const run = await cli(['diff', '--base', 'rules', '--rules', dir, '-o', 'json', ...examples]);
  t.equal(run.code, 0);
  const impact = JSON.parse(run.stdout) as DiffJson;
  t.equal(impact.summary['newly denied'], 0);
  t.ok(impact.summary['no longer denied']! > 0);
  t.ok(impact.changed.filter((c) => c.before === 'deny').every((c) => c.after === 'warn' && c.changes.some((x) => x.change === 'newly warned')), 'each denied object is warned instead');
  const nothing = await cli(['diff', '--base', 'rules', '--rules', 'rules', '-o', 'markdown', ...examples]);
  t.equal(nothing.code, 0);
  t.match(nothing.stdout, /32 objects judged under the base and the new rules\.\n\nNothing changes\./);
});

t.test('a warning made a denial: newly denied, and no longer warned by the same rule', async (t) => {
  const stricter = await editedRules('ingress.yaml', (text) => text.replace('check: ingress-controller-keeps-client-ip\n    enforcement: warn', 'check: ingress-controller-keeps-client-ip\n    enforcement: deny'));
  const run = await cli(['diff', '--base', 'rules', '--rules', stricter, '-o', 'json', ...examples]);
  t.equal(run.code, 1);
  const impact = JSON.parse(run.stdout) as DiffJson;
  // The one example the rule only warned about: its Ingress, now denied by the same rule.
  t.same(
    impact.changed.map((c) => ({ source: c.source, kind: c.kind, object: `${c.namespace}/${c.name}`, before: c.before, after: c.after, changes: c.changes.map((x) => [x.change, x.rule]) })),
    [
      {
        source: 'examples/ingress-controller-keeps-client-ip-bad.yaml#3',
        kind: 'Ingress',
        object: 'ex-controller/app',
        before: 'warn',
        after: 'deny',
        changes: [
          ['newly denied', 'ingress-controller-keeps-client-ip'],
          ['no longer warned', 'ingress-controller-keeps-client-ip'],
        ],
      },
    ],
  );
  t.same(impact.summary, {
    objects: 32,
    'newly denied': 1,
    'also denied': 0,
    'newly warned': 0,
    'newly patched': 0,
    'no longer denied': 0,
    'still denied': 0,
    'no longer warned': 1,
    'no longer patched': 0,
  });
});

t.test('diff usage errors', async (t) => {
  t.match((await cli(['diff', '--rules', 'rules', 'examples/no-open-sources-bad.yaml'])).stderr, /diff needs --base OLD_RULES_DIR/);
  t.match((await cli(['diff', '--base', 'rules'])).stderr, /diff takes either --cluster or FILE\.\.\./);
  // Flags are checked before any rules are read: a wrong rules directory does not hide them.
  t.match((await cli(['diff', '--base', 'no/such/rules'])).stderr, /diff takes either --cluster or FILE\.\.\./);
  t.match((await cli(['diff', '--base', 'rules', '-n', 'team-a', 'examples/no-open-sources-bad.yaml'])).stderr, /--kubeconfig and --namespace go with --cluster/);
  t.match((await cli(['diff', '--base', 'rules', '-o', 'html', 'examples/no-open-sources-bad.yaml'])).stderr, /--output must be one of: table, json, markdown \(got "html"\)/);
  t.match((await cli(['diff', '--base', 'rules', '--cluster', '--chunk-size', '0'])).stderr, /--chunk-size must be an integer, 1 or more \(got "0"\)/);
  const broken = await cli(['diff', '--base', 'no/such/rules', 'examples/no-open-sources-bad.yaml']);
  t.equal(broken.code, 2);
  t.match(broken.stderr, /no\/such\/rules: cannot read the rules directory: no such directory/);
  // Both broken: the base's problem is reported, though the new directory's fails sooner (read in
  // parallel, the missing directory would win over a file that has to be read and parsed).
  const brokenBase = await shippedRulesCopy({}, { 'broken.yaml': 'rules: [unclosed\n' });
  const both = await cli(['diff', '--base', brokenBase, '--rules', 'no/such/new', 'examples/no-open-sources-bad.yaml']);
  t.equal(both.code, 2);
  t.match(both.stderr, /broken\.yaml:\d+:\d+/);
  t.notMatch(both.stderr, /no\/such\/new/);
});
