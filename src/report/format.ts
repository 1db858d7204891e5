/** Renders a report for people (a table) or for programs (JSON). */
import type { AppliedExemption } from '../engine/types.js';
import type { Report } from './results.js';

/** `Partner ranges being collected; owner team-edge; until 2027-03-31`. */
export function describeExemption(exemption: AppliedExemption): string {
  return [exemption.reason, exemption.owner !== undefined ? `owner ${exemption.owner}` : '', exemption.expires !== undefined ? `until ${exemption.expires}` : 'no end date'].filter((part) => part !== '').join('; ');
}

export const OUTPUT_FORMATS = ['table', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function formatJson(report: Report): string {
  const namespaces = report.namespaces === undefined ? {} : { namespaces: report.namespaces };
  return `${JSON.stringify({ results: report.results, ...namespaces, summary: report.summary }, null, 2)}\n`;
}

/** Rows as aligned columns, two spaces apart; the last column is not padded. */
export function pad(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}

/**
 * One line per finding and per patch; objects with neither get one `allow` line, so every judged
 * object appears.
 */
export function formatTable(report: Report): string {
  const rows: string[][] = [['VERDICT', 'OBJECT', 'RULE', 'ENFORCEMENT', 'MESSAGE']];
  for (const result of report.results) {
    const object = `${result.kind} ${result.namespace}/${result.name}`;
    const verdict = `${result.verdict}${result.patch.length > 0 ? '+patch' : ''}`;
    let lines = 0;
    for (const finding of result.findings) {
      rows.push([verdict, object, finding.rule, finding.enforcement, finding.message]);
      lines++;
    }
    for (const mutation of result.mutations) {
      rows.push([verdict, object, mutation.rule, report.dryRun ? 'would patch' : 'patched', mutation.message]);
      lines++;
    }
    for (const hidden of result.allowedByExemption ?? []) {
      rows.push([verdict, object, hidden.rule, 'exempt', `only an exemption allows this: ${hidden.message} (exempt: ${describeExemption(hidden.exemption)})`]);
      lines++;
    }
    if (lines === 0) rows.push([verdict, object, '-', '-', result.exemptions.length > 0 ? `exempt from ${result.exemptions.map((e) => e.rule).join(', ')}` : '']);
  }
  for (const finding of report.namespaces ?? []) rows.push([finding.enforcement === 'deny' && !report.dryRun ? 'deny' : 'warn', `Namespace ${finding.namespace}`, finding.rule, finding.enforcement, finding.message]);
  const { objects, denied, warned, patched } = report.summary;
  const mode = report.dryRun ? ' (audit mode: dry run, nothing denied or patched)' : '';
  const unprotected = report.summary.namespacesWithoutDefaultDeny;
  const namespaces = unprotected === undefined ? '' : `; ${unprotected} namespaces without default-deny egress`;
  const exempted = report.summary.allowedByExemption === undefined ? '' : `; ${report.summary.allowedByExemption} allowed only by an exemption`;
  return `${pad(rows)}\n\n${objects} objects: ${denied} denied, ${warned} warned, ${patched} patched${exempted}${namespaces}${mode}\n`;
}
