/** `perimeter serve` as users run it: the bundled executable, in a child process. */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Test } from 'tap';

const BIN = path.resolve('dist/bundle/perimeter.js');
const RULES = path.resolve('rules');

/**
 * Starts `perimeter serve` on a free loopback port with a fresh development certificate, in a
 * temporary directory removed when the test ends; logging `silent` unless `extraArgs` sets a
 * level. `nodeArgs` go to node before the executable.
 */
export async function startServe(t: Test, extraArgs: string[] = [], nodeArgs: string[] = []) {
  const cwd = await mkdtemp(path.join(tmpdir(), 'perimeter-serve-'));
  t.teardown(() => rm(cwd, { recursive: true, force: true }));
  const child = spawn(process.execPath, [...nodeArgs, BIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--rules', RULES, '--cluster', 'off', ...(extraArgs.includes('--log-level') ? [] : ['--log-level', 'silent']), ...extraArgs], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const output = { stderr: '', stdout: '' };
  child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      output.stderr += chunk.toString();
      const found = /serving on (https:\/\/127\.0\.0\.1:\d+)/.exec(output.stderr);
      if (found?.[1] !== undefined) resolve(found[1]);
    });
    child.on('exit', () => reject(new Error(`server exited early: ${output.stderr}`)));
  });
  const ca = await readFile(path.join(cwd, '.perimeter', 'ca.crt'), 'utf8');
  return { child, exited, output, url, ca };
}
