/**
 * `perimeter audit`: what is already wrong, in a live cluster (`--cluster`) or in files, with the
 * same engine and rules as admission. Also lists each namespace without a default-deny egress
 * policy. Output as a table, JSON, or PolicyReport objects.
 */
import { stringify } from 'yaml';
import { readManifests, type SourcedObject } from '../manifests/read.js';
import { formatJson, formatTable } from '../report/format.js';
import { toPolicyReports } from '../report/policy-report.js';
import { hasDenials, judgeBundle } from '../report/results.js';
import { loadRuleDirectory } from '../rules/load.js';
import { EXIT, UsageError, type CommandIO } from './io.js';

export const AUDIT_FORMATS = ['table', 'json', 'policyreport'] as const;
export type AuditFormat = (typeof AUDIT_FORMATS)[number];

export interface AuditOptions {
  readonly rulesDir: string;
  readonly output: AuditFormat;
  readonly cluster: boolean;
  readonly kubeconfig?: string;
  readonly namespace?: string;
  readonly files: readonly string[];
  /** Items per list page (like kubectl's --chunk-size). */
  readonly chunkSize?: number;
}

export async function runAudit(options: AuditOptions, io: CommandIO): Promise<number> {
  if (options.cluster === (options.files.length > 0)) throw new UsageError('audit takes either --cluster or FILE... (or - for standard input)');
  if (!options.cluster && (options.kubeconfig !== undefined || options.namespace !== undefined)) throw new UsageError('--kubeconfig and --namespace go with --cluster');
  const ruleSet = await loadRuleDirectory(options.rulesDir);
  let objects: SourcedObject[];
  if (options.cluster) {
    // @kubernetes/client-node costs about 60 MiB of memory to load; only a cluster run pays it.
    const [{ createApiClient, loadKubeConfig }, { listClusterObjects }] = await Promise.all([import('../cluster/api.js'), import('../audit/cluster.js')]);
    const client = createApiClient(loadKubeConfig(options.kubeconfig));
    io.stderr(`auditing ${client.server}${options.namespace === undefined ? '' : ` namespace ${options.namespace}`}\n`);
    objects = await listClusterObjects(client, {
      ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
      ...(options.chunkSize === undefined ? {} : { pageSize: options.chunkSize }),
      progress: (kind, listed) => io.stderr(`  listed ${listed} ${kind} objects\n`),
    });
  } else {
    objects = await readManifests(options.files, io.readStdin);
  }
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
