/**
 * The impact of a rule change: the same objects judged under the base rules and the new rules,
 * and what each rule now does differently to each object. Pure: objects and two rule sets in, a
 * list of changes out; the CLI reads the objects and prints.
 */
import { bundleClusterView } from '../context/bundle.js';
import type { RuleSet } from '../engine/rule-set.js';
import type { Verdict } from '../engine/types.js';
import type { SourcedObject } from '../manifests/read.js';
import { judgeObject, type ObjectResult } from '../report/results.js';
import { kindOf } from '../kube/read.js';

/**
 * What a rule now does differently to an object. `also denied` and `still denied` are denials
 * that change on an object denied either way (by another rule): worth reading, but no one who can
 * apply the object today is stopped by them.
 */
export const CHANGE_KINDS = ['newly denied', 'also denied', 'newly warned', 'newly patched', 'no longer denied', 'still denied', 'no longer warned', 'no longer patched'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export interface RuleChange {
  readonly change: ChangeKind;
  readonly rule: string;
  /** What the rule says about the object: under the new rules, or the base ones for what stopped. */
  readonly message: string;
}

export interface ObjectChange {
  readonly source: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly before: Verdict;
  readonly after: Verdict;
  readonly changes: readonly RuleChange[];
}

export interface Impact {
  /** Objects judged (of kinds either rule set reads). */
  readonly objects: number;
  /** Objects with at least one change, in input order. */
  readonly changed: readonly ObjectChange[];
  /** Objects per kind of change (an object counts once per kind). */
  readonly counts: Readonly<Record<ChangeKind, number>>;
}

type Effect = 'deny' | 'warn' | 'patch';

/**
 * What each rule does to the object, as the person applying it would see it: in audit mode
 * nothing is denied or patched, and what would have been is a warning.
 */
function effects(result: ObjectResult, dryRun: boolean): Map<string, Map<Effect, string>> {
  const byRule = new Map<string, Map<Effect, string>>();
  const note = (rule: string, effect: Effect, message: string) => {
    const ofRule = byRule.get(rule) ?? new Map<Effect, string>();
    if (!ofRule.has(effect)) ofRule.set(effect, message);
    byRule.set(rule, ofRule);
  };
  for (const finding of result.findings) {
    if (finding.enforcement === 'deny') note(finding.rule, dryRun ? 'warn' : 'deny', finding.message);
    else if (finding.enforcement === 'warn') note(finding.rule, 'warn', finding.message);
  }
  for (const mutation of result.mutations) note(mutation.rule, dryRun ? 'warn' : 'patch', mutation.message);
  return byRule;
}

function changesOf(before: ObjectResult, after: ObjectResult, beforeDryRun: boolean, afterDryRun: boolean): RuleChange[] {
  const was = effects(before, beforeDryRun);
  const now = effects(after, afterDryRun);
  const wasDenied = before.verdict === 'deny';
  const isDenied = after.verdict === 'deny';
  const changes: RuleChange[] = [];
  const rules = [...new Set([...now.keys(), ...was.keys()])];
  for (const rule of rules) {
    const old = was.get(rule) ?? new Map<Effect, string>();
    const current = now.get(rule) ?? new Map<Effect, string>();
    for (const [effect, message] of current) {
      if (old.has(effect)) continue;
      const change: ChangeKind = effect === 'deny' ? (wasDenied ? 'also denied' : 'newly denied') : effect === 'warn' ? 'newly warned' : 'newly patched';
      changes.push({ change, rule, message });
    }
    for (const [effect, message] of old) {
      if (current.has(effect)) continue;
      const change: ChangeKind = effect === 'deny' ? (isDenied ? 'still denied' : 'no longer denied') : effect === 'warn' ? 'no longer warned' : 'no longer patched';
      changes.push({ change, rule, message });
    }
  }
  return changes.sort((a, b) => CHANGE_KINDS.indexOf(a.change) - CHANGE_KINDS.indexOf(b.change));
}

/**
 * Judges every object under both rule sets, each object with the same view of the cluster: the
 * objects themselves (files or a cluster listing).
 */
export function ruleChangeImpact(objects: readonly SourcedObject[], base: RuleSet, next: RuleSet, now: Date): Impact {
  const environment = { cluster: bundleClusterView(objects.map((o) => o.object)), now };
  const counts = Object.fromEntries(CHANGE_KINDS.map((kind) => [kind, 0])) as Record<ChangeKind, number>;
  const changed: ObjectChange[] = [];
  let judged = 0;
  for (const { source, object } of objects) {
    const kind = kindOf(object);
    if (base.rulesFor(kind).length === 0 && next.rulesFor(kind).length === 0) continue;
    judged++;
    const before = judgeObject(source, object, base, environment);
    const after = judgeObject(source, object, next, environment);
    const changes = changesOf(before, after, base.mode === 'audit', next.mode === 'audit');
    if (changes.length === 0) continue;
    for (const kindOfChange of new Set(changes.map((c) => c.change))) counts[kindOfChange]++;
    changed.push({ source, kind: after.kind, namespace: after.namespace, name: after.name, before: before.verdict, after: after.verdict, changes });
  }
  return { objects: judged, changed, counts };
}

/** Whether the change stops someone from applying an object they can apply today: `diff` exits 1. */
export function hasNewDenials(impact: Impact): boolean {
  return impact.counts['newly denied'] > 0;
}
