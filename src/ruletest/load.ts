/**
 * Reads rule test files (`rules/tests/*.yaml`): parsed with positions, validated against their
 * schema, manifest files resolved next to the test file. Every problem is reported with file,
 * line and column, and any problem stops the run: a case that cannot be read must never count as
 * a pass.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv } from 'ajv';
import { default as addFormatsModule } from 'ajv-formats';
import type { Origin } from '../engine/rule-set.js';
import type { AdmissionOperation, EvaluationPhase, KubeObject } from '../engine/types.js';
import { PerimeterError } from '../errors.js';
import { ManifestReadError, parseManifests, type SourcedObject } from '../manifests/read.js';
import { isRuleFileName } from '../rules/load.js';
import { displayPath, formatProblem, parseValidated, sortProblems, type Locator, type Segment, type SourceProblem } from '../rules/yaml-source.js';
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

const addFormats = addFormatsModule.default;
const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictTypes: false });
addFormats(ajv, ['date']);
const validateTestFile = ajv.compile(buildRuleTestsSchema());

/** `cases[2].expect must give ...` reads better as `case "open LB": expect must give ...`. */
function describeAt(data: RawTestFile, segments: readonly Segment[], text: string): string {
  const name = segments[0] === 'cases' && typeof segments[1] === 'number' ? data.cases?.[segments[1]]?.name : undefined;
  if (typeof name === 'string' && name !== '') return segments.length > 2 ? `${displayPath(segments.slice(2))} ${text} (case "${name}")` : `case "${name}" ${text}`;
  return segments.length === 0 ? `test file ${text}` : `${displayPath(segments)} ${text}`;
}

/** Objects of manifest files named in a test file, read relative to it. */
async function readFiles(files: readonly string[] | undefined, testFile: string, at: Segment[], locate: Locator, problems: SourceProblem[]): Promise<SourcedObject[]> {
  const out: SourcedObject[] = [];
  for (const [i, name] of (files ?? []).entries()) {
    const file = path.join(path.dirname(testFile), name);
    try {
      out.push(...parseManifests(await readFile(file, 'utf8'), file));
    } catch (error) {
      const reason = error instanceof ManifestReadError ? error.message : (error as NodeJS.ErrnoException).code === 'ENOENT' ? `${file}: no such file` : `${file}: ${(error as Error).message}`;
      problems.push({ ...locate.at([...at, i]), message: `cannot read ${reason}` });
    }
  }
  return out;
}

async function clusterOf(raw: RawClusterState | undefined, testFile: string, at: Segment[], locate: Locator, problems: SourceProblem[]): Promise<ClusterState> {
  if (raw === undefined) return { available: true, objects: [] };
  const fromFiles = await readFiles(raw.files, testFile, [...at, 'files'], locate, problems);
  return { available: raw.available ?? true, objects: [...((raw.objects ?? []) as KubeObject[]), ...fromFiles.map((o) => o.object)] };
}

async function compileCase(raw: RawCase, i: number, file: string, data: RawTestFile, locate: Locator, problems: SourceProblem[]): Promise<TestCase> {
  const at: Segment[] = ['cases', i];
  const inline = (raw.resources ?? []).map((object, j) => {
    const origin = locate.at([...at, 'resources', j]);
    return { source: `${file}:${origin.line}`, object: object as KubeObject };
  });
  const resources = [...inline, ...(await readFiles(raw.files, file, [...at, 'files'], locate, problems))];
  if (raw.resources === undefined && raw.files === undefined) {
    problems.push({ ...locate.at(at), message: `case "${raw.name}" names no resources: give resources (inline objects) or files` });
  }
  const operation = raw.operation ?? 'CREATE';
  if (raw.oldObject !== undefined && operation !== 'UPDATE') {
    problems.push({ ...locate.at([...at, 'oldObject'], true), message: `oldObject goes with operation UPDATE (case "${raw.name}")` });
  }
  // The whole file's cluster, unless the case describes its own.
  const cluster = raw.cluster !== undefined ? await clusterOf(raw.cluster, file, [...at, 'cluster'], locate, problems) : await clusterOf(data.cluster, file, ['cluster'], locate, problems);
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
    for (const [i, raw] of parsed.data.cases.entries()) {
      const earlier = seen.get(raw.name);
      if (earlier !== undefined) problems.push({ ...parsed.locate.at(['cases', i, 'name']), message: `case name "${raw.name}" is already used at line ${earlier.line}` });
      else seen.set(raw.name, parsed.locate.at(['cases', i, 'name']));
      cases.push(await compileCase(raw, i, source.file, parsed.data, parsed.locate, problems));
    }
  }
  if (problems.length > 0) throw new RuleTestLoadError(sortProblems(problems));
  return cases;
}

/** Reads every `*.yaml`/`*.yml` test file of a directory, in name order. */
export async function loadTestDirectory(directory: string): Promise<TestCase[]> {
  let names: string[];
  try {
    names = (await readdir(directory, { withFileTypes: true })).filter((entry) => entry.isFile() && isRuleFileName(entry.name)).map((entry) => entry.name);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (error as Error).message;
    throw new RuleTestLoadError([{ file: directory, line: 0, column: 0, message: `cannot read the tests directory: ${reason}` }]);
  }
  names.sort();
  if (names.length === 0) throw new RuleTestLoadError([{ file: directory, line: 0, column: 0, message: 'no test files (*.yaml, *.yml) in this directory' }]);
  let sources: { file: string; text: string }[];
  try {
    sources = await Promise.all(names.map(async (name) => ({ file: path.join(directory, name), text: await readFile(path.join(directory, name), 'utf8') })));
  } catch (error) {
    throw new RuleTestLoadError([{ file: directory, line: 0, column: 0, message: `cannot read a test file: ${(error as Error).message}` }]);
  }
  return parseTestFiles(sources);
}
