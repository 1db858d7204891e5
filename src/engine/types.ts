/**
 * The engine's vocabulary: objects in, findings and patches out. Everything here is plain data so
 * the webhook, the CLI and the cluster audit can share it without conversion.
 */
import type { Operation } from 'fast-json-patch';

export type { Operation as PatchOperation } from 'fast-json-patch';

/** A Kubernetes object as it arrives: any JSON, of which we trust nothing but read what we need. */
export interface KubeObject {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: unknown;
  spec?: unknown;
  [field: string]: unknown;
}

/** The kinds rules can apply to, by their `kind` name (any API group or version). */
export const RESOURCE_KINDS = ['Service', 'Ingress', 'NetworkPolicy'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

export const ENFORCEMENTS = ['deny', 'warn', 'audit'] as const;
/** What a finding does: block the object, warn the user, or only record it. */
export type Enforcement = (typeof ENFORCEMENTS)[number];

export const MODES = ['enforce', 'audit'] as const;
/** `audit` turns the whole rule set into a dry run: nothing denied, nothing patched. */
export type Mode = (typeof MODES)[number];

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/**
 * What a check can learn about the cluster. Offline it is filled from the input files; in the
 * cluster, from informer caches. `undefined` means "not known right now".
 */
export interface ClusterView {
  /** NetworkPolicies of a namespace, or undefined when the cluster state is unavailable. */
  networkPoliciesIn(namespace: string): readonly KubeObject[] | undefined;
  /** A Namespace: null when it does not exist, undefined when unknown right now. */
  namespace(name: string): KubeObject | null | undefined;
  /** A Service: null when it does not exist, undefined when unknown right now. */
  service(namespace: string, name: string): KubeObject | null | undefined;
}

/** Everything a check may look at besides the object and its parameters. */
export interface CheckContext {
  /** The kind being judged: the request's, which the API server sets even if the object omits it. */
  readonly kind: string;
  readonly namespace: string;
  readonly operation: AdmissionOperation;
  readonly oldObject: KubeObject | undefined;
  readonly cluster: ClusterView;
  /** Evaluation time; exemptions compare their `expires` date against it. */
  readonly now: Date;
}

/** One problem a check found, before the engine attaches the rule that asked for it. */
export interface CheckFinding {
  /** Where in the object, as a JSONPath-like string: `spec.loadBalancerSourceRanges[0]`. */
  readonly path: string;
  /** What is wrong and how to fix it, in words a developer can act on. */
  readonly message: string;
  /** Patch that fixes this finding, applied when the rule has `mutate: true`. */
  readonly fix?: readonly Operation[];
  /** Overrides the rule's enforcement for this finding (a check parameter chose it). */
  readonly enforcement?: Enforcement | 'ignore';
}

/** A finding as reported: what the check said plus the rule it came from. */
export interface Finding {
  readonly rule: string;
  readonly enforcement: Enforcement;
  readonly message: string;
  readonly path: string;
}

/** A fix the engine patched in (or, in audit mode, would have). */
export interface Mutation {
  readonly rule: string;
  readonly message: string;
  readonly path: string;
  readonly patch: readonly Operation[];
}

/** A rule that did not run on the object because an exemption covered it. */
export interface AppliedExemption {
  readonly rule: string;
  readonly reason: string;
  readonly owner?: string;
  readonly expires?: string;
}

export type Verdict = 'allow' | 'warn' | 'deny';

/** The engine's answer for one object. */
export interface Evaluation {
  readonly verdict: Verdict;
  /** Findings that remain after mutation, in rule order. */
  readonly findings: readonly Finding[];
  /** Fixes applied (enforce mode) or that would have been applied (audit mode). */
  readonly mutations: readonly Mutation[];
  /** The JSON Patch to send, in order; empty in audit mode. */
  readonly patch: readonly Operation[];
  readonly exemptions: readonly AppliedExemption[];
  /** True when the rule set is in audit mode: the verdict never denies and nothing is patched. */
  readonly dryRun: boolean;
}

/** What the engine judges: an object (or, on DELETE, only the old one) and how it is changing. */
export interface EvaluationInput {
  readonly object: KubeObject | undefined;
  readonly oldObject?: KubeObject | undefined;
  readonly operation?: AdmissionOperation;
  /** The request's namespace; falls back to `metadata.namespace`, then `default`. */
  readonly namespace?: string;
  readonly kind?: string;
  /**
   * What to run (default `both`). `mutate`: only the fixes, for a mutating webhook, whose other
   * findings the validating call reports anyway. `validate`: no fixes, for a validating webhook,
   * which cannot patch, so what would have been fixed counts at the rule's enforcement.
   */
  readonly phase?: EvaluationPhase;
}

export type EvaluationPhase = 'mutate' | 'validate' | 'both';
