import t from 'tap';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { cli } from './run.js';
import { shippedRulesCopy } from '../helpers.js';

// Shipped rules plus a dated exemption for one partner Service, and objects it does and does not hide.
const EXEMPTIONS = `rules:
  - id: partner-ranges
    description: no-open-sources, stricter than the shipped rule, with a partner exemption.
    check: no-open-sources
    enforcement: deny
    params: {minPrefixLengthV4: 16}
    exclude:
      - {namespace: shop, name: partner-*, reason: Partner VPN ranges being collected, owner: team-edge, expires: 2027-03-31}
`;
const lb = (name: string, ranges: string[]) =>
  `{apiVersion: v1, kind: Service, metadata: {name: ${name}, namespace: shop}, spec: {type: LoadBalancer, externalTrafficPolicy: Local, loadBalancerSourceRanges: ${JSON.stringify(ranges)}, ports: [{port: 443}]}}`;
const MANIFESTS = [
  '{apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: default-deny-egress, namespace: shop}, spec: {podSelector: {}, policyTypes: [Egress]}}',
  // Exempt from partner-ranges, but denied by the shipped no-open-sources anyway: not "only" the exemption.
  lb('partner-world', ['0.0.0.0/0']),
  lb('partner-wide', ['10.0.0.0/12']),
  lb('partner-narrow', ['203.0.113.0/24']),
].map((doc) => `---\n${doc}\n`).join('');

async function setUp(): Promise<{ rules: string; manifests: string }> {
  const rules = await shippedRulesCopy({}, { 'partner.yaml': EXEMPTIONS });
  const manifests = path.join(rules, '..', 'shop.yaml');
  await writeFile(manifests, MANIFESTS);
  return { rules, manifests };
}

interface Result {
  name: string;
  verdict: string;
  allowedByExemption?: { rule: string; enforcement: string; path: string; exemption: { reason: string; owner?: string; expires?: string } }[];
}

t.test('audit lists the objects only an exemption keeps from being denied', async (t) => {
  const { rules, manifests } = await setUp();
  t.ok((await readdir(rules)).includes('partner.yaml'));
  const json = await cli(['audit', '--rules', rules, '-o', 'json', manifests]);
  const report = JSON.parse(json.stdout) as { results: Result[]; summary: { allowedByExemption: number } };
  const byName = new Map(report.results.map((r) => [r.name, r]));
  // A /12: the shipped rule (/8) allows it, partner-ranges (/16) would deny it; only the exemption
  // stands between it and a denial.
  t.equal(byName.get('partner-wide')?.verdict, 'allow');
  t.same(byName.get('partner-wide')?.allowedByExemption?.map((f) => [f.rule, f.enforcement, f.path, f.exemption]), [
    ['partner-ranges', 'deny', 'spec.loadBalancerSourceRanges[0]', { rule: 'partner-ranges', reason: 'Partner VPN ranges being collected', owner: 'team-edge', expires: '2027-03-31' }],
  ]);
  t.equal(byName.get('partner-world')?.verdict, 'deny', 'denied by another rule anyway');
  t.equal(byName.get('partner-world')?.allowedByExemption, undefined, 'so not reported as allowed by the exemption');
  t.equal(byName.get('partner-narrow')?.allowedByExemption, undefined, 'exempt, but would be allowed without it too');
  t.equal(report.summary.allowedByExemption, 1);

  const table = await cli(['audit', '--rules', rules, manifests]);
  t.match(table.stdout, /allow +Service shop\/partner-wide +partner-ranges +exempt +only an exemption allows this: spec\.loadBalancerSourceRanges\[0\]: "10\.0\.0\.0\/12" is broader than \/16.* \(exempt: Partner VPN ranges being collected; owner team-edge; until 2027-03-31\)/);
  t.match(table.stdout, /4 objects: 1 denied, 0 warned, 0 patched; 1 allowed only by an exemption; 0 namespaces without default-deny egress/);

  const reports = await cli(['audit', '--rules', rules, '-o', 'policyreport', manifests]);
  const results = parseAllDocuments(reports.stdout).flatMap((doc) => (doc.toJS() as { results: { policy: string; result: string; message: string; properties: Record<string, string>; resources: { name: string }[] }[] }).results);
  const skip = results.find((r) => r.policy === 'partner-ranges' && r.resources[0]?.name === 'partner-wide');
  t.equal(skip?.result, 'skip');
  t.match(skip?.message, /^exempt: Partner VPN ranges being collected; without the exemption it would be denied: /);
  t.same(skip?.properties, { owner: 'team-edge', expires: '2027-03-31', allowedOnlyByExemption: 'true', path: 'spec.loadBalancerSourceRanges[0]' });
  const narrow = results.find((r) => r.policy === 'partner-ranges' && r.resources[0]?.name === 'partner-narrow');
  t.same(narrow?.properties, { owner: 'team-edge', expires: '2027-03-31' });
});

t.test('check does not spend the second judgement: the field is an audit report', async (t) => {
  const { rules, manifests } = await setUp();
  const json = JSON.parse((await cli(['check', '--rules', rules, '-o', 'json', manifests])).stdout) as { results: Result[]; summary: Record<string, number> };
  t.notOk(json.results.some((r) => 'allowedByExemption' in r));
  t.notOk('allowedByExemption' in json.summary);
});
