/**
 * `perimeter audit`: what is already wrong, in a live cluster (`--cluster`) or in files, with the
 * same engine and rules as admission. Also lists each namespace without a default-deny egress
 * policy. Output as a table, JSON, or PolicyReport objects.
 */
import { stringify } from 'yaml';
import { formatJson, formatTable } from '../report/format.js';
import { toPolicyReports } from '../report/policy-report.js';
import { hasDenials, judgeBundle } from '../report/results.js';
import { loadRuleDirectory } from '../rules/load.js';
import { EXIT, type CommandIO } from './io.js';
import { readObjects, type ObjectSourceOptions } from './objects.js';

export const AUDIT_FORMATS = ['table', 'json', 'policyreport'] as const;
export type AuditFormat = (typeof AUDIT_FORMATS)[number];

export interface AuditOptions extends ObjectSourceOptions {
  readonly rulesDir: string;
  readonly output: AuditFormat;
}

export async function runAudit(options: AuditOptions, io: CommandIO): Promise<number> {
  const ruleSet = await loadRuleDirectory(options.rulesDir);
  const objects = await readObjects(options, io);
  const now = io.now();
  const report = judgeBundle(objects, ruleSet, now, { reportNamespaces: true, reportExempted: true });
  if (options.output === 'policyreport') {
    // YAML 1.1 quoting, as kubectl reads YAML 1.1: a namespace called `on` or `no` stays a string.
    const documents = toPolicyReports(report, ruleSet, now, { clusterReport: options.namespace === undefined });
    io.stdout(documents.map((document) => `---\n${stringify(document, { aliasDuplicateObjects: false, version: '1.1' })}`).join(''));
  }
  else io.stdout(options.output === 'json' ? formatJson(report) : formatTable(report));
  return hasDenials(report) ? EXIT.DENIED : EXIT.OK;
}
