/** Child processes for the benchmarks: started, read for their URL, measured, stopped. */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';

export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Resident set size now, in MiB (from /proc: what the kernel counts, not the heap). */
  rssMiB(): number;
  /** Peak resident set size so far, in MiB. */
  peakRssMiB(): number;
  stop(): Promise<void>;
}

function procStatus(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const found = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return found?.[1] === undefined ? NaN : Number(found[1]) / 1024;
}

/**
 * Starts `node args...` and waits for a line on stderr matching `ready` (its first group is the
 * URL). Standard output goes to /dev/null: the webhook still pays for writing its log line per
 * review, as in a pod, but reading it (the container runtime's work there) does not take CPU
 * from the load generator here.
 */
export function spawnServer(args: string[], ready: RegExp, cwd = process.cwd()): Promise<ServerProcess> {
  const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', openSync('/dev/null', 'w'), 'pipe'] });
  let seen = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const found = ready.exec(seen);
      if (found?.[1] === undefined) return;
      child.stderr?.off('data', onData);
      child.stderr?.resume();
      const pid = child.pid!;
      resolve({
        url: found[1],
        child,
        rssMiB: () => procStatus(pid, 'VmRSS'),
        peakRssMiB: () => procStatus(pid, 'VmHWM'),
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    };
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}: ${seen}`)));
  });
}
