/** `perimeter serve`: runs the webhook until SIGTERM or SIGINT, then shuts down cleanly. */
import { startServer, type ServeOptions } from '../server/serve.js';
import { EXIT, type CommandIO } from './io.js';

export async function runServe(options: Omit<ServeOptions, 'announce'>, io: CommandIO): Promise<number> {
  const server = await startServer({ ...options, announce: (line) => io.stderr(`${line}\n`) });
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
