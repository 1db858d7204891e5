/** `perimeter check`: judge manifests offline with the same engine the webhook uses. */
import { loadRuleDirectory } from '../rules/load.js';
import { readManifests } from '../manifests/read.js';
import { hasDenials, judgeBundle } from '../report/results.js';
import { formatJson, formatTable, type OutputFormat } from '../report/format.js';
import { EXIT, type CommandIO } from './io.js';

export interface CheckOptions {
  readonly rulesDir: string;
  readonly output: OutputFormat;
  readonly files: readonly string[];
}

export async function runCheck(options: CheckOptions, io: CommandIO): Promise<number> {
  const ruleSet = await loadRuleDirectory(options.rulesDir);
  const objects = await readManifests(options.files, io.readStdin);
  const report = judgeBundle(objects, ruleSet, io.now());
  io.stdout(options.output === 'json' ? formatJson(report) : formatTable(report));
  return hasDenials(report) ? EXIT.DENIED : EXIT.OK;
}
