/**
 * A loaded, validated rule set, indexed by kind at load time so that an object of a kind no
 * rule reads costs one map lookup, however many rules there are.
 */
import type { AnyCheck } from '../checks/check.js';
import type { AdmissionOperation, Enforcement, Mode } from './types.js';

/** Where a rule or setting was written, for messages that send the reader to the line. */
export interface Origin {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** Where something was written, as editors and compilers print it: `rules/ingress.yaml:12:5`. */
export function formatOrigin(origin: Origin): string {
  return `${origin.file}:${origin.line}:${origin.column}`;
}

/** One exemption: objects it matches are not judged by the rule (or, set-wide, by any rule). */
export interface Exemption {
  readonly namespace?: string;
  readonly name?: string;
  readonly reason: string;
  /** Who answers for the exemption (a team, a person, a ticket). */
  readonly owner?: string;
  /** `YYYY-MM-DD`; the exemption applies through that day (UTC) and not after. */
  readonly expires?: string;
  /** The first moment (epoch ms) it no longer applies: the end of its last day; Infinity without `expires`. */
  readonly endsAt: number;
  readonly origin: Origin;
  /** Whether it covers an object with this namespace and name at `now`. */
  readonly matches: (namespace: string, name: string, now: Date) => boolean;
}

export const DAY_MS = 24 * 60 * 60 * 1000;

/** Whether an exemption has ended at `now` (it applies through its last day, not after). */
export function exemptionEnded(exemption: Pick<Exemption, 'endsAt'>, now: Date): boolean {
  return exemption.endsAt <= now.getTime();
}

/** When an exemption with this `expires` day stops applying: the end of that day, in UTC. */
export function exemptionEnd(expires: string | undefined): number {
  return expires === undefined ? Number.POSITIVE_INFINITY : Date.parse(`${expires}T00:00:00Z`) + DAY_MS;
}

/** What an exemption matches, as written: `namespace legacy-*, name partner-gateway`. */
export function describeExemptionMatch(exemption: Pick<Exemption, 'namespace' | 'name'>): string {
  return [exemption.namespace !== undefined ? `namespace ${exemption.namespace}` : '', exemption.name !== undefined ? `name ${exemption.name}` : ''].filter((part) => part !== '').join(', ');
}

export interface Rule {
  readonly id: string;
  readonly description: string;
  readonly check: AnyCheck;
  readonly enforcement: Enforcement;
  readonly mutate: boolean;
  /** Parameters with defaults filled in, validated against the check's schema. */
  readonly params: Readonly<Record<string, unknown>>;
  readonly exclude: readonly Exemption[];
  readonly origin: Origin;
}

export interface RuleSet {
  readonly mode: Mode;
  readonly rules: readonly Rule[];
  /** Exemptions that apply to every rule. */
  readonly exclude: readonly Exemption[];
  /** Rules that read objects of this kind (on this operation, when given), in rule order. */
  rulesFor(kind: string, operation?: AdmissionOperation): readonly Rule[];
}

/** Operations a check judges unless it says otherwise: DELETE mostly leaves nothing to expose. */
export const DEFAULT_OPERATIONS: readonly AdmissionOperation[] = ['CREATE', 'UPDATE'];

const NO_RULES: readonly Rule[] = Object.freeze([]);

export function createRuleSet(mode: Mode, rules: readonly Rule[], exclude: readonly Exemption[]): RuleSet {
  // kind → rules for any operation, and kind → operation → rules: two lookups per review, no key
  // built per call.
  const byKind = new Map<string, Rule[]>();
  const byOperation = new Map<string, Map<string, Rule[]>>();
  const add = <K>(index: Map<K, Rule[]>, key: K, rule: Rule) => {
    const list = index.get(key) ?? [];
    list.push(rule);
    index.set(key, list);
  };
  for (const rule of rules) {
    for (const kind of rule.check.kinds) {
      add(byKind, kind, rule);
      const operations = byOperation.get(kind) ?? new Map<string, Rule[]>();
      byOperation.set(kind, operations);
      for (const operation of rule.check.operations ?? DEFAULT_OPERATIONS) add(operations, operation, rule);
    }
  }
  return {
    mode,
    rules,
    exclude,
    rulesFor: (kind, operation) => (operation === undefined ? byKind.get(kind) : byOperation.get(kind)?.get(operation)) ?? NO_RULES,
  };
}
