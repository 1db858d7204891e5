/**
 * Reads rule test files (`rules/tests/*.yaml`): parsed with positions, validated against their
 * schema, manifest files resolved next to the test file. Every problem is reported with file,
 * line and column, and any problem stops the run: a case that cannot be read must never count as
 * a pass.
 */
import path from 'node:path';
import type { Origin } from '../engine/rule-set.js';
import type { AdmissionOperation, EvaluationPhase, KubeObject } from '../engine/types.js';
import { PerimeterError } from '../errors.js';
import { ManifestReadError, readManifests, type SourcedObject } from '../manifests/read.js';
import { compileFileSchema, describeInList, displayPath, formatProblem, parseValidated, readYamlDirectory, sortProblems, type Locator, type Segment, type SourceProblem } from '../rules/yaml-source.js';
import { buildRuleTestsSchema, type Expected, type RawCase, type RawClusterState, type RawTestFile } from './schema.js';

/** Thrown when test files cannot be read; `problems` lists every error found. */
export class RuleTestLoadError extends PerimeterError {
  constructor(readonly problems: readonly SourceProblem[]) {
    super('PERIMETER_RULE_TESTS_INVALID', problems.map(formatProblem).join('\n'));
  }
}

/** The cluster a case is judged against. */
export interface ClusterState {
  readonly available: boolean;
  readonly objects: readonly KubeObject[];
}

export interface TestCase {
  readonly file: string;
  readonly name: string;
  readonly origin: Origin;
  readonly resources: readonly SourcedObject[];
  readonly operation: AdmissionOperation;
  readonly oldObject?: KubeObject;
  readonly phase: EvaluationPhase;
  /** The day to judge on; undefined: the run's clock. */
  readonly now?: Date;
  readonly cluster: ClusterState;
  readonly expect: Expected;
}

const validateTestFile = compileFileSchema(buildRuleTestsSchema());

/** `cases[2].expect must give ...` reads better as `expect must give ... (case "open LB")`. */
const describeAt = describeInList('cases', 'name', (name) => `case "${name}"`, 'test file');

/** Objects of manifest files named in a test file, read relative to it. */
async function readFiles(files: readonly string[] | undefined, testFile: string, at: Segment[], locate: Locator, problems: SourceProblem[]): Promise<SourcedObject[]> {
  const out: SourcedObject[] = [];
  for (const [i, name] of (files ?? []).entries()) {
    try {
      out.push(...(await readManifests([path.join(path.dirname(testFile), name)], noStdin)));
    } catch (error) {
      if (!(error instanceof ManifestReadError)) throw error;
      problems.push({ ...locate.at([...at, i]), message: error.message });
    }
  }
  return out;
}

const noStdin = () => Promise.resolve('');

const NOTHING_EXISTS: ClusterState = { available: true, objects: [] };

async function clusterOf(raw: RawClusterState | undefined, testFile: string, at: Segment[], locate: Locator, problems: SourceProblem[]): Promise<ClusterState> {
  if (raw === undefined) return NOTHING_EXISTS;
  if (raw.available === false && (raw.objects !== undefined || raw.files !== undefined)) {
    problems.push({ ...locate.at([...at, 'available'], true), message: `${displayPath(at)}: a cluster that cannot be read has no objects; give available: false, or objects and files` });
  }
  const fromFiles = await readFiles(raw.files, testFile, [...at, 'files'], locate, problems);
  return { available: raw.available ?? true, objects: [...((raw.objects ?? []) as KubeObject[]), ...fromFiles.map((o) => o.object)] };
}

async function compileCase(raw: RawCase, i: number, file: string, fileCluster: ClusterState, locate: Locator, problems: SourceProblem[]): Promise<TestCase> {
  const at: Segment[] = ['cases', i];
  const inline = (raw.resources ?? []).map((object, j) => {
    const origin = locate.at([...at, 'resources', j]);
    return { source: `${file}:${origin.line}`, object: object as KubeObject };
  });
  const resources = [...inline, ...(await readFiles(raw.files, file, [...at, 'files'], locate, problems))];
  if ((raw.resources ?? []).length === 0 && (raw.files ?? []).length === 0) {
    problems.push({ ...locate.at(at), message: `case "${raw.name}" names no resources: give resources (inline objects) or files` });
  }
  const operation = raw.operation ?? 'CREATE';
  if (raw.oldObject !== undefined && operation !== 'UPDATE') {
    problems.push({ ...locate.at([...at, 'oldObject'], true), message: `oldObject goes with operation UPDATE (case "${raw.name}")` });
  }
  // The API server always sends the old object on UPDATE, and checks judge the change against it.
  if (raw.oldObject === undefined && operation === 'UPDATE') {
    problems.push({ ...locate.at([...at, 'operation']), message: `operation UPDATE needs oldObject: the object as it is before the update (case "${raw.name}")` });
  }
  // The whole file's cluster, unless the case describes its own.
  const cluster = raw.cluster !== undefined ? await clusterOf(raw.cluster, file, [...at, 'cluster'], locate, problems) : fileCluster;
  return {
    file,
    name: raw.name,
    origin: locate.at(at),
    resources,
    operation,
    ...(raw.oldObject !== undefined ? { oldObject: raw.oldObject as KubeObject } : {}),
    phase: raw.phase ?? 'both',
    ...(raw.now !== undefined ? { now: new Date(`${raw.now}T12:00:00Z`) } : {}),
    cluster,
    expect: raw.expect,
  };
}

/** Reads and checks the cases of test-file texts. Throws `RuleTestLoadError` listing every problem. */
export async function parseTestFiles(sources: readonly { file: string; text: string }[]): Promise<TestCase[]> {
  const problems: SourceProblem[] = [];
  const cases: TestCase[] = [];
  for (const source of sources) {
    const parsed = parseValidated<RawTestFile>(source, validateTestFile, problems, describeAt);
    if (parsed === undefined) continue;
    const seen = new Map<string, Origin>();
    const fileCluster = await clusterOf(parsed.data.cluster, source.file, ['cluster'], parsed.locate, problems);
    for (const [i, raw] of parsed.data.cases.entries()) {
      const earlier = seen.get(raw.name);
      if (earlier !== undefined) problems.push({ ...parsed.locate.at(['cases', i, 'name']), message: `case name "${raw.name}" is already used at line ${earlier.line}` });
      else seen.set(raw.name, parsed.locate.at(['cases', i, 'name']));
      cases.push(await compileCase(raw, i, source.file, fileCluster, parsed.locate, problems));
    }
  }
  if (problems.length > 0) throw new RuleTestLoadError(sortProblems(problems));
  return cases;
}

/** Reads every `*.yaml`/`*.yml` test file of a directory, in name order. */
export async function loadTestDirectory(directory: string): Promise<TestCase[]> {
  return parseTestFiles(await readYamlDirectory(directory, { directory: 'tests', file: 'test' }, (problems) => new RuleTestLoadError(problems)));
}
