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
import { formatOrigin, type Origin } from '../engine/rule-set.js';

/** One thing wrong in a file, with where. */
export interface SourceProblem extends Origin {
  readonly message: string;
}

/** `file:line:column: message`; a problem with a whole file or directory (line 0) has no position. */
export function formatProblem(problem: SourceProblem): string {
  return problem.line > 0 ? `${formatOrigin(problem)}: ${problem.message}` : `${problem.file}: ${problem.message}`;
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

/** One alternative of an `anyOf`, in words: `an integer 1..65535`, `a non-empty string`. */
function describeAlternative(schema: Record<string, unknown>): string {
  const boundedInteger = describeBoundedInteger(schema);
  if (boundedInteger !== undefined) return boundedInteger;
  if (schema.type === 'string' && typeof schema.minLength === 'number' && schema.minLength > 0) return 'a non-empty string';
  if (typeof schema.type === 'string') return `${/^[aeiou]/.test(schema.type) ? 'an' : 'a'} ${schema.type}`;
  return 'a value of another form';
}

/** An integer schema with both bounds, in words (`an integer 0..32`), or undefined. */
function describeBoundedInteger(schema: Record<string, unknown>): string | undefined {
  return schema.type === 'integer' && typeof schema.minimum === 'number' && typeof schema.maximum === 'number' ? `an integer ${schema.minimum}..${schema.maximum}` : undefined;
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
    case 'maximum': {
      const boundedInteger = describeBoundedInteger(schema);
      return boundedInteger !== undefined ? `must be ${boundedInteger}` : error.message;
    }
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

/** Words a message at a path of a file's data. */
export type DescribeAt = (data: unknown, segments: readonly Segment[], text: string) => string;

/**
 * Messages for a file that holds one list of named entries (rules by id, test cases by name):
 * `cases[2].expect must ...` reads `expect must ... (case "open LB")`, and a problem with the
 * entry itself `case "open LB" ...`.
 */
export function describeInList(list: string, key: string, entry: (label: string) => string, fileNoun: string): DescribeAt {
  return (data, segments, text) => {
    const items = typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[list] : undefined;
    const item = Array.isArray(items) && typeof segments[1] === 'number' && segments[0] === list ? (items[segments[1]] as unknown) : undefined;
    const label = typeof item === 'object' && item !== null ? (item as Record<string, unknown>)[key] : undefined;
    if (typeof label === 'string' && label !== '') {
      return segments.length > 2 ? `${displayPath(segments.slice(2))} ${text} (${entry(label)})` : `${entry(label)} ${text}`;
    }
    return segments.length === 0 ? `${fileNoun} ${text}` : `${displayPath(segments)} ${text}`;
  };
}

/**
 * Parses one YAML file and validates it. Problems (YAML syntax, duplicate keys, schema errors) are
 * pushed to `problems` and undefined returned. `describeAt` places a message at a path.
 */
export function parseValidated<T>(source: FileSource, validate: ValidateFunction, problems: SourceProblem[], describeAt: DescribeAt): ParsedSource<T> | undefined {
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
    const errors = validate.errors ?? [];
    // An anyOf says what each of its branches wanted in one line; their own errors would repeat it.
    const alternatives = errors.filter((error) => error.keyword === 'anyOf').map((error) => `${error.schemaPath}/`);
    for (const error of errors) {
      if (alternatives.some((prefix) => error.schemaPath.startsWith(prefix))) continue;
      const text = describeSchemaError(error);
      if (text === undefined) continue;
      const segments = segmentsOf(error.instancePath);
      const atKey = error.keyword === 'additionalProperties';
      if (atKey) segments.push(String(error.params.additionalProperty));
      problems.push({ ...locate.at(segments, atKey), message: describeAt(data, segments, text) });
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
