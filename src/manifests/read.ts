/**
 * Reads Kubernetes manifests the way people have them: multi-document YAML, JSON, `kind: List`
 * (what `kubectl get -o yaml` prints), or the output of `helm template`. Each object keeps its
 * source (`file.yaml#2`, `list.json#0.items[5]`) so a report can point back to it.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, parseAllDocuments } from 'yaml';
import type { KubeObject } from '../engine/types.js';
import { isRecord } from '../kube/read.js';
import { PerimeterError } from '../errors.js';

export interface SourcedObject {
  readonly source: string;
  readonly object: KubeObject;
}

/** Thrown when an input cannot be read or parsed; the CLI exits 2 with its message. */
export class ManifestReadError extends PerimeterError {
  constructor(message: string) {
    super('PERIMETER_MANIFEST_UNREADABLE', message);
  }
}

/** Objects of a document, with `List` kinds (`List`, `ServiceList`, …) expanded into their items. */
function expand(value: unknown, source: string, out: SourcedObject[]): void {
  if (!isRecord(value)) return;
  const kind = value.kind;
  if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(value.items)) {
    value.items.forEach((item, i) => expand(item, `${source}.items[${i}]`, out));
    return;
  }
  out.push({ source, object: value as KubeObject });
}

/**
 * Parses one input's text. JSON (the common machine-made case) goes through JSON.parse, which is
 * far faster than a YAML parser on large lists; anything else is YAML.
 */
export function parseManifests(text: string, name: string): SourcedObject[] {
  const out: SourcedObject[] = [];
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined; // not strict JSON (a YAML flow map, say): let the YAML parser report it
    }
    if (parsed !== undefined) {
      if (Array.isArray(parsed)) parsed.forEach((item, i) => expand(item, `${name}#${i}`, out));
      else expand(parsed, `${name}#0`, out);
      return out;
    }
  }
  const lines = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter: lines });
  if (!Array.isArray(documents)) return out; // an empty stream
  documents.forEach((document, i) => {
    const error = document.errors[0];
    if (error !== undefined) {
      const { line, col } = lines.linePos(error.pos[0]);
      throw new ManifestReadError(`${name}:${line}:${col}: ${error.message.split('\n')[0] ?? error.message}`);
    }
    expand(document.toJS({ maxAliasCount: 100 }), `${name}#${i}`, out);
  });
  return out;
}

/** Reads files (or `-` for standard input) and returns every object in them, in order. */
export async function readManifests(paths: readonly string[], stdin: () => Promise<string>): Promise<SourcedObject[]> {
  const out: SourcedObject[] = [];
  for (const path of paths) {
    let text: string;
    try {
      text = path === '-' ? await stdin() : await readFile(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new ManifestReadError(`${path}: cannot read (${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message})`);
    }
    out.push(...parseManifests(text, path === '-' ? 'stdin' : path));
  }
  return out;
}
