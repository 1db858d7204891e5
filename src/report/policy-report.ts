/**
 * Reports as `wgpolicyk8s.io/v1alpha2` PolicyReport (one per namespace) and ClusterPolicyReport
 * (the namespaces themselves) objects, so the report viewers that already read Kyverno's and
 * others' results (Policy Reporter, kubectl get polr) show perimeter's too.
 * https://github.com/kubernetes-sigs/wg-policy-prototypes/tree/master/policy-report
 */
import type { RuleSet } from '../engine/rule-set.js';
import type { Enforcement } from '../engine/types.js';
import type { ObjectResult, Report } from './results.js';

const API_VERSION = 'wgpolicyk8s.io/v1alpha2';
const SOURCE = 'perimeter';
const API_VERSIONS: Record<string, string> = { Service: 'v1', Ingress: 'networking.k8s.io/v1', NetworkPolicy: 'networking.k8s.io/v1' };
const SEVERITY: Record<Enforcement, 'high' | 'medium' | 'low'> = { deny: 'high', warn: 'medium', audit: 'low' };

type Outcome = 'pass' | 'fail' | 'warn' | 'error' | 'skip';

interface PolicyReportResult {
  policy: string;
  rule: string;
  result: Outcome;
  severity?: 'high' | 'medium' | 'low';
  message: string;
  resources: { apiVersion: string; kind: string; name: string; namespace?: string }[];
  properties?: Record<string, string>;
  source: string;
  scored: boolean;
  timestamp: { seconds: number; nanos: number };
}

function summary(results: readonly PolicyReportResult[]): Record<Outcome, number> {
  const counts: Record<Outcome, number> = { pass: 0, fail: 0, warn: 0, error: 0, skip: 0 };
  for (const result of results) counts[result.result]++;
  return counts;
}

function objectResults(result: ObjectResult, ruleSet: RuleSet, dryRun: boolean, timestamp: PolicyReportResult['timestamp']): PolicyReportResult[] {
  const resources = [{ apiVersion: API_VERSIONS[result.kind] ?? 'v1', kind: result.kind, name: result.name, namespace: result.namespace }];
  const checkOf = (ruleId: string) => ruleSet.rules.find((rule) => rule.id === ruleId)?.check.id ?? ruleId;
  const base = (policy: string) => ({ policy, rule: checkOf(policy), resources, source: SOURCE, scored: true, timestamp });
  const out: PolicyReportResult[] = [];
  for (const finding of result.findings) {
    const outcome: Outcome = finding.enforcement === 'deny' && !dryRun ? 'fail' : 'warn';
    out.push({ ...base(finding.rule), result: outcome, severity: SEVERITY[finding.enforcement], message: finding.message, properties: { path: finding.path, enforcement: finding.enforcement } });
  }
  for (const mutation of result.mutations) {
    out.push({ ...base(mutation.rule), result: 'warn', severity: 'low', message: `not yet fixed; ${dryRun ? 'enforce mode would patch it' : 'its next admission will patch it'}: ${mutation.message}`, properties: { path: mutation.path } });
  }
  for (const exemption of result.exemptions) {
    // An exemption that is all that keeps the object from being denied says so: it is the one to review.
    const hidden = result.allowedByExemption?.find((finding) => finding.rule === exemption.rule);
    const properties: Record<string, string> = {
      ...(exemption.owner !== undefined ? { owner: exemption.owner } : {}),
      ...(exemption.expires !== undefined ? { expires: exemption.expires } : {}),
      ...(hidden !== undefined ? { allowedOnlyByExemption: 'true', path: hidden.path } : {}),
    };
    const message = hidden !== undefined ? `exempt: ${exemption.reason}; without the exemption it would be denied: ${hidden.message}` : `exempt: ${exemption.reason}`;
    out.push({ ...base(exemption.rule), result: 'skip', ...(hidden !== undefined ? { severity: 'high' as const } : {}), message, properties });
  }
  const reported = new Set([...result.findings.map((f) => f.rule), ...result.mutations.map((m) => m.rule), ...result.exemptions.map((e) => e.rule)]);
  for (const rule of ruleSet.rulesFor(result.kind, 'CREATE')) {
    if (!reported.has(rule.id)) out.push({ ...base(rule.id), result: 'pass', message: rule.description });
  }
  return out;
}

/**
 * The report as PolicyReport and ClusterPolicyReport objects, ready to print as YAML. Without
 * `clusterReport` (an audit of one namespace), namespace findings go into that namespace's
 * PolicyReport instead of replacing the cluster-wide ClusterPolicyReport with a partial one.
 */
export function toPolicyReports(report: Report, ruleSet: RuleSet, now: Date, options: { clusterReport: boolean } = { clusterReport: true }): unknown[] {
  const timestamp = { seconds: Math.floor(now.getTime() / 1000), nanos: 0 };
  const byNamespace = new Map<string, PolicyReportResult[]>();
  const add = (namespace: string, results: PolicyReportResult[]) => byNamespace.set(namespace, [...(byNamespace.get(namespace) ?? []), ...results]);
  for (const result of report.results) add(result.namespace, objectResults(result, ruleSet, report.dryRun, timestamp));
  const namespaceResults = (report.namespaces ?? []).map(
    (finding): PolicyReportResult => ({
      policy: finding.rule,
      rule: 'egress-default-deny',
      result: finding.enforcement === 'deny' && !report.dryRun ? 'fail' : 'warn',
      severity: SEVERITY[finding.enforcement],
      message: finding.message,
      resources: [{ apiVersion: 'v1', kind: 'Namespace', name: finding.namespace }],
      source: SOURCE,
      scored: true,
      timestamp,
    }),
  );
  if (!options.clusterReport) for (const result of namespaceResults) add(result.resources[0]?.name ?? '', [result]);
  const documents: unknown[] = [...byNamespace.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([namespace, results]) => ({
      apiVersion: API_VERSION,
      kind: 'PolicyReport',
      metadata: { name: 'perimeter', namespace, labels: { 'app.kubernetes.io/managed-by': 'perimeter' } },
      scope: { apiVersion: 'v1', kind: 'Namespace', name: namespace },
      summary: summary(results),
      results,
    }));
  if (report.namespaces !== undefined && options.clusterReport) {
    const results = namespaceResults;
    documents.push({
      apiVersion: API_VERSION,
      kind: 'ClusterPolicyReport',
      metadata: { name: 'perimeter-namespaces', labels: { 'app.kubernetes.io/managed-by': 'perimeter' } },
      summary: summary(results),
      results,
    });
  }
  return documents;
}
