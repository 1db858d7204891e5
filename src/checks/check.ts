/**
 * The contract every check implements: a pure function from (object, parameters, context) to
 * findings, each with an optional fix. No I/O, no clocks, no globals: the context carries what
 * the cluster knows and the evaluation time.
 */
import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { AdmissionOperation, CheckContext, CheckFinding, KubeObject, ResourceKind } from '../engine/types.js';

/** A problem with a check's parameters beyond what the schema can say (a CIDR that won't parse). */
export interface ParamProblem {
  /** Path below `params`, as segments: `['allowedCidrs', 2]`. */
  readonly path: readonly (string | number)[];
  readonly message: string;
}

export interface CheckDefinition<P extends TObject = TObject> {
  /** Stable id used by rule files in `check:`. */
  readonly id: string;
  /** One line: what the check protects against. */
  readonly summary: string;
  /** Object kinds the check reads; the engine only calls it for these. */
  readonly kinds: readonly ResourceKind[];
  /**
   * Operations the check judges (default CREATE and UPDATE). On DELETE the engine passes the
   * object being deleted (the request's `oldObject`).
   */
  readonly operations?: readonly AdmissionOperation[];
  /** Whether findings can carry a fix, so a rule may set `mutate: true`. */
  readonly canMutate: boolean;
  /** JSON Schema of `params`, with defaults; published in the rule-file schema. */
  readonly params: P;
  /** Semantic checks of parameters that a schema cannot express, run once at load time. */
  readonly validateParams?: (params: Static<P>) => readonly ParamProblem[];
  /** Finds the problems in one object. Must not throw on any input. */
  readonly evaluate: (object: KubeObject, params: Static<P>, context: CheckContext) => readonly CheckFinding[];
  /** What `docs/rules.md` and `perimeter explain` say about the check (src/docs/reference.ts). */
  readonly reference: CheckReference;
}

/** The reference documentation of a check; what the engine says about the examples is computed. */
export interface CheckReference {
  /**
   * Markdown paragraphs (inline code and emphasis; no lists, tables or code blocks, since the
   * terminal reference rewraps paragraphs only): what the check protects against and how it
   * reads objects.
   */
  readonly description: string;
  /** Objects the check reports and passes, judged with the default parameters unless `params` is given. */
  readonly examples: { readonly denied: CheckExample; readonly allowed: CheckExample };
}

/** One example object, judged by a rule of the check with enforcement `deny`. */
export interface CheckExample {
  readonly object: KubeObject;
  /** Parameters the rule sets; defaults fill the rest. */
  readonly params?: Readonly<Record<string, unknown>>;
  /** Objects that exist in the cluster (for cluster-aware checks); absent: nothing exists. */
  readonly cluster?: readonly KubeObject[];
  /** One sentence on what the example shows. */
  readonly note?: string;
}

/**
 * A check as the engine holds it: parameters are plain data at this level. The loader only ever
 * passes parameters that passed `params` validation, which is what makes the erasure sound.
 */
export interface AnyCheck extends Omit<CheckDefinition, 'evaluate' | 'validateParams'> {
  readonly validateParams?: (params: Readonly<Record<string, unknown>>) => readonly ParamProblem[];
  readonly evaluate: (object: KubeObject, params: Readonly<Record<string, unknown>>, context: CheckContext) => readonly CheckFinding[];
}

/**
 * A rule's parameters as the check receives them: a copy of what the rule file wrote (never the
 * caller's object), with the schema's defaults filled in for what it left out.
 */
export function paramsWithDefaults(check: Pick<AnyCheck, 'params'>, written: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  return Value.Default(check.params, structuredClone(written)) as Record<string, unknown>;
}

/** Defines a check with its parameter types inferred from its schema, and registers it erased. */
export function defineCheck<P extends TObject>(definition: CheckDefinition<P>): AnyCheck {
  return definition as unknown as AnyCheck;
}

/** A string restricted to a list of values, rendered as a plain JSON Schema `enum`. */
export function StringEnum<const T extends readonly string[]>(values: T, options: { default?: T[number]; description?: string } = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

export type { TSchema };

/**
 * Whether a check reads cluster state (`context.cluster`) besides the object. Every such check
 * takes `onClusterUnavailable`, which says what to do when that state cannot be read; the
 * parameter is the mark.
 */
export function isClusterAware(check: AnyCheck): boolean {
  return 'onClusterUnavailable' in check.params.properties;
}
