/** Runs the CLI in-process and captures what it prints. */
import { runCli } from '../../src/cli/main.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(argv: string[], stdin = '', now = new Date('2026-11-21T00:00:00Z')): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    readStdin: async () => stdin,
    now: () => now,
  });
  return { code, stdout, stderr };
}
