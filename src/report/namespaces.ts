/**
 * Namespaces that could not take an entry point today: those without a default-deny egress
 * policy. Asked of the engine itself, by probing each namespace with an Ingress against the
 * egress-default-deny rules only, so the answer honours the same exemptions, namespace selectors
 * and enforcement as admission does and can never disagree with it.
 */
import { evaluate, type EvaluationEnvironment } from '../engine/evaluate.js';
import { createRuleSet, type RuleSet } from '../engine/rule-set.js';
import type { Enforcement } from '../engine/types.js';

export interface NamespaceFinding {
  readonly namespace: string;
  readonly rule: string;
  readonly enforcement: Enforcement;
  readonly message: string;
}

const EGRESS_CHECK = 'egress-default-deny';

export function namespacesWithoutDefaultDeny(namespaces: readonly string[], ruleSet: RuleSet, environment: EvaluationEnvironment): NamespaceFinding[] {
  const probeRules = createRuleSet(ruleSet.mode, ruleSet.rules.filter((rule) => rule.check.id === EGRESS_CHECK), ruleSet.exclude);
  if (probeRules.rules.length === 0) return [];
  const out: NamespaceFinding[] = [];
  for (const namespace of namespaces) {
    // No name: only namespace-wide exemptions apply to the namespace itself.
    const probe = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: '', namespace }, spec: {} };
    const evaluation = evaluate({ object: probe, namespace, kind: 'Ingress', phase: 'validate' }, probeRules, environment);
    for (const finding of evaluation.findings) out.push({ namespace, rule: finding.rule, enforcement: finding.enforcement, message: finding.message });
  }
  return out;
}
