/**
 * Loads rule files: YAML parsed with positions, validated against the published schema, checked
 * for what a schema cannot say (duplicate ids, mutate on a check that cannot patch, CIDRs in
 * parameters), then compiled into an indexed rule set. Every problem is reported with file, line
 * and column; nothing half-valid is ever returned.
 */
import { paramsWithDefaults, type ParamProblem } from '../checks/check.js';
import { CHECKS_BY_ID } from '../checks/index.js';
import { createRuleSet, exemptionEnd, exemptionEnded, formatOrigin, type Exemption, type Origin, type Rule, type RuleSet } from '../engine/rule-set.js';
import type { Enforcement, Mode } from '../engine/types.js';
import { PerimeterError } from '../errors.js';
import { nameMatcher } from './name-matcher.js';
import { buildRulesSchema } from './schema.js';
import { compileFileSchema, describeInList, formatProblem, parseValidated, readYamlDirectory, sortProblems, type FileSource, type ParsedSource, type Segment, type SourceProblem } from './yaml-source.js';

/** Thrown when a rule set cannot be loaded; `problems` lists every error found. */
export class RuleLoadError extends PerimeterError {
  constructor(readonly problems: readonly SourceProblem[]) {
    super('PERIMETER_RULES_INVALID', problems.map(formatProblem).join('\n'));
  }
}

const validateFile = compileFileSchema(buildRulesSchema());

interface RawExemption {
  namespace?: string;
  name?: string;
  reason: string;
  owner?: string;
  expires?: string;
}
interface RawRule {
  id: string;
  description: string;
  check: string;
  enforcement: Enforcement;
  mutate?: boolean;
  params?: Record<string, unknown>;
  exclude?: RawExemption[];
}
interface RawFile {
  mode?: Mode;
  exclude?: RawExemption[];
  rules?: RawRule[];
}

/** Places an error path inside a rule relative to it: "params.x ... (rule no-open-sources)". */
const describeAt = describeInList('rules', 'id', (id) => `rule ${id}`, 'rule file');

function compileExemption(raw: RawExemption, origin: Origin): Exemption {
  const namespaceMatches = raw.namespace === undefined ? () => true : nameMatcher(raw.namespace);
  const nameMatches = raw.name === undefined ? () => true : nameMatcher(raw.name);
  // The exemption covers the whole of its last day, in UTC.
  const exemption: Exemption = {
    ...(raw.namespace !== undefined ? { namespace: raw.namespace } : {}),
    ...(raw.name !== undefined ? { name: raw.name } : {}),
    reason: raw.reason,
    ...(raw.owner !== undefined ? { owner: raw.owner } : {}),
    ...(raw.expires !== undefined ? { expires: raw.expires } : {}),
    endsAt: exemptionEnd(raw.expires),
    origin,
    // Called on every review the exemption could spare: no object built per call.
    matches: (namespace, name, now) => !exemptionEnded(exemption, now) && namespaceMatches(namespace) && nameMatches(name),
  };
  return exemption;
}

type ParsedFile = ParsedSource<RawFile>;

function checkExemptions(list: readonly RawExemption[] | undefined, base: Segment[], parsed: ParsedFile, problems: SourceProblem[]): Exemption[] {
  return (list ?? []).map((raw, i) => {
    const at = [...base, i];
    if (raw.namespace === undefined && raw.name === undefined) {
      problems.push({ ...parsed.locate.at(at), message: describeAt(parsed.data, at, 'must name a namespace, a name, or both') });
    }
    return compileExemption(raw, parsed.locate.at(at));
  });
}

/** Builds a rule set from rule-file texts. Throws `RuleLoadError` listing every problem. */
export function parseRuleFiles(sources: readonly FileSource[]): RuleSet {
  const problems: SourceProblem[] = [];
  const rules: Rule[] = [];
  const exclude: Exemption[] = [];
  let mode: { value: Mode; origin: Origin } | undefined;
  const seenIds = new Map<string, Origin>();

  for (const source of sources) {
    const parsed = parseValidated<RawFile>(source, validateFile, problems, describeAt);
    if (parsed === undefined) continue;
    const { data, locate } = parsed;
    if (data.mode !== undefined) {
      const origin = locate.at(['mode'], true);
      if (mode !== undefined) problems.push({ ...origin, message: `mode is already set in ${formatOrigin(mode.origin)}; set it in one file only` });
      else mode = { value: data.mode, origin };
    }
    exclude.push(...checkExemptions(data.exclude, ['exclude'], parsed, problems));

    (data.rules ?? []).forEach((raw, i) => {
      const origin = locate.at(['rules', i]);
      const check = CHECKS_BY_ID.get(raw.check);
      if (check === undefined) return; // unreachable: the schema only admits known checks
      const earlier = seenIds.get(raw.id);
      if (earlier !== undefined) {
        problems.push({ ...locate.at(['rules', i, 'id']), message: `rule id "${raw.id}" is already used at ${formatOrigin(earlier)}` });
      } else seenIds.set(raw.id, locate.at(['rules', i, 'id']));
      if (raw.mutate === true && !check.canMutate) {
        problems.push({ ...locate.at(['rules', i, 'mutate']), message: `mutate must be false: check ${check.id} has no fix to patch in (rule ${raw.id})` });
      }
      const params = paramsWithDefaults(check, raw.params);
      const paramProblems: readonly ParamProblem[] = check.validateParams?.(params) ?? [];
      for (const problem of paramProblems) {
        const at: Segment[] = ['rules', i, 'params', ...problem.path];
        problems.push({ ...locate.at(at), message: describeAt(data, at, problem.message) });
      }
      rules.push({
        id: raw.id,
        description: raw.description,
        check,
        enforcement: raw.enforcement,
        mutate: raw.mutate ?? false,
        params: Object.freeze(params),
        exclude: checkExemptions(raw.exclude, ['rules', i, 'exclude'], parsed, problems),
        origin,
      });
    });
  }
  if (problems.length > 0) throw new RuleLoadError(sortProblems(problems));
  return createRuleSet(mode?.value ?? 'enforce', rules, exclude);
}

/** Reads the rule files of a directory (every `*.yaml`/`*.yml`, in name order) without parsing them. */
export async function readRuleDirectory(directory: string): Promise<FileSource[]> {
  return readYamlDirectory(directory, { directory: 'rules', file: 'rule' }, (problems) => new RuleLoadError(problems));
}

/** Reads and builds the rule set of a directory. Throws `RuleLoadError` listing every problem. */
export async function loadRuleDirectory(directory: string): Promise<RuleSet> {
  return parseRuleFiles(await readRuleDirectory(directory));
}
