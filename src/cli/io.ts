import { PerimeterError } from '../errors.js';

/** What a command may touch, passed in so tests can run commands in-process. */
export interface CommandIO {
  stdout(text: string): void;
  stderr(text: string): void;
  readStdin(): Promise<string>;
  now(): Date;
}

/** Exit codes of every command: 1 means "something would be denied", 2 "could not judge". */
export const EXIT = { OK: 0, DENIED: 1, USAGE: 2 } as const;

/** Thrown for a command line that cannot be understood; the CLI prints it with the usage. */
export class UsageError extends PerimeterError {
  constructor(message: string) {
    super('PERIMETER_USAGE', message);
  }
}

export const processIO: CommandIO = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  async readStdin() {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  now: () => new Date(),
};
