/** How serve's logger is made, shared with the tests that must build the same logger. */
import type pino from 'pino';

/** Every line names the service that wrote it, so a cluster's log pipeline can tell ours apart. */
export function serveLoggerOptions(level: string): pino.LoggerOptions {
  return { level, base: { service: 'perimeter' } };
}
