/**
 * `perimeter explain RULE_ID`: what a rule of the set does and how it is configured (where it is
 * defined, enforcement, parameters that differ from the defaults, exemptions), followed by its
 * check's reference: what docs/rules.md says of it, laid out for a terminal. Given a check id
 * that no rule has, it prints the check's reference and the rules that use the check.
 */
import { isDeepStrictEqual } from 'node:util';
import { stringify } from 'yaml';
import { paramsWithDefaults, type AnyCheck } from '../checks/check.js';
import { CHECKS, CHECKS_BY_ID } from '../checks/index.js';
import { inlineYaml, renderCheckReference, TERMINAL_WIDTH, wrap } from '../docs/reference.js';
import { describeExemptionMatch, exemptionEnded, formatOrigin, type Exemption, type Rule, type RuleSet } from '../engine/rule-set.js';
import { loadRuleDirectory } from '../rules/load.js';
import { EXIT, type CommandIO } from './io.js';

export interface ExplainOptions {
  readonly rulesDir: string;
  /** A rule id of the set, or a check id. */
  readonly id: string;
}

/**
 * `name: value` on one line when it fits, else the value as block YAML below the name. `first`
 * replaces the indent of the first line (to mark it).
 */
function keyValue(name: string, value: unknown, indent: string, first = indent): string {
  const line = `${first}${name}: ${inlineYaml(value)}`;
  if (line.length <= TERMINAL_WIDTH) return line;
  const block = stringify(value).trimEnd().split('\n').map((text) => `${indent}  ${text}`);
  return [`${first}${name}:`, ...block].join('\n');
}

function parametersText(rule: Rule): string {
  const defaults = paramsWithDefaults(rule.check);
  // The loader refuses parameters the check does not declare (a test shows it for every check),
  // so these are all of them.
  const names = Object.keys(rule.check.params.properties);
  if (names.length === 0) return 'Parameters: none.';
  const lines = ['Parameters (* differs from the default):'];
  for (const name of names) {
    const value = rule.params[name];
    if (isDeepStrictEqual(value, defaults[name])) {
      lines.push(keyValue(name, value, '    '));
    } else {
      lines.push(keyValue(name, value, '    ', '  * '));
      lines.push(wrap(`(default: ${inlineYaml(defaults[name])})`, '        ', '      '));
    }
  }
  return lines.join('\n');
}

function exemptionText(exemption: Exemption, now: Date): string {
  const what = describeExemptionMatch(exemption);
  const facts: string[] = [];
  if (exemption.owner !== undefined) facts.push(`owner ${exemption.owner}`);
  if (exemption.expires !== undefined) {
    const expired = exemptionEnded(exemption, now);
    facts.push(expired ? `EXPIRED ${exemption.expires}, no longer applies` : `expires ${exemption.expires}`);
  }
  const head = `    - ${what} (${formatOrigin(exemption.origin)}${facts.length > 0 ? `; ${facts.join('; ')}` : ''})`;
  return `${head}\n${wrap(exemption.reason, '        ')}`;
}

function exemptionsText(rule: Rule, ruleSet: RuleSet, now: Date): string {
  const lines = ['Exemptions (objects this rule does not judge):'];
  lines.push(rule.exclude.length === 0 ? '  of this rule: none' : '  of this rule:');
  for (const exemption of rule.exclude) lines.push(exemptionText(exemption, now));
  lines.push(ruleSet.exclude.length === 0 ? '  of every rule of the set: none' : '  of every rule of the set:');
  for (const exemption of ruleSet.exclude) lines.push(exemptionText(exemption, now));
  return lines.join('\n');
}

/** A rule of the set as text: its settings, then its check's reference. */
function renderRule(rule: Rule, ruleSet: RuleSet, now: Date): string {
  const settings = [
    ['defined at', formatOrigin(rule.origin)],
    ['check', rule.check.id],
    ['enforcement', rule.enforcement],
    ['mutate', String(rule.mutate)],
    // Audit mode overrides every rule's enforcement, so it belongs next to it.
    ['set mode', ruleSet.mode === 'audit' ? 'audit (dry run: nothing is denied or patched)' : ruleSet.mode],
  ];
  const parts = [
    `Rule ${rule.id}\n${wrap(rule.description, '  ')}`,
    settings.map(([name, value]) => `  ${`${name}:`.padEnd(14)}${value}`).join('\n'),
    parametersText(rule),
    exemptionsText(rule, ruleSet, now),
  ];
  return `${parts.join('\n\n')}\n\n${renderCheckReference(rule.check)}`;
}

function usedBy(check: AnyCheck, ruleSet: RuleSet, rulesDir: string): string {
  const rules = ruleSet.rules.filter((rule) => rule.check === check);
  if (rules.length === 0) return `No rule in ${rulesDir} uses check ${check.id}.\n`;
  return `Rules in ${rulesDir} that use check ${check.id}:\n${rules.map((rule) => `  ${rule.id} (${formatOrigin(rule.origin)}, ${rule.enforcement})`).join('\n')}\n`;
}

export async function runExplain(options: ExplainOptions, io: CommandIO): Promise<number> {
  const ruleSet = await loadRuleDirectory(options.rulesDir);
  const rule = ruleSet.rules.find((candidate) => candidate.id === options.id);
  if (rule !== undefined) {
    io.stdout(renderRule(rule, ruleSet, io.now()));
    return EXIT.OK;
  }
  const check = CHECKS_BY_ID.get(options.id);
  if (check !== undefined) {
    io.stdout(`${usedBy(check, ruleSet, options.rulesDir)}\n${renderCheckReference(check)}`);
    return EXIT.OK;
  }
  io.stderr(
    [
      `perimeter: no rule or check has the id "${options.id}"`,
      wrap(`rule ids (${options.rulesDir}): ${ruleSet.rules.map((r) => r.id).join(', ') || 'none'}`, '    ', '  '),
      wrap(`check ids: ${CHECKS.map((c) => c.id).join(', ')}`, '    ', '  '),
      '',
    ].join('\n'),
  );
  return EXIT.USAGE;
}
