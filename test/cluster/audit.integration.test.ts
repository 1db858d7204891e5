/** `perimeter audit --cluster` (and `diff --cluster`) against the fake API server: paging, findings, namespaces, formats, exit codes. */
import t from 'tap';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { cli } from '../cli/run.js';
import { shippedRulesCopy } from '../helpers.js';
import { FakeApiServer } from '../../src/bench/fake-apiserver.js';
import { granted } from './rbac.js';

const dir = await mkdtemp(path.join(tmpdir(), 'perimeter-audit-'));
const fake = await FakeApiServer.start(dir);
const kubeconfig = await fake.writeKubeconfig();
t.teardown(async () => {
  await fake.stop();
  await rm(dir, { recursive: true, force: true });
});

const ns = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const defaultDeny = (namespace: string) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny-egress', namespace }, spec: { podSelector: {}, policyTypes: ['Egress'] } });
const lb = (namespace: string, name: string, ranges: string[]) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace },
  spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local', loadBalancerSourceRanges: ranges, ports: [{ port: 443 }] },
});
// shop: protected, one open Service among 24 fine ones; legacy: no default-deny; kube-system: excluded.
for (const name of ['shop', 'legacy', 'kube-system']) fake.apply(ns(name));
fake.apply(defaultDeny('shop'));
for (let i = 0; i < 24; i++) fake.apply(lb('shop', `svc-${String(i).padStart(2, '0')}`, ['203.0.113.0/24']));
fake.apply(lb('shop', 'wide-open', ['0.0.0.0/0']));
fake.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'internal', namespace: 'legacy' }, spec: { type: 'ClusterIP', ports: [{ port: 80 }] } });

interface AuditJson {
  results: { kind: string; namespace: string; name: string; verdict: string; findings: { rule: string }[] }[];
  namespaces: { namespace: string; rule: string; enforcement: string }[];
  summary: { objects: number; denied: number; namespacesWithoutDefaultDeny: number };
}

t.test('audit --cluster -o json: every page listed, findings and namespaces reported, exit 1', async (t) => {
  const before = fake.requests.length;
  const run = await cli(['audit', '--cluster', '--kubeconfig', kubeconfig, '--rules', 'rules', '--chunk-size', '10', '-o', 'json']);
  t.equal(run.code, 1, run.stderr);
  const services = fake.requests.slice(before).filter((r) => r.path === '/api/v1/services');
  t.equal(services.length, 3, '26 Services in pages of 10: three requests');
  t.same(services.map((r) => r.limit), ['10', '10', '10']);
  t.equal(services[0]?.continueToken, undefined);
  t.ok(services[1]?.continueToken && services[2]?.continueToken, 'later pages carry the continue token');
  const report = JSON.parse(run.stdout) as AuditJson;
  t.equal(report.results.filter((r) => r.kind === 'Service').length, 26);
  t.same(report.results.filter((r) => r.verdict === 'deny').map((r) => `${r.namespace}/${r.name}`), ['shop/wide-open']);
  t.same(report.namespaces.map((n) => [n.namespace, n.rule, n.enforcement]), [['legacy', 'egress-default-deny', 'deny']], 'kube-system is excluded, shop is protected');
  t.equal(report.summary.namespacesWithoutDefaultDeny, 1);
  t.match(run.stderr, /listed 26 Service objects/);
});

t.test('audit --cluster table, and --namespace narrows it', async (t) => {
  const table = await cli(['audit', '--cluster', '--kubeconfig', kubeconfig, '--rules', 'rules']);
  t.equal(table.code, 1);
  t.match(table.stdout, /deny\s+Service shop\/wide-open\s+no-open-sources/);
  t.match(table.stdout, /deny\s+Namespace legacy\s+egress-default-deny\s+deny\s+namespace "legacy" has no default-deny egress NetworkPolicy/);
  t.match(table.stdout, /27 objects: 1 denied, 0 warned, 0 patched; 0 allowed only by an exemption; 1 namespaces without default-deny egress/);
  const legacy = await cli(['audit', '--cluster', '--kubeconfig', kubeconfig, '--rules', 'rules', '--namespace', 'legacy', '-o', 'json']);
  const report = JSON.parse(legacy.stdout) as AuditJson;
  t.same(report.results.map((r) => r.name), ['internal']);
  t.equal(legacy.code, 1, 'the namespace itself still lacks a default-deny policy');
  t.ok(fake.requests.some((r) => r.path === '/api/v1/namespaces/legacy/services'), 'namespaced listing');
  const reports = await cli(['audit', '--cluster', '--kubeconfig', kubeconfig, '--rules', 'rules', '--namespace', 'legacy', '-o', 'policyreport']);
  const documents = parseAllDocuments(reports.stdout).map((d) => d.toJS());
  t.same(documents.map((d) => d.kind), ['PolicyReport'], 'no partial ClusterPolicyReport for one namespace');
  t.ok(documents[0].results.some((r: { resources: { kind: string }[]; result: string }) => r.resources[0]?.kind === 'Namespace' && r.result === 'fail'), 'the namespace finding is in its PolicyReport');
});

t.test('audit --cluster -o policyreport validates against the PolicyReport schema', async (t) => {
  const run = await cli(['audit', '--cluster', '--kubeconfig', kubeconfig, '--rules', 'rules', '-o', 'policyreport']);
  t.equal(run.code, 1);
  const documents = parseAllDocuments(run.stdout).map((d) => d.toJS());
  const validate = new Ajv({ strict: true }).compile(JSON.parse(await readFile('test/fixtures/policyreport.v1alpha2.schema.json', 'utf8')));
  for (const document of documents) t.ok(validate(document), `${document.kind} ${document.metadata?.namespace ?? ''}: ${JSON.stringify(validate.errors)}`);
  t.same(documents.map((d) => [d.kind, d.metadata.namespace]), [
    ['PolicyReport', 'legacy'],
    ['PolicyReport', 'shop'],
    ['ClusterPolicyReport', undefined],
  ]);
  const shop = documents[1];
  t.equal(shop.summary.fail, 1, 'the open Service fails');
  t.ok(shop.summary.pass > 0, 'rules that found nothing pass');
  t.match(shop.results.find((r: { result: string }) => r.result === 'fail'), { policy: 'no-open-sources', rule: 'no-open-sources', severity: 'high', resources: [{ kind: 'Service', name: 'wide-open', namespace: 'shop' }] });
  t.same(documents[2].results.map((r: { resources: { name: string }[] }) => r.resources[0]?.name), ['legacy']);
});

t.test('a clean cluster exits 0; an unreachable one exits 2 with the reason', async (t) => {
  const clean = await cli(['audit', '--cluster', '--kubeconfig', kubeconfig, '--rules', 'rules', '--namespace', 'kube-system', '-o', 'json']);
  t.equal(clean.code, 0, clean.stdout);
  const missing = await cli(['audit', '--cluster', '--kubeconfig', path.join(dir, 'nope.yaml')]);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /cannot load the kubeconfig/);
  await fake.stop();
  const down = await cli(['audit', '--cluster', '--kubeconfig', kubeconfig, '--rules', 'rules']);
  t.equal(down.code, 2);
  t.match(down.stderr, /cannot reach the API server at https:\/\/127\.0\.0\.1:\d+/);
  await fake.listen();
});

t.test('audit on files is check with the report formats', async (t) => {
  const run = await cli(['audit', '--rules', 'rules', '-o', 'policyreport', 'examples/deny-external-ips-bad.yaml']);
  t.equal(run.code, 1);
  t.match(run.stdout, /kind: PolicyReport/);
  const usage = await cli(['audit', '--rules', 'rules']);
  t.equal(usage.code, 2);
  t.match(usage.stderr, /audit takes either --cluster or FILE/);
  const usageBeforeRules = await cli(['audit', '--rules', 'no/such/rules']);
  t.equal(usageBeforeRules.code, 2);
  t.match(usageBeforeRules.stderr, /audit takes either --cluster or FILE/, 'flags are checked before the rules are read');
  t.match((await cli(['audit', '--rules', 'rules', '--kubeconfig', 'kc.yaml', 'examples/deny-external-ips-bad.yaml'])).stderr, /--kubeconfig and --namespace go with --cluster/);
});

t.test('diff --cluster: the impact of a rule change on what exists (same listing and RBAC as audit)', async (t) => {
  const stricter = await shippedRulesCopy({ 'ingress.yaml': (text) => text.replace('minPrefixLengthV4: 8', 'minPrefixLengthV4: 25') });
  const run = await cli(['diff', '--cluster', '--kubeconfig', kubeconfig, '--base', 'rules', '--rules', stricter, '-o', 'json']);
  t.equal(run.code, 1, 'exit 1: objects that exist would be denied on their next update');
  const impact = JSON.parse(run.stdout) as { changed: { namespace: string; name: string; changes: { change: string; rule: string }[] }[]; summary: Record<string, number> };
  // The 24 Services allowlist a /24: broader than /25. wide-open was denied already, by the same rule.
  t.equal(impact.summary['newly denied'], 24);
  t.same([...new Set(impact.changed.map((c) => `${c.namespace}/${c.changes.map((x) => `${x.change} ${x.rule}`).join()}`))], ['shop/newly denied no-open-sources']);
  t.notOk(impact.changed.some((c) => c.name === 'wide-open'));
  t.match(run.stderr, /reading https:\/\/127\.0\.0\.1:\d+/);
});

t.test('every API request the audit made is granted by the shipped audit RBAC', async (t) => {
  const used = fake.permissionsUsed();
  const rules = granted('audit');
  t.same([...used].filter((p) => !rules.has(p)), [], 'nothing used that is not granted');
  t.same([...rules].filter((p) => !used.has(p)).sort(), [], 'nothing granted that was not used');
});
