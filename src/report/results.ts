/**
 * The report of an offline run (`check`, `audit`): one result per judged object and a summary.
 * The JSON form of these types is the documented, stable output of `perimeter check -o json`.
 */
import { evaluate, type EvaluationEnvironment } from '../engine/evaluate.js';
import type { RuleSet } from '../engine/rule-set.js';
import type { AppliedExemption, Finding, KubeObject, Mutation, PatchOperation, Verdict } from '../engine/types.js';
import { manifestNamespace, bundleClusterView } from '../context/bundle.js';
import { kindOf, nameOf } from '../kube/read.js';
import type { SourcedObject } from '../manifests/read.js';
import { namespacesWithoutDefaultDeny, type NamespaceFinding } from './namespaces.js';

export interface ObjectResult {
  readonly source: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly verdict: Verdict;
  readonly findings: readonly Finding[];
  readonly mutations: readonly Pick<Mutation, 'rule' | 'message' | 'path'>[];
  readonly patch: readonly PatchOperation[];
  readonly exemptions: readonly AppliedExemption[];
}

export interface Summary {
  readonly objects: number;
  readonly denied: number;
  readonly warned: number;
  readonly patched: number;
  /** Namespaces without a default-deny egress policy, when the run reports namespaces. */
  readonly namespacesWithoutDefaultDeny?: number;
}

export interface Report {
  readonly results: readonly ObjectResult[];
  readonly summary: Summary;
  /** Namespaces without a default-deny egress policy (reported by `audit`). */
  readonly namespaces?: readonly NamespaceFinding[];
  /** True when the rule set is in audit mode. */
  readonly dryRun: boolean;
}

export function summarize(results: readonly ObjectResult[]): Summary {
  let denied = 0;
  let warned = 0;
  let patched = 0;
  for (const result of results) {
    if (result.verdict === 'deny') denied++;
    else if (result.verdict === 'warn') warned++;
    if (result.patch.length > 0) patched++;
  }
  return { objects: results.length, denied, warned, patched };
}

/**
 * Judges a bundle of objects as if they were applied together: the bundle is the cluster the
 * cluster-aware rules look at. Objects of kinds no rule reads are not reported.
 */
export function judgeBundle(objects: readonly SourcedObject[], ruleSet: RuleSet, now: Date = new Date(), options: { reportNamespaces?: boolean } = {}): Report {
  const environment: EvaluationEnvironment = { cluster: bundleClusterView(objects.map((o) => o.object)), now };
  const results: ObjectResult[] = [];
  for (const { source, object } of objects) {
    const kind = kindOf(object);
    if (ruleSet.rulesFor(kind).length === 0) continue;
    results.push(resultOf(source, object, ruleSet, environment));
  }
  const report: Report = { results, summary: summarize(results), dryRun: ruleSet.mode === 'audit' };
  if (options.reportNamespaces !== true) return report;
  const namespaces = objects.filter((o) => kindOf(o.object) === 'Namespace').map((o) => nameOf(o.object));
  const findings = namespacesWithoutDefaultDeny(namespaces, ruleSet, environment);
  return { ...report, namespaces: findings, summary: { ...report.summary, namespacesWithoutDefaultDeny: new Set(findings.map((f) => f.namespace)).size } };
}

/** Whether a report holds something that would be denied: exit code 1 of check and audit. */
export function hasDenials(report: Report): boolean {
  return report.summary.denied > 0 || (!report.dryRun && (report.namespaces ?? []).some((finding) => finding.enforcement === 'deny'));
}

function resultOf(source: string, object: KubeObject, ruleSet: RuleSet, environment: EvaluationEnvironment): ObjectResult {
  const namespace = manifestNamespace(object);
  const evaluation = evaluate({ object, namespace }, ruleSet, environment);
  return {
    source,
    kind: kindOf(object),
    namespace,
    name: nameOf(object),
    verdict: evaluation.verdict,
    findings: evaluation.findings,
    mutations: evaluation.mutations.map(({ rule, message, path }) => ({ rule, message, path })),
    patch: evaluation.patch,
    exemptions: evaluation.exemptions,
  };
}
