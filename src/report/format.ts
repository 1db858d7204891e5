/** Renders a report for people (a table) or for programs (JSON). */
import type { Report } from './results.js';

export const OUTPUT_FORMATS = ['table', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function formatJson(report: Report): string {
  const namespaces = report.namespaces === undefined ? {} : { namespaces: report.namespaces };
  return `${JSON.stringify({ results: report.results, ...namespaces, summary: report.summary }, null, 2)}\n`;
}

function pad(rows: readonly (readonly string[])[]): string {
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
    if (lines === 0) rows.push([verdict, object, '-', '-', result.exemptions.length > 0 ? `exempt from ${result.exemptions.map((e) => e.rule).join(', ')}` : '']);
  }
  for (const finding of report.namespaces ?? []) rows.push([finding.enforcement === 'deny' && !report.dryRun ? 'deny' : 'warn', `Namespace ${finding.namespace}`, finding.rule, finding.enforcement, finding.message]);
  const { objects, denied, warned, patched } = report.summary;
  const mode = report.dryRun ? ' (audit mode: dry run, nothing denied or patched)' : '';
  const unprotected = report.summary.namespacesWithoutDefaultDeny;
  const namespaces = unprotected === undefined ? '' : `; ${unprotected} namespaces without default-deny egress`;
  return `${pad(rows)}\n\n${objects} objects: ${denied} denied, ${warned} warned, ${patched} patched${namespaces}${mode}\n`;
}
