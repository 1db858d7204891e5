/**
 * The engine: one object and a rule set in, one evaluation out. Pure: everything it may look at
 * arrives in its arguments, so the webhook, `perimeter check` and the cluster audit cannot
 * disagree.
 *
 * Order follows the API server's: mutations first (each mutating rule sees the patches of the
 * ones before it, repeated until nothing changes, like `reinvocationPolicy: IfNeeded`), then
 * every rule validates the patched object.
 */
import { applyFix } from './apply-fix.js';
import { metadataOf, nameOf, str, kindOf } from '../kube/read.js';
import type { Exemption, Rule, RuleSet } from './rule-set.js';
import type {
  AdmissionOperation,
  AppliedExemption,
  CheckContext,
  CheckFinding,
  ClusterView,
  Evaluation,
  EvaluationInput,
  EvaluationPhase,
  Finding,
  KubeObject,
  Mutation,
  PatchOperation,
  Verdict,
} from './types.js';

/** What the engine needs besides the object: cluster state and the time. */
export interface EvaluationEnvironment {
  readonly cluster: ClusterView;
  readonly now: Date;
}

const ALLOWED: Evaluation = Object.freeze({
  verdict: 'allow',
  findings: Object.freeze([]),
  mutations: Object.freeze([]),
  patch: Object.freeze([]),
  exemptions: Object.freeze([]),
  dryRun: false,
});

function firstMatch(exemptions: readonly Exemption[], namespace: string, name: string, now: Date): Exemption | undefined {
  for (const exemption of exemptions) if (exemption.matches(namespace, name, now)) return exemption;
  return undefined;
}

function appliedExemption(rule: Rule, exemption: Exemption): AppliedExemption {
  return {
    rule: rule.id,
    reason: exemption.reason,
    ...(exemption.owner !== undefined ? { owner: exemption.owner } : {}),
    ...(exemption.expires !== undefined ? { expires: exemption.expires } : {}),
  };
}

/**
 * Runs one check. A check must not throw; if one does anyway, the object is denied with the
 * reason, because failing open is what this webhook exists to prevent.
 */
function runCheck(rule: Rule, object: KubeObject, context: CheckContext): readonly CheckFinding[] {
  try {
    return rule.check.evaluate(object, rule.params, context);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return [{ path: '', enforcement: 'deny', message: `check ${rule.check.id} failed on this object (${reason}); denied to be safe` }];
  }
}

function toFinding(rule: Rule, found: CheckFinding): Finding | undefined {
  const enforcement = found.enforcement ?? rule.enforcement;
  if (enforcement === 'ignore') return undefined;
  return { rule: rule.id, enforcement, message: found.message, path: found.path };
}

function verdictOf(findings: readonly Finding[], mutations: readonly Mutation[], dryRun: boolean): Verdict {
  const denies = findings.some((finding) => finding.enforcement === 'deny');
  if (denies && !dryRun) return 'deny';
  // In audit mode, whatever would have denied or patched is shown as a warning instead.
  if (denies || findings.some((finding) => finding.enforcement === 'warn') || (dryRun && mutations.length > 0)) return 'warn';
  return 'allow';
}

/** The phase an evaluation runs in: nothing is patched into an object being deleted. */
export function effectivePhase(operation: AdmissionOperation, phase: EvaluationPhase | undefined): EvaluationPhase {
  return operation === 'DELETE' ? 'validate' : (phase ?? 'both');
}

/**
 * Whether `evaluate` runs a rule's check in a phase (an exemption aside): the mutate phase runs
 * only the mutating rules, the others run every rule.
 */
export function runsInPhase(rule: Rule, phase: EvaluationPhase): boolean {
  return phase !== 'mutate' || rule.mutate;
}

/** Judges one object against a rule set. Never throws. */
export function evaluate(input: EvaluationInput, ruleSet: RuleSet, environment: EvaluationEnvironment): Evaluation {
  const operation = input.operation ?? 'CREATE';
  // On DELETE the API server sends only the old object; that is what a check judges.
  const object = operation === 'DELETE' ? input.oldObject : input.object;
  if (object === undefined || object === null || typeof object !== 'object') return ALLOWED;
  const kind = input.kind ?? kindOf(object);
  const rules = ruleSet.rulesFor(kind, operation);
  if (rules.length === 0) return ALLOWED;
  const phase = effectivePhase(operation, input.phase);

  const namespace = input.namespace || str(metadataOf(object).namespace) || 'default';
  const name = nameOf(object);
  const { now } = environment;
  const active: Rule[] = [];
  const exemptions: AppliedExemption[] = [];
  const setWide = firstMatch(ruleSet.exclude, namespace, name, now);
  for (const rule of rules) {
    const exemption = setWide ?? firstMatch(rule.exclude, namespace, name, now);
    if (exemption === undefined) active.push(rule);
    else exemptions.push(appliedExemption(rule, exemption));
  }

  const context: CheckContext = { kind, namespace, operation, oldObject: input.oldObject ?? undefined, cluster: environment.cluster, now };
  let current: KubeObject = object;
  const patch: PatchOperation[] = [];
  const mutations: Mutation[] = [];
  // Which rules run in which phase is `runsInPhase` (above), written out here for the review path.
  const mutating = phase === 'validate' ? [] : active.filter((rule) => rule.mutate);
  // Findings of the first mutation pass, reused by validation when nothing was patched (no map
  // when no rule mutates: most reviews, on /validate).
  const firstPass = mutating.length > 0 ? new Map<Rule, readonly CheckFinding[]>() : undefined;
  // Each pass lets every mutating rule see the patches of the others; a fix removes its own
  // finding, so this settles in at most one pass per mutating rule.
  for (let pass = 0; pass <= mutating.length; pass++) {
    let changed = false;
    for (const rule of mutating) {
      const results = runCheck(rule, current, context);
      if (pass === 0) firstPass?.set(rule, results);
      for (const found of results) {
        if (found.fix === undefined || found.fix.length === 0 || found.enforcement === 'ignore') continue;
        const patched = applyFix(current, found.fix);
        if (patched === undefined) continue;
        current = patched;
        patch.push(...found.fix);
        mutations.push({ rule: rule.id, message: found.message, path: found.path, patch: found.fix });
        changed = true;
      }
    }
    if (!changed) break;
  }

  const findings: Finding[] = [];
  for (const rule of phase === 'mutate' ? [] : active) {
    const unchanged = patch.length === 0 ? firstPass?.get(rule) : undefined;
    for (const found of unchanged ?? runCheck(rule, current, context)) {
      const finding = toFinding(rule, found);
      if (finding !== undefined) findings.push(finding);
    }
  }

  const dryRun = ruleSet.mode === 'audit';
  return {
    verdict: verdictOf(findings, mutations, dryRun),
    findings,
    mutations,
    patch: dryRun ? [] : patch,
    exemptions,
    dryRun,
  };
}
