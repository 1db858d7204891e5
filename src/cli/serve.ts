/** `perimeter serve`: runs the webhook until SIGTERM or SIGINT, then shuts down cleanly. */
import { startServer, type ServeOptions } from '../server/serve.js';
import { EXIT, UsageError, type CommandIO } from './io.js';

/** Listener errors a user causes (port taken, privileged port, address not on this host). */
const LISTEN_ERRORS = new Set(['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL']);

export async function runServe(options: Omit<ServeOptions, 'announce'>, io: CommandIO): Promise<number> {
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({ ...options, announce: (line) => io.stderr(`${line}\n`) });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined && LISTEN_ERRORS.has(code)) throw new UsageError(`cannot listen on ${options.host}:${options.port}: ${(error as Error).message}`);
    throw error;
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      io.stderr(`${signal}: finishing in-flight reviews, then exiting\n`);
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      void server.close().then(resolve);
    };
    const onTerm = () => stop('SIGTERM');
    const onInt = () => stop('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
  });
  return EXIT.OK;
}
