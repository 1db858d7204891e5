/**
 * Turns the engine's evaluation into an admission response. The HTTP layer never decides:
 * it hands a parsed request here and sends back what comes out.
 *
 * - `/mutate` only patches. It never denies, so that the final word on an object belongs to
 *   `/validate`, which the API server calls after every mutating webhook has run.
 * - `/validate` cannot patch: what a mutating rule would have fixed counts as a finding at the
 *   rule's enforcement (the object reached us unfixed, so the mutating call did not happen).
 * - In audit mode neither denies nor patches; `/validate` reports what would have happened
 *   (with mutations simulated) as warnings, prefixed so users know it is a dry run.
 */
import { evaluate, type EvaluationEnvironment } from '../engine/evaluate.js';
import type { RuleSet } from '../engine/rule-set.js';
import type { Evaluation, Finding, KubeObject } from '../engine/types.js';
import { allowed, errored, forbiddenStatus, patched, type AdmissionRequest, type AdmissionResponse } from './review.js';
import type { OnTimeout } from './time-budget.js';

export type AdmissionRoute = 'validate' | 'mutate';

/** Prefix of every warning, so users can tell who said it. */
export const WARNING_PREFIX = 'perimeter';
export const AUDIT_MODE_PREFIX = '[audit mode, not enforced]';
/** kubectl prints warnings on one line each; long ones are cut to stay readable. */
const MAX_WARNING_LENGTH = 240;
/**
 * The API server keeps at most 4 KiB of warnings per request and drops the rest; a handful of
 * lines, with a count of what was left out, says more than a truncated list.
 */
const MAX_WARNINGS = 12;
/** Findings named in a denial or an audit annotation; the rest are counted. */
const MAX_LISTED_FINDINGS = 20;
const MAX_FINDING_LINE = 400;

export interface Decision {
  readonly response: AdmissionResponse;
  readonly evaluation: Evaluation;
}

function short(text: string): string {
  return text.length <= MAX_WARNING_LENGTH ? text : `${text.slice(0, MAX_WARNING_LENGTH - 1)}…`;
}

function findingLine(finding: Finding): string {
  const line = `[${finding.rule}] ${finding.message}`;
  return line.length <= MAX_FINDING_LINE ? line : `${line.slice(0, MAX_FINDING_LINE - 1)}…`;
}

/** The first `limit` items, and a note of how many more there were. */
function capped(lines: readonly string[], limit: number, more: (count: number) => string): string[] {
  return lines.length <= limit ? [...lines] : [...lines.slice(0, limit - 1), more(lines.length - limit + 1)];
}

function objectLabel(request: AdmissionRequest): string {
  const name = request.name ?? '';
  return `${request.kind.kind} ${request.namespace ? `${request.namespace}/` : ''}${name}`.trim();
}

/** Verdict and audit-level findings, for the API server's audit log. */
function auditAnnotations(evaluation: Evaluation): Record<string, string> {
  const annotations: Record<string, string> = { verdict: evaluation.verdict };
  const audited = evaluation.findings.filter((f) => f.enforcement === 'audit' || evaluation.dryRun);
  if (audited.length > 0) {
    const listed = audited.slice(0, MAX_LISTED_FINDINGS).map(({ rule, enforcement, path }) => ({ rule, enforcement, path }));
    annotations.findings = JSON.stringify(listed);
    if (audited.length > listed.length) annotations['findings-omitted'] = String(audited.length - listed.length);
  }
  if (evaluation.dryRun) annotations.mode = 'audit';
  return annotations;
}

function validateResponse(request: AdmissionRequest, evaluation: Evaluation): AdmissionResponse {
  const warnings: string[] = [];
  if (evaluation.dryRun) {
    for (const finding of evaluation.findings) {
      if (finding.enforcement === 'audit') continue;
      const would = finding.enforcement === 'deny' ? 'would deny' : 'warning';
      warnings.push(short(`${WARNING_PREFIX} ${AUDIT_MODE_PREFIX} ${would}: ${findingLine(finding)}`));
    }
    for (const mutation of evaluation.mutations) {
      warnings.push(short(`${WARNING_PREFIX} ${AUDIT_MODE_PREFIX} would patch: [${mutation.rule}] ${mutation.message}`));
    }
  } else {
    for (const finding of evaluation.findings) {
      if (finding.enforcement === 'warn') warnings.push(short(`${WARNING_PREFIX}: ${findingLine(finding)}`));
    }
  }
  const shown = warnings.length > 0 ? capped(warnings, MAX_WARNINGS, (count) => `${WARNING_PREFIX}: ${count} more warnings not shown`) : undefined;
  const annotations = auditAnnotations(evaluation);
  // One literal per shape of answer, not fields added to an allow or a denial afterwards: each
  // field added to a made object costs V8 a change of its layout, which with the patched answer's
  // spread was 0.25-0.36 µs a review in a loop (README, Performance).
  if (evaluation.verdict !== 'deny') {
    return shown === undefined
      ? { uid: request.uid, allowed: true, auditAnnotations: annotations }
      : { uid: request.uid, allowed: true, warnings: shown, auditAnnotations: annotations };
  }
  const lines = evaluation.findings.filter((f) => f.enforcement === 'deny').map(findingLine);
  const listed = capped(lines, MAX_LISTED_FINDINGS, (count) => `and ${count} more findings`);
  const status = forbiddenStatus(`perimeter denied ${objectLabel(request)}: ${listed.join('; ')}`);
  return shown === undefined
    ? { uid: request.uid, allowed: false, status, auditAnnotations: annotations }
    : { uid: request.uid, allowed: false, status, warnings: shown, auditAnnotations: annotations };
}

function mutateResponse(request: AdmissionRequest, evaluation: Evaluation): AdmissionResponse {
  // An empty patch is left out: the object needs no change.
  if (evaluation.patch.length === 0) return allowed(request.uid);
  const lines = evaluation.mutations.map((m) => short(`${WARNING_PREFIX}: patched [${m.rule}] ${m.message}`));
  return patched(request.uid, evaluation.patch, capped(lines, MAX_WARNINGS, (count) => `${WARNING_PREFIX}: ${count} more patches not shown`));
}

/** Judges one admission request on one route. Never throws. */
export function decide(route: AdmissionRoute, request: AdmissionRequest, ruleSet: RuleSet, environment: EvaluationEnvironment): Decision {
  const evaluation = evaluate(
    {
      object: (request.object ?? undefined) as KubeObject | undefined,
      oldObject: (request.oldObject ?? undefined) as KubeObject | undefined,
      operation: request.operation,
      namespace: request.namespace,
      kind: request.kind.kind,
      // Mutations are simulated on /validate only in audit mode, to report "would patch".
      phase: route === 'mutate' ? 'mutate' : ruleSet.mode === 'audit' ? 'both' : 'validate',
    },
    ruleSet,
    environment,
  );
  return { evaluation, response: route === 'mutate' ? mutateResponse(request, evaluation) : validateResponse(request, evaluation) };
}

/**
 * The answer to a review that arrived with too little of the API server's timeout left to be
 * judged: denied or allowed (with a warning) as `--on-timeout` says. In audit mode it is always
 * allowed, since audit mode never blocks.
 */
export function outOfTime(request: AdmissionRequest, mode: RuleSet['mode'], onTimeout: OnTimeout, timeoutMs: number): AdmissionResponse {
  const why = `could not judge ${objectLabel(request)} within the API server's ${timeoutMs / 1000} s timeout (the review took too long to arrive)`;
  if (onTimeout === 'deny' && mode !== 'audit') {
    return errored(request.uid, 504, `perimeter ${why}; denied by --on-timeout deny, try again`, 'Timeout');
  }
  return {
    uid: request.uid,
    allowed: true,
    warnings: [short(`${WARNING_PREFIX}${mode === 'audit' ? ` ${AUDIT_MODE_PREFIX}` : ''}: ${why}; allowed without judging`)],
    auditAnnotations: { verdict: 'not-judged', reason: 'out of time' },
  };
}
