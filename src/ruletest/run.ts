/**
 * Runs rule test cases through the engine, the same `evaluate` the webhook calls, and compares
 * what each resource got with what the case expects. Pure: cases and a rule set in, results out.
 */
import { isDeepStrictEqual } from 'node:util';
import { bundleClusterView, manifestNamespace, UNKNOWN_CLUSTER } from '../context/bundle.js';
import { effectivePhase, evaluate, runsInPhase } from '../engine/evaluate.js';
import type { RuleSet } from '../engine/rule-set.js';
import type { Evaluation, PatchOperation, Verdict } from '../engine/types.js';
import { kindOf, nameOf } from '../kube/read.js';
import type { TestCase } from './load.js';

/** What a resource got, in the terms a case states expectations in. */
export interface Outcome {
  readonly verdict: Verdict;
  /** Rules with findings after patches, sorted. */
  readonly findings: readonly string[];
  readonly patch: readonly PatchOperation[];
}

/** One way a resource's outcome differs from the case's expectation. */
export type Mismatch =
  | { readonly field: 'verdict'; readonly expected: Verdict; readonly actual: Verdict }
  | { readonly field: 'findings'; readonly missing: readonly string[]; readonly unexpected: readonly string[] }
  | { readonly field: 'patch'; readonly expected: readonly PatchOperation[]; readonly actual: readonly PatchOperation[] };

export interface ResourceResult {
  readonly source: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly outcome: Outcome;
  readonly evaluation: Evaluation;
  readonly mismatches: readonly Mismatch[];
}

export type CaseStatus = 'pass' | 'fail' | 'error';

export interface CaseResult {
  readonly case: TestCase;
  readonly status: CaseStatus;
  readonly resources: readonly ResourceResult[];
  /** Why the case could not be run (status `error`). */
  readonly error?: string;
}

/** How well the cases cover a rule: cases in which it reported, and cases in which it ran and passed. */
export interface RuleCoverage {
  readonly rule: string;
  readonly reported: number;
  readonly passed: number;
}

export interface TestRun {
  readonly results: readonly CaseResult[];
  readonly coverage: readonly RuleCoverage[];
  readonly summary: { readonly cases: number; readonly passed: number; readonly failed: number; readonly errors: number };
}

function outcomeOf(evaluation: Evaluation): Outcome {
  return { verdict: evaluation.verdict, findings: [...new Set(evaluation.findings.map((f) => f.rule))].sort(), patch: evaluation.patch };
}

function compare(expect: TestCase['expect'], actual: Outcome): Mismatch[] {
  const mismatches: Mismatch[] = [];
  if (expect.verdict !== undefined && expect.verdict !== actual.verdict) mismatches.push({ field: 'verdict', expected: expect.verdict, actual: actual.verdict });
  if (expect.findings !== undefined) {
    const missing = expect.findings.filter((rule) => !actual.findings.includes(rule)).sort();
    const unexpected = actual.findings.filter((rule) => !expect.findings!.includes(rule));
    if (missing.length > 0 || unexpected.length > 0) mismatches.push({ field: 'findings', missing, unexpected });
  }
  if (expect.patch !== undefined && !isDeepStrictEqual(expect.patch, actual.patch)) mismatches.push({ field: 'patch', expected: expect.patch as PatchOperation[], actual: actual.patch });
  return mismatches;
}

export function runCase(testCase: TestCase, ruleSet: RuleSet, now: Date): CaseResult {
  const cluster = testCase.cluster.available ? bundleClusterView(testCase.cluster.objects) : UNKNOWN_CLUSTER;
  const environment = { cluster, now: testCase.now ?? now };
  const resources: ResourceResult[] = [];
  for (const { source, object } of testCase.resources) {
    const kind = kindOf(object);
    if (ruleSet.rulesFor(kind, testCase.operation).length === 0) continue;
    const namespace = manifestNamespace(object);
    const deleting = testCase.operation === 'DELETE';
    const evaluation = evaluate(
      {
        object: deleting ? undefined : object,
        oldObject: deleting ? object : testCase.oldObject,
        operation: testCase.operation,
        namespace,
        kind,
        phase: testCase.phase,
      },
      ruleSet,
      environment,
    );
    const outcome = outcomeOf(evaluation);
    resources.push({ source, kind, namespace, name: nameOf(object), outcome, evaluation, mismatches: compare(testCase.expect, outcome) });
  }
  if (resources.length === 0) {
    const kinds = [...new Set(testCase.resources.map((r) => kindOf(r.object) || '(no kind)'))].join(', ');
    return { case: testCase, status: 'error', resources, error: `judges nothing: no rule of the set reads ${kinds} on ${testCase.operation}` };
  }
  return { case: testCase, status: resources.every((r) => r.mismatches.length === 0) ? 'pass' : 'fail', resources };
}

/** For each rule: cases where it reported (a finding or a patch) and cases where it ran and passed. */
function coverageOf(results: readonly CaseResult[], ruleSet: RuleSet): RuleCoverage[] {
  return ruleSet.rules.map((rule) => {
    let reported = 0;
    let passed = 0;
    for (const result of results) {
      if (!runsInPhase(rule, effectivePhase(result.case.operation, result.case.phase))) continue;
      const ran = result.resources.filter((r) => ruleSet.rulesFor(r.kind, result.case.operation).includes(rule) && !r.evaluation.exemptions.some((e) => e.rule === rule.id));
      if (ran.length === 0) continue;
      const reports = ran.some((r) => r.evaluation.findings.some((f) => f.rule === rule.id) || r.evaluation.mutations.some((m) => m.rule === rule.id));
      if (reports) reported++;
      else passed++;
    }
    return { rule: rule.id, reported, passed };
  });
}

export function runCases(cases: readonly TestCase[], ruleSet: RuleSet, now: Date): TestRun {
  const results = cases.map((testCase) => runCase(testCase, ruleSet, now));
  const count = (status: CaseStatus) => results.filter((r) => r.status === status).length;
  return {
    results,
    coverage: coverageOf(results, ruleSet),
    summary: { cases: results.length, passed: count('pass'), failed: count('fail'), errors: count('error') },
  };
}
