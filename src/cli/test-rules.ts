/**
 * `perimeter test [DIR]`: runs the rule test cases of `DIR/tests/` (or `--tests`) against the
 * rules of DIR, with the engine the webhook uses. Exit 0 when every case passes, 1 when one fails
 * or cannot be judged, 2 when the rules or the test files cannot be read.
 */
import path from 'node:path';
import { loadRuleDirectory } from '../rules/load.js';
import { loadTestDirectory } from '../ruletest/load.js';
import { formatTestRun, formatTestRunJson } from '../ruletest/format.js';
import { runCases } from '../ruletest/run.js';
import { EXIT, type CommandIO } from './io.js';

export interface TestOptions {
  readonly rulesDir: string;
  /** Default: `tests/` inside the rules directory. */
  readonly testsDir?: string;
  readonly output: 'table' | 'json';
}

export async function runRuleTests(options: TestOptions, io: CommandIO): Promise<number> {
  const ruleSet = await loadRuleDirectory(options.rulesDir);
  const cases = await loadTestDirectory(options.testsDir ?? path.join(options.rulesDir, 'tests'));
  const run = runCases(cases, ruleSet, io.now());
  io.stdout(options.output === 'json' ? formatTestRunJson(run) : formatTestRun(run));
  return run.summary.passed === run.summary.cases ? EXIT.OK : EXIT.DENIED;
}
