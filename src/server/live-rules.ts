/**
 * The rule set in force, swapped atomically when the rule files change. A broken edit is logged
 * with its file:line:column problems and counted, and the last good set stays in force: nothing
 * is ever judged by half a rule set.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { RuleSet } from '../engine/rule-set.js';
import { parseRuleFiles, readRuleDirectory, RuleLoadError } from '../rules/load.js';
import type { Metrics } from './metrics.js';

export class LiveRules {
  private ruleSet: RuleSet;
  private fingerprint: string;
  private generationCount = 1;
  private reloading: Promise<void> | undefined;

  private constructor(
    readonly directory: string,
    initial: RuleSet,
    fingerprint: string,
    private readonly metrics: Metrics,
    private readonly log: FastifyBaseLogger,
    private readonly onReload: (ruleSet: RuleSet) => void,
  ) {
    this.ruleSet = initial;
    this.fingerprint = fingerprint;
    metrics.ruleGeneration.set(1);
  }

  /** Loads the directory once; throws `RuleLoadError` when the initial set is invalid. */
  static async load(directory: string, metrics: Metrics, log: FastifyBaseLogger, onReload: (ruleSet: RuleSet) => void = () => undefined): Promise<LiveRules> {
    const sources = await readRuleDirectory(directory);
    return new LiveRules(directory, parseRuleFiles(sources), JSON.stringify(sources), metrics, log, onReload);
  }

  get current(): RuleSet {
    return this.ruleSet;
  }

  get generation(): number {
    return this.generationCount;
  }

  /** Re-reads the directory; a change that loads is swapped in, one that does not is refused. */
  reload(): Promise<void> {
    // One reload at a time; a trigger during a reload is covered by the next poll or event.
    this.reloading ??= this.reloadOnce().finally(() => {
      this.reloading = undefined;
    });
    return this.reloading;
  }

  private async reloadOnce(): Promise<void> {
    try {
      const sources = await readRuleDirectory(this.directory);
      const fingerprint = JSON.stringify(sources);
      if (fingerprint === this.fingerprint) return;
      this.fingerprint = fingerprint;
      this.ruleSet = parseRuleFiles(sources);
      this.generationCount++;
      this.metrics.ruleReloads.inc({ result: 'success' });
      this.metrics.ruleGeneration.set(this.generationCount);
      this.log.info({ generation: this.generationCount, rules: this.ruleSet.rules.length, mode: this.ruleSet.mode }, 'rules reloaded');
      this.onReload(this.ruleSet);
    } catch (error) {
      if (!(error instanceof RuleLoadError)) throw error;
      this.metrics.ruleReloads.inc({ result: 'failure' });
      this.log.error({ problems: error.message.split('\n'), generation: this.generationCount }, 'rule change refused; the last good rules stay in force');
    }
  }
}
