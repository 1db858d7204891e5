/**
 * YAML files that people edit (rule files, rule test files), parsed with positions and checked
 * against a JSON Schema, so that every problem is reported as `file:line:column: message` in words
 * a rule author can act on.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { default as addFormatsModule } from 'ajv-formats';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { Origin } from '../engine/rule-set.js';

/** One thing wrong in a file, with where. */
export interface SourceProblem extends Origin {
  readonly message: string;
}

/** `file:line:column: message`; a problem with a whole file or directory (line 0) has no position. */
export function formatProblem(problem: SourceProblem): string {
  return problem.line > 0 ? `${problem.file}:${problem.line}:${problem.column}: ${problem.message}` : `${problem.file}: ${problem.message}`;
}

/** A file's name (as shown in messages) and its text. */
export interface FileSource {
  readonly file: string;
  readonly text: string;
}

export type Segment = string | number;

/** Positions inside one parsed file. */
export class Locator {
  constructor(
    private readonly file: string,
    private readonly document: Document,
    private readonly lines: LineCounter,
  ) {}

  /** The position of the value at `segments`, or of its key when `atKey`; the deepest existing node otherwise. */
  at(segments: readonly Segment[], atKey = false): Origin {
    let node: unknown = this.document.contents;
    let found: Node | undefined = node as Node | undefined;
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i];
      let next: unknown;
      if (isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
        if (pair === undefined) break;
        next = atKey && i === segments.length - 1 ? pair.key : pair.value;
      } else if (isSeq(node)) {
        next = node.items[Number(segment)];
      } else break;
      if (next === undefined || next === null) break;
      node = next;
      found = next as Node;
    }
    return this.position(found?.range?.[0] ?? 0);
  }

  position(offset: number): Origin {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, column: col };
  }
}

/** `rules[0].params.minPrefixLengthV4`. */
export function displayPath(segments: readonly Segment[]): string {
  let out = '';
  for (const segment of segments) out += typeof segment === 'number' ? `[${segment}]` : out === '' ? segment : `.${segment}`;
  return out;
}

function segmentsOf(instancePath: string): Segment[] {
  if (instancePath === '') return [];
  return instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** One alternative of an `anyOf`, in words: `an integer 1..65535`, `a string`, `"unavailable"`. */
function describeAlternative(schema: Record<string, unknown>): string {
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.type === 'integer') return typeof schema.minimum === 'number' && typeof schema.maximum === 'number' ? `an integer ${schema.minimum}..${schema.maximum}` : 'an integer';
  if (schema.type === 'array') return 'a list';
  if (schema.type === 'object') return 'a map';
  return typeof schema.type === 'string' ? `a ${schema.type}` : 'another form';
}

/** Words for one schema error, e.g. "must be an integer 0..32"; undefined when another error says it better. */
function describeSchemaError(error: ErrorObject): string | undefined {
  const schema = (error.parentSchema ?? {}) as Record<string, unknown>;
  switch (error.keyword) {
    case 'if':
      return undefined; // the failing `then` branch reports the real problem
    case 'required':
      return `is missing the required key "${String(error.params.missingProperty)}"`;
    case 'additionalProperties': {
      const allowed = Object.keys((schema.properties ?? {}) as object);
      return `is not a known key${allowed.length > 0 ? ` (expected one of: ${allowed.join(', ')})` : ''}`;
    }
    case 'minProperties': {
      const allowed = Object.keys((schema.properties ?? {}) as object);
      return `must give at least one of: ${allowed.join(', ')}`;
    }
    case 'enum':
      return `must be one of: ${(error.params.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'format':
      return error.params.format === 'date' ? 'must be a date written YYYY-MM-DD' : `must be a ${String(error.params.format)}`;
    case 'pattern':
      return `must be lowercase letters, digits and "-" (pattern ${String(error.params.pattern)})`;
    case 'type':
    case 'minimum':
    case 'maximum':
      if (schema.type === 'integer' && typeof schema.minimum === 'number' && typeof schema.maximum === 'number') {
        return `must be an integer ${schema.minimum}..${schema.maximum}`;
      }
      return error.message;
    case 'anyOf': {
      const branches = Array.isArray(schema.anyOf) ? (schema.anyOf as Record<string, unknown>[]) : [];
      return `must be ${branches.map(describeAlternative).join(' or ')}`;
    }
    default:
      return error.message;
  }
}

// ajv-formats is CommonJS with `exports.default`; under NodeNext the import is the module object.
const addFormats = addFormatsModule.default;
const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictTypes: false });
addFormats(ajv, ['date']);

/** A validator for a file schema: every error reported (not just the first), `format: date` known. */
export function compileFileSchema(schema: Record<string, unknown>): ValidateFunction {
  return ajv.compile(schema);
}

/** A parsed file that passed its schema: its data, and where each part of it was written. */
export interface ParsedSource<T> {
  readonly data: T;
  readonly locate: Locator;
}

/**
 * Parses one YAML file and validates it. Problems (YAML syntax, duplicate keys, schema errors) are
 * pushed to `problems` and undefined returned. `describeAt` places a message at a path; by default
 * `path message`.
 */
export function parseValidated<T>(
  source: FileSource,
  validate: ValidateFunction,
  problems: SourceProblem[],
  describeAt: (data: T, segments: readonly Segment[], text: string) => string = (_data, segments, text) => (segments.length === 0 ? `file ${text}` : `${displayPath(segments)} ${text}`),
): ParsedSource<T> | undefined {
  const lines = new LineCounter();
  // merge: `<<: *base` merges, as people who write YAML anchors expect (else it is a key named "<<").
  const document = parseDocument(source.text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, merge: true });
  const locate = new Locator(source.file, document, lines);
  if (document.errors.length > 0) {
    for (const error of document.errors) problems.push({ ...locate.position(error.pos[0]), message: error.message.split('\n')[0] ?? error.message });
    return undefined;
  }
  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (error) {
    // An alias to an anchor that does not exist, or an alias bomb: not among document.errors.
    problems.push({ ...locate.position(0), message: `cannot read the YAML: ${(error as Error).message}` });
    return undefined;
  }
  if (!validate(data)) {
    for (const error of validate.errors ?? []) {
      const text = describeSchemaError(error);
      if (text === undefined) continue;
      const segments = segmentsOf(error.instancePath);
      const atKey = error.keyword === 'additionalProperties';
      if (atKey) segments.push(String(error.params.additionalProperty));
      problems.push({ ...locate.at(segments, atKey), message: describeAt(data as T, segments, text) });
    }
    return undefined;
  }
  return { data: data as T, locate };
}

export function sortProblems<P extends SourceProblem>(problems: P[]): P[] {
  return problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
}

/** YAML file names: `*.yaml` and `*.yml`. */
export function isYamlFileName(name: string): boolean {
  return name.endsWith('.yaml') || name.endsWith('.yml');
}

/**
 * The YAML files directly in a directory, in name order, read. Symbolic links count as files
 * (a mounted ConfigMap is links); sub-folders are not read. Problems are thrown as `fail(problems)`.
 */
export async function readYamlDirectory(directory: string, noun: { readonly directory: string; readonly file: string }, fail: (problems: SourceProblem[]) => Error): Promise<FileSource[]> {
  const problem = (message: string) => fail([{ file: directory, line: 0, column: 0, message }]);
  let names: string[];
  try {
    names = (await readdir(directory, { withFileTypes: true })).filter((entry) => !entry.isDirectory() && isYamlFileName(entry.name)).map((entry) => entry.name);
  } catch (error) {
    throw problem(`cannot read the ${noun.directory} directory: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (error as Error).message}`);
  }
  names.sort();
  if (names.length === 0) throw problem(`no ${noun.file} files (*.yaml, *.yml) in this directory`);
  try {
    return await Promise.all(names.map(async (name) => ({ file: path.join(directory, name), text: await readFile(path.join(directory, name), 'utf8') })));
  } catch (error) {
    // A file removed between listing and reading (an update in progress), or a link to nowhere.
    throw problem(`cannot read a ${noun.file} file: ${(error as Error).message}`);
  }
}
