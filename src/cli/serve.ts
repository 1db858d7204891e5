/** `perimeter serve`: runs the webhook until SIGTERM or SIGINT, then shuts down cleanly. */
import { startServer, type ServeOptions } from '../server/serve.js';
import { EXIT, UsageError, type CommandIO } from './io.js';

/** Listener errors a user causes (port taken, privileged port, address not on this host). */
const LISTEN_ERRORS = new Set(['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL']);

export interface ServeCommandOptions extends Omit<ServeOptions, 'announce'> {
  /**
   * Seconds to keep serving after SIGTERM, reporting not ready, before the listener closes. In a
   * cluster the pod's endpoint is removed while the kubelet sends SIGTERM; without this pause the
   * API server can still pick a replica that has stopped listening, and with failurePolicy Fail
   * that apply fails. A second signal ends the pause.
   */
  readonly shutdownDelaySeconds: number;
}

export async function runServe(options: ServeCommandOptions, io: CommandIO): Promise<number> {
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({ ...options, announce: (line) => io.stderr(`${line}\n`) });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined && LISTEN_ERRORS.has(code)) throw new UsageError(`cannot listen on ${options.host}:${options.port}: ${(error as Error).message}`);
    throw error;
  }
  await new Promise<void>((resolve) => {
    let delay: NodeJS.Timeout | undefined;
    const close = () => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      void server.close().then(resolve);
    };
    const stop = (signal: string) => {
      if (delay !== undefined) {
        clearTimeout(delay);
        io.stderr(`${signal}: finishing in-flight reviews, then exiting\n`);
        return close();
      }
      if (options.shutdownDelaySeconds > 0) {
        server.drain();
        io.stderr(`${signal}: not ready; serving ${options.shutdownDelaySeconds} s more while endpoints update, then finishing in-flight reviews and exiting\n`);
        delay = setTimeout(close, options.shutdownDelaySeconds * 1000);
        return;
      }
      io.stderr(`${signal}: finishing in-flight reviews, then exiting\n`);
      close();
    };
    const onTerm = () => stop('SIGTERM');
    const onInt = () => stop('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
  });
  return EXIT.OK;
}
