/**
 * NetworkPolicy semantics the checks share, following the API's own defaulting rules:
 * https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
import type { KubeObject } from '../engine/types.js';
import { field, isAbsentOrEmpty, isRecord, specOf } from './read.js';

/**
 * `spec.policyTypes` as the API server defaults it: when absent, a policy always affects
 * Ingress, and Egress only if it has egress rules.
 */
export function policyTypes(policy: KubeObject): readonly string[] {
  const spec = specOf(policy);
  if (Array.isArray(spec.policyTypes)) return spec.policyTypes.filter((t): t is string => typeof t === 'string');
  return Array.isArray(spec.egress) && spec.egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
}

/** An empty label selector (`{}`), which selects every pod of the namespace. */
export function selectsAllPods(selector: unknown): boolean {
  if (!isRecord(selector)) return false;
  const labels = field(selector, 'matchLabels');
  const expressions = field(selector, 'matchExpressions');
  const noLabels = labels === undefined || labels === null || (isRecord(labels) && Object.keys(labels).length === 0);
  return noLabels && isAbsentOrEmpty(expressions);
}

/**
 * A default-deny egress policy: selects every pod, declares Egress, and allows no egress at all.
 * Any other policy leaves some egress open, or some pods unselected.
 */
export function isDefaultDenyEgress(policy: KubeObject): boolean {
  const spec = specOf(policy);
  return selectsAllPods(spec.podSelector) && policyTypes(policy).includes('Egress') && isAbsentOrEmpty(spec.egress);
}
