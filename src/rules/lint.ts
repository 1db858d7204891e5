/**
 * What `perimeter lint-rules` says about a rule set that loads: exemptions that are about to
 * expire (someone must renew or remove them before objects start being denied) and exemptions
 * that have expired (they no longer apply, so they only mislead the reader of the rule file).
 * Pure: the rule set and the day in, problems out.
 */
import { DAY_MS, describeExemptionMatch, exemptionEnded, type Exemption, type Origin, type RuleSet } from '../engine/rule-set.js';
import { formatProblem, sortProblems } from './yaml-source.js';

export const LINT_SEVERITIES = ['error', 'warning'] as const;
export type LintSeverity = (typeof LINT_SEVERITIES)[number];

export interface LintProblem extends Origin {
  readonly severity: LintSeverity;
  readonly message: string;
}

export interface LintOptions {
  /** Exemptions that end within this many days get a warning. */
  readonly expiringWithinDays: number;
  /** What an exemption that has already ended is. */
  readonly expired: LintSeverity;
}

export const DEFAULT_EXPIRY_WARNING_DAYS = 14;

function lintExemption(exemption: Exemption, scope: string, now: Date, options: LintOptions): LintProblem | undefined {
  if (exemption.expires === undefined) return undefined;
  const { endsAt } = exemption;
  const owner = exemption.owner !== undefined ? `; owner: ${exemption.owner}` : `; reason: ${exemption.reason}`;
  const what = `exemption from ${scope} (${describeExemptionMatch(exemption)})`;
  if (exemptionEnded(exemption, now)) {
    return { ...exemption.origin, severity: options.expired, message: `${what} expired on ${exemption.expires} and no longer applies; remove it, or renew it with a new expires date${owner}` };
  }
  // Whole days from today (UTC) to the last day: 0 when today is the last day.
  const daysLeft = Math.floor((endsAt - DAY_MS - Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())) / DAY_MS);
  if (daysLeft <= options.expiringWithinDays) {
    const when = daysLeft === 0 ? 'today is its last day' : `its last day is in ${daysLeft} ${daysLeft === 1 ? 'day' : 'days'}`;
    return { ...exemption.origin, severity: 'warning', message: `${what} expires on ${exemption.expires}: ${when}, then the objects it covers are judged${owner}` };
  }
  return undefined;
}

export function lintRuleSet(ruleSet: RuleSet, now: Date, options: LintOptions): LintProblem[] {
  const problems: LintProblem[] = [];
  const add = (problem: LintProblem | undefined) => problem !== undefined && problems.push(problem);
  for (const exemption of ruleSet.exclude) add(lintExemption(exemption, 'every rule', now, options));
  for (const rule of ruleSet.rules) for (const exemption of rule.exclude) add(lintExemption(exemption, `rule ${rule.id}`, now, options));
  return sortProblems(problems);
}

export function formatLintProblem(problem: LintProblem): string {
  return formatProblem({ ...problem, message: `${problem.severity}: ${problem.message}` });
}
