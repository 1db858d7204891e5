/**
 * `perimeter lint-rules [DIR]`: the rule files load (else exit 2 with every problem), and their
 * exemptions are not about to end unnoticed: a warning for those ending within
 * `--expiring-within` days, an error (exit 1) for those already ended.
 */
import { loadRuleDirectory } from '../rules/load.js';
import { formatLintProblem, lintRuleSet, type LintOptions } from '../rules/lint.js';
import { EXIT, type CommandIO } from './io.js';

export interface LintRulesOptions extends LintOptions {
  readonly rulesDir: string;
}

export async function runLintRules(options: LintRulesOptions, io: CommandIO): Promise<number> {
  const ruleSet = await loadRuleDirectory(options.rulesDir);
  const problems = lintRuleSet(ruleSet, io.now(), options);
  for (const problem of problems) io.stderr(`${formatLintProblem(problem)}\n`);
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;
  const notes = problems.length === 0 ? '' : `; ${errors} ${errors === 1 ? 'error' : 'errors'}, ${warnings} ${warnings === 1 ? 'warning' : 'warnings'}`;
  io.stdout(`${options.rulesDir}: ${ruleSet.rules.length} rules valid (mode ${ruleSet.mode})${notes}\n`);
  return errors > 0 ? EXIT.DENIED : EXIT.OK;
}
