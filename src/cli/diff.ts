/**
 * `perimeter diff --base OLD --rules NEW (FILE... | --cluster)`: what a rule change would do to
 * the objects that exist, before it is merged. Exit 1 when an object that can be applied today
 * would be denied, so a CI job on the rules repository can ask for a second look.
 */
import { formatImpactJson, formatImpactMarkdown, formatImpactTable } from '../diff/format.js';
import { hasNewDenials, ruleChangeImpact } from '../diff/impact.js';
import { loadRuleDirectory } from '../rules/load.js';
import { EXIT, type CommandIO } from './io.js';
import { readObjects, type ObjectSourceOptions } from './objects.js';

export const DIFF_FORMATS = ['table', 'json', 'markdown'] as const;
export type DiffFormat = (typeof DIFF_FORMATS)[number];

export interface DiffOptions extends ObjectSourceOptions {
  readonly baseRulesDir: string;
  readonly rulesDir: string;
  readonly output: DiffFormat;
}

export async function runDiff(options: DiffOptions, io: CommandIO): Promise<number> {
  // One after the other: when both are broken, the base's problems are the ones reported, every time.
  const base = await loadRuleDirectory(options.baseRulesDir);
  const next = await loadRuleDirectory(options.rulesDir);
  const objects = await readObjects(options, io);
  const impact = ruleChangeImpact(objects, base, next, io.now());
  const render = options.output === 'json' ? formatImpactJson : options.output === 'markdown' ? formatImpactMarkdown : formatImpactTable;
  io.stdout(render(impact));
  return hasNewDenials(impact) ? EXIT.DENIED : EXIT.OK;
}
