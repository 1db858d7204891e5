/**
 * `npm run bench`'s command line: `--quick`, `--only` (some of its four parts) and `--out`. Read
 * here without running anything, so what each command line means is tested on its own; main.ts
 * runs what it says.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

/** The bench's parts, in the order they run. */
export const BENCH_PARTS = ['webhook', 'memory', 'engine', 'audit'] as const;
export type BenchPart = (typeof BENCH_PARTS)[number];

export const BENCH_USAGE = `Usage: npm run bench [-- [--quick] [--only ${BENCH_PARTS.join(',')}] [--out FILE]]`;

export interface BenchArguments {
  /** Shorter runs, for trying changes; not for publishing. */
  readonly quick: boolean;
  /** The parts to run, in the order they run, whatever order they were named in. */
  readonly parts: readonly BenchPart[];
  /**
   * Where the results go: `--out`, against the directory the bench was started from; else
   * `bench/results.json` for a full run, and a name of its own for a quick run or some of the
   * parts, so that neither replaces a full run's results.
   */
  readonly resultsFile: string;
}

/**
 * Reads the bench's arguments. `root` is the checkout (where `bench/` is), `cwd` the directory the
 * bench was started from (npm runs scripts in the package root and says where it was started in
 * INIT_CWD). Throws an Error that says what is wrong with the command line.
 */
export function readBenchArguments(args: readonly string[], where: { readonly root: string; readonly cwd: string }): BenchArguments {
  const { values } = parseArgs({ args: [...args], options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, out: { type: 'string' } }, strict: true });
  const named = values.only === undefined ? [...BENCH_PARTS] : values.only.split(',').map((name) => name.trim());
  const unknown = named.filter((name) => !(BENCH_PARTS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new Error(`--only takes parts of the bench separated by commas, each one of ${BENCH_PARTS.join(', ')} (got "${values.only ?? ''}")`);
  }
  const parts = BENCH_PARTS.filter((part) => named.includes(part));
  if (values.out !== undefined && (values.out === '' || namesDirectory(values.out, where.cwd))) {
    // Caught now rather than after twelve minutes of measuring.
    throw new Error(`--out takes the file to write the results to (got "${values.out}"${values.out === '' ? '' : ', a directory'})`);
  }
  const partial = parts.length < BENCH_PARTS.length;
  const resultsFile = values.out !== undefined ? path.resolve(where.cwd, values.out) : path.join(where.root, 'bench', `results${values.quick ? '.quick' : ''}${partial ? '.partial' : ''}.json`);
  return { quick: values.quick, parts, resultsFile };
}

/** A directory that exists, or a path written as one (`runs/`), which would otherwise be written as a file. */
function namesDirectory(name: string, cwd: string): boolean {
  return name.endsWith('/') || name.endsWith(path.sep) || statSync(path.resolve(cwd, name), { throwIfNoEntry: false })?.isDirectory() === true;
}
