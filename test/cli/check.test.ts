import t from 'tap';
import { readdirSync } from 'node:fs';
import { cli } from './run.js';

const examples = readdirSync('examples').filter((f) => f.endsWith('.yaml')).sort().map((f) => `examples/${f}`);

interface JsonReport {
  results: { source: string; kind: string; namespace: string; name: string; verdict: string; findings: { rule: string; enforcement: string; message: string; path: string }[]; patch: unknown[] }[];
  summary: { objects: number; denied: number; warned: number; patched: number };
}

t.test('check -o json on the examples: the documented shape, bad examples caught, good ones allowed', async (t) => {
  const run = await cli(['check', '--rules', 'rules', '-o', 'json', ...examples]);
  t.equal(run.code, 1, 'exit 1: something is denied');
  const report = JSON.parse(run.stdout) as JsonReport;
  t.same(Object.keys(report), ['results', 'summary']);
  const first = report.results[0]!;
  t.same(Object.keys(first).slice(0, 7), ['source', 'kind', 'namespace', 'name', 'verdict', 'findings', 'mutations']);
  t.ok('patch' in first);
  for (const file of examples) {
    const results = report.results.filter((r) => r.source.startsWith(`${file}#`));
    t.ok(results.length > 0, `${file} has judged objects`);
    const check = file.replace(/^examples\//, '').replace(/-(bad|good)\.yaml$/, '');
    const touched = results.some((r) => r.findings.some((f) => f.rule === check) || r.patch.length > 0);
    if (file.endsWith('-good.yaml')) {
      t.ok(results.every((r) => r.verdict === 'allow' && r.patch.length === 0), `${file}: everything allowed, nothing patched`);
    } else {
      t.ok(touched, `${file}: caught by ${check}`);
    }
  }
  t.same(report.summary, { objects: report.results.length, denied: 8, warned: 1, patched: 2 });
  const etp = report.results.find((r) => r.name === 'cluster-policy');
  t.same(etp?.patch, [{ op: 'replace', path: '/spec/externalTrafficPolicy', value: 'Local' }], 'patch in the JSON');
  t.match(report.results.find((r) => r.name === 'mapped-world')?.findings[0], {
    rule: 'no-open-sources',
    enforcement: 'deny',
    path: 'spec.loadBalancerSourceRanges[0]',
    message: /::ffff:0:0\/96/,
  });
});

t.test('check on good examples alone exits 0, with a table by default', async (t) => {
  const run = await cli(['check', '--rules', 'rules', ...examples.filter((f) => f.endsWith('-good.yaml'))]);
  t.equal(run.code, 0);
  t.match(run.stdout, /^VERDICT\s+OBJECT\s+RULE\s+ENFORCEMENT\s+MESSAGE/);
  t.match(run.stdout, /\n\d+ objects: 0 denied, 0 warned, 0 patched\n$/);
});

const LIST = JSON.stringify({
  apiVersion: 'v1',
  kind: 'List',
  items: [
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'a' }, spec: { type: 'ClusterIP', externalIPs: ['1.2.3.4'] } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ignored' } },
  ],
});

t.test('inputs: kind List from kubectl, standard input, JSON, objects without a namespace', async (t) => {
  const run = await cli(['check', '--rules', 'rules', '-o', 'json', '-'], LIST);
  t.equal(run.code, 1);
  const report = JSON.parse(run.stdout) as JsonReport;
  t.same(report.results.map((r) => [r.source, r.kind, r.namespace, r.name, r.verdict]), [['stdin#0.items[0]', 'Service', 'default', 'a', 'deny']], 'ConfigMap not reported; namespace defaults');
});

t.test('kubectl get -o yaml: a YAML List', async (t) => {
  const yaml = 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: lb, namespace: shop}\n  spec: {type: LoadBalancer, externalTrafficPolicy: Cluster}\nmetadata: {resourceVersion: ""}\n';
  const run = await cli(['check', '--rules', 'rules', '-o', 'json', '-'], yaml);
  const report = JSON.parse(run.stdout) as JsonReport;
  t.same(report.results.map((r) => [r.source, r.name, r.verdict, r.findings.map((f) => f.rule)]), [['stdin#0.items[0]', 'lb', 'deny', ['egress-default-deny', 'require-source-ranges']]]);
});

t.test('helm template style output: comments, empty documents, a document per object', async (t) => {
  const yaml = `---\n# Source: chart/templates/svc.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: ok\nspec:\n  type: ClusterIP\n---\n---\n# Source: chart/templates/empty.yaml\n`;
  const run = await cli(['check', '--rules', 'rules', '-o', 'json', '-'], yaml);
  t.equal(run.code, 0, run.stderr);
  t.equal((JSON.parse(run.stdout) as JsonReport).summary.objects, 1);
});

t.test('audit mode: nothing denied, exit 0, the table says so', async (t) => {
  const dir = t.testdir({ 'rules.yaml': 'mode: audit\nrules:\n  - {id: ext, description: d, check: deny-external-ips, enforcement: deny}\n' });
  const run = await cli(['check', '--rules', dir, '-'], LIST);
  t.equal(run.code, 0);
  t.match(run.stdout, /warn\s+Service default\/a\s+ext\s+deny/);
  t.match(run.stdout, /1 objects: 0 denied, 1 warned, 0 patched \(audit mode: dry run, nothing denied or patched\)/);
});

// [why, argv, stdin, expected exit, expected stderr]
const errors: [string, string[], string, number, RegExp][] = [
  ['no files', ['check'], '', 2, /check needs at least one FILE/],
  ['unknown option', ['check', '--nope', 'x.yaml'], '', 2, /Unknown option '--nope'/],
  ['bad output format', ['check', '-o', 'xml', 'x.yaml'], '', 2, /--output must be one of: table, json/],
  ['missing file', ['check', '--rules', 'rules', 'missing.yaml'], '', 2, /missing\.yaml: cannot read \(no such file\)/],
  ['YAML that does not parse', ['check', '--rules', 'rules', '-'], 'a: [1,\nb: 2\n', 2, /^stdin:\d+:\d+: /],
  ['unknown command', ['chek'], '', 2, /unknown command "chek"/],
  ['no command', [], '', 2, /Usage: perimeter/],
];

t.test('usage and input errors exit 2 with a message, never a stack trace', async (t) => {
  for (const [why, argv, stdin, code, stderr] of errors) {
    const run = await cli(argv, stdin);
    t.equal(run.code, code, `${why}: exit code`);
    t.match(run.stderr + (argv.length === 0 ? run.stdout : ''), stderr, `${why}: message`);
    t.notMatch(run.stderr, /\n\s+at /, `${why}: no stack trace`);
  }
});

t.test('a bad rule directory exits 2 with file:line:column', async (t) => {
  const dir = t.testdir({ 'lb.yaml': 'rules:\n  - id: lb\n    description: d\n    check: no-open-sources\n    enforcement: deny\n    params:\n      minPrefixLengthV4: 40\n' });
  const check = await cli(['check', '--rules', dir, '-'], LIST);
  t.equal(check.code, 2);
  t.equal(check.stderr, `${dir}/lb.yaml:7:26: params.minPrefixLengthV4 must be an integer 0..32 (rule lb)\n`);
  const lint = await cli(['lint-rules', dir]);
  t.equal(lint.code, 2);
  t.equal(lint.stderr, check.stderr);
});

t.test('lint-rules on the shipped rules', async (t) => {
  const run = await cli(['lint-rules', 'rules']);
  t.equal(run.code, 0);
  t.equal(run.stdout, 'rules: 7 rules valid (mode enforce)\n');
});

t.test('--version and --help', async (t) => {
  t.match((await cli(['--version'])).stdout, /^\d+\.\d+\.\d+\n$/);
  const help = await cli(['--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /check \[--rules DIR\]/);
});
