/**
 * The report of an offline run (`check`, `audit`): one result per judged object and a summary.
 * The JSON form of these types is the documented, stable output of `perimeter check -o json`.
 */
import { evaluate, type EvaluationEnvironment } from '../engine/evaluate.js';
import { createRuleSet, type RuleSet } from '../engine/rule-set.js';
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
  /**
   * Findings the exemptions hid, when they are what keeps the object from being denied: without
   * its exemptions the object would be denied (audit reports; absent otherwise).
   */
  readonly allowedByExemption?: readonly ExemptedFinding[];
}

/** A deny-level finding an exemption hid, with the exemption that hid it. */
export interface ExemptedFinding extends Finding {
  readonly exemption: AppliedExemption;
}

export interface Summary {
  readonly objects: number;
  readonly denied: number;
  readonly warned: number;
  readonly patched: number;
  /** Namespaces without a default-deny egress policy, when the run reports namespaces. */
  readonly namespacesWithoutDefaultDeny?: number;
  /** Objects that only an exemption keeps from being denied, when the run reports them. */
  readonly allowedByExemption?: number;
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
export function judgeBundle(objects: readonly SourcedObject[], ruleSet: RuleSet, now: Date = new Date(), options: { reportNamespaces?: boolean; reportExempted?: boolean } = {}): Report {
  const environment: EvaluationEnvironment = { cluster: bundleClusterView(objects.map((o) => o.object)), now };
  const unexempted = options.reportExempted === true ? withoutExemptions(ruleSet) : undefined;
  const results: ObjectResult[] = [];
  for (const { source, object } of objects) {
    const kind = kindOf(object);
    if (ruleSet.rulesFor(kind).length === 0) continue;
    const result = judgeObject(source, object, ruleSet, environment);
    results.push(unexempted === undefined ? result : withExemptedFindings(result, object, unexempted, environment));
  }
  let summary = summarize(results);
  if (unexempted !== undefined) summary = { ...summary, allowedByExemption: results.filter((r) => r.allowedByExemption !== undefined).length };
  const report: Report = { results, summary, dryRun: ruleSet.mode === 'audit' };
  if (options.reportNamespaces !== true) return report;
  const namespaces = objects.filter((o) => kindOf(o.object) === 'Namespace').map((o) => nameOf(o.object));
  const findings = namespacesWithoutDefaultDeny(namespaces, ruleSet, environment);
  return { ...report, namespaces: findings, summary: { ...report.summary, namespacesWithoutDefaultDeny: new Set(findings.map((f) => f.namespace)).size } };
}

/** Whether a report holds something that would be denied: exit code 1 of check and audit. */
export function hasDenials(report: Report): boolean {
  return report.summary.denied > 0 || (!report.dryRun && (report.namespaces ?? []).some((finding) => finding.enforcement === 'deny'));
}

/** One object judged by a rule set, in the report's terms. */
export function judgeObject(source: string, object: KubeObject, ruleSet: RuleSet, environment: EvaluationEnvironment): ObjectResult {
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

/** The same rules with every exemption removed: what the objects would get if none applied. */
function withoutExemptions(ruleSet: RuleSet): RuleSet {
  return createRuleSet(ruleSet.mode, ruleSet.rules.map((rule) => ({ ...rule, exclude: [] })), []);
}

/**
 * Marks an object that only its exemptions keep from being denied: it has no deny-level finding
 * of its own, and judged without exemptions the exempted rules deny it.
 */
function withExemptedFindings(result: ObjectResult, object: KubeObject, unexempted: RuleSet, environment: EvaluationEnvironment): ObjectResult {
  if (result.exemptions.length === 0 || result.findings.some((f) => f.enforcement === 'deny')) return result;
  const exemptions = new Map(result.exemptions.map((e) => [e.rule, e]));
  const hidden: ExemptedFinding[] = [];
  for (const finding of evaluate({ object, namespace: result.namespace }, unexempted, environment).findings) {
    const exemption = exemptions.get(finding.rule);
    if (exemption !== undefined && finding.enforcement === 'deny') hidden.push({ ...finding, exemption });
  }
  return hidden.length === 0 ? result : { ...result, allowedByExemption: hidden };
}
