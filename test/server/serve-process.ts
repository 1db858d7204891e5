/** `perimeter serve` as users run it: the bundled executable, in a child process. */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Test } from 'tap';
import { developmentCa } from '../../src/bench/webhook.js';

const BIN = path.resolve('dist/bundle/perimeter.js');
const RULES = path.resolve('rules');

/**
 * Runs `node [nodeArgs] bin serve --host 127.0.0.1 --port 0 args` in `cwd` (with `env`, by default
 * this process's) until it says where it serves (logging `silent` unless `args` sets a level).
 * Killed when the test ends, if still running, and waited for, so that the test's other
 * teardowns (removing `cwd`) find it gone.
 */
export async function spawnServe(t: Test, options: { cwd: string; bin: string; args: string[]; nodeArgs?: string[]; env?: NodeJS.ProcessEnv }) {
  const { cwd, bin, args, nodeArgs = [], env = process.env } = options;
  const level = args.includes('--log-level') ? [] : ['--log-level', 'silent'];
  const child = spawn(process.execPath, [...nodeArgs, bin, 'serve', '--host', '127.0.0.1', '--port', '0', ...level, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  // 'close', not 'exit': by then the child's output has all been read into `output`.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  t.teardown(() => {
    child.kill('SIGKILL');
    return exited;
  });
  const output = { stderr: '', stdout: '' };
  child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      output.stderr += chunk.toString();
      const found = /serving on (https:\/\/127\.0\.0\.1:\d+) /.exec(output.stderr);
      if (found?.[1] !== undefined) resolve(found[1]);
    });
    child.on('exit', () => reject(new Error(`server exited early: ${output.stderr}`)));
  });
  return { child, exited, output, url };
}

/**
 * Starts this checkout's bundled `perimeter serve` with the shipped rules, `--cluster off`, on a
 * free loopback port with a fresh development certificate, in a temporary directory removed when
 * the test ends. `nodeArgs` go to node before the executable.
 */
export async function startServe(t: Test, extraArgs: string[] = [], nodeArgs: string[] = []) {
  const cwd = await mkdtemp(path.join(tmpdir(), 'perimeter-serve-'));
  t.teardown(() => rm(cwd, { recursive: true, force: true }));
  const served = await spawnServe(t, { cwd, bin: BIN, args: ['--rules', RULES, '--cluster', 'off', ...extraArgs], nodeArgs });
  return { ...served, ca: developmentCa(cwd) };
}
