/**
 * Renders a test run: one line per case, and for a failure what was expected, what the engine
 * said, and a line diff of the patches; or JSON for programs.
 */
import { diffLines } from 'diff';
import { stringify } from 'yaml';
import type { PatchOperation } from '../engine/types.js';
import { describeExemption } from '../report/format.js';
import type { CaseResult, Mismatch, ResourceResult, TestRun } from './run.js';

const INDENT = '      ';

const cases = (count: number) => `${count} ${count === 1 ? 'case' : 'cases'}`;

/** Expected and actual patch as YAML, line by line: `-` expected only, `+` actual only. */
function patchDiff(expected: readonly PatchOperation[], actual: readonly PatchOperation[]): string[] {
  const text = (patch: readonly PatchOperation[]) => (patch.length === 0 ? '[]\n' : stringify(patch));
  const lines: string[] = [`${INDENT}  --- expected patch`, `${INDENT}  +++ actual patch`];
  for (const part of diffLines(text(expected), text(actual))) {
    const mark = part.added ? '+' : part.removed ? '-' : ' ';
    for (const line of part.value.replace(/\n$/, '').split('\n')) lines.push(`${INDENT}  ${mark} ${line}`);
  }
  return lines;
}

function describeMismatch(mismatch: Mismatch): string[] {
  switch (mismatch.field) {
    case 'verdict':
      return [`${INDENT}verdict:  expected ${mismatch.expected}, got ${mismatch.actual}`];
    case 'findings':
      return [
        `${INDENT}findings:`,
        ...mismatch.missing.map((rule) => `${INDENT}  - ${rule}  (expected, not reported)`),
        ...mismatch.unexpected.map((rule) => `${INDENT}  + ${rule}  (reported, not expected)`),
      ];
    case 'patch':
      return [`${INDENT}patch:`, ...patchDiff(mismatch.expected, mismatch.actual)];
  }
}

/** What the engine said about a resource, so a failure can be understood without re-running it. */
function engineSaid(resource: ResourceResult): string[] {
  const { evaluation } = resource;
  const lines = [`${INDENT}the engine said: ${evaluation.verdict}${evaluation.patch.length > 0 ? ' with a patch' : ''}`];
  for (const finding of evaluation.findings) lines.push(`${INDENT}  ${finding.rule} (${finding.enforcement}): ${finding.message}`);
  for (const mutation of evaluation.mutations) lines.push(`${INDENT}  ${mutation.rule} (patch): ${mutation.message}`);
  for (const exemption of evaluation.exemptions) lines.push(`${INDENT}  ${exemption.rule} (exempt): ${describeExemption(exemption)}`);
  return lines;
}

function formatCase(result: CaseResult): string[] {
  const { case: testCase } = result;
  const head = `${result.status.toUpperCase().padEnd(5)} ${testCase.name}`;
  if (result.status === 'pass') return [`  ${head}`];
  if (result.status === 'error') return [`  ${head}`, `${INDENT}${testCase.file}:${testCase.origin.line}: ${result.error ?? 'error'}`];
  const lines = [`  ${head}`];
  for (const resource of result.resources) {
    if (resource.mismatches.length === 0) continue;
    lines.push(`${INDENT}${resource.kind} ${resource.namespace}/${resource.name} (${resource.source}), case at ${testCase.file}:${testCase.origin.line}`);
    for (const mismatch of resource.mismatches) lines.push(...describeMismatch(mismatch));
    lines.push(...engineSaid(resource));
  }
  return lines;
}

export function formatTestRun(run: TestRun): string {
  const lines: string[] = [];
  let file: string | undefined;
  for (const result of run.results) {
    if (result.case.file !== file) {
      file = result.case.file;
      lines.push(file);
    }
    lines.push(...formatCase(result));
  }
  const uncovered = run.coverage.filter((c) => c.reported === 0 || c.passed === 0);
  if (uncovered.length > 0) {
    lines.push('', 'rules without both a case where they report and one where they pass:');
    for (const c of uncovered) lines.push(`  ${c.rule}: reports in ${cases(c.reported)}, passes in ${cases(c.passed)}`);
  }
  const { passed, failed, errors } = run.summary;
  lines.push('', `${cases(run.summary.cases)}: ${passed} passed, ${failed} failed, ${errors} errors`);
  return `${lines.join('\n')}\n`;
}

/** The run for programs: each case with its status, and for each judged resource what it got. */
export function formatTestRunJson(run: TestRun): string {
  const results = run.results.map((result) => ({
    file: result.case.file,
    line: result.case.origin.line,
    name: result.case.name,
    status: result.status,
    ...(result.error !== undefined ? { error: result.error } : {}),
    resources: result.resources.map((r) => ({ source: r.source, kind: r.kind, namespace: r.namespace, name: r.name, ...r.outcome, mismatches: r.mismatches })),
  }));
  return `${JSON.stringify({ results, coverage: run.coverage, summary: run.summary }, null, 2)}\n`;
}
