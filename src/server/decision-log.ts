/**
 * The decision line: one log line per judged review, the only line on the review path. It is
 * written in pino's line format (level, time, the logger's bindings, the fields, `msg`) to the
 * logger's own destination, with one `JSON.stringify` (of the fields).
 *
 * Why not `logger.info(fields, msg)`: pino formats an object key by key, to apply serializers,
 * redaction, mixins and hooks that this server does not use; for a decision line that cost about
 * as much CPU as judging the review, and twice what the line costs written this way (README,
 * Performance). Level filtering, bindings and destination stay the logger's, so the line reads
 * like every other and goes where every other goes; a destination that needs pino's per-line
 * metadata (a multistream) gets the line through the logger instead.
 */
import pino, { type Logger } from 'pino';

export const DECISION_MESSAGE = 'admission review';

type DecisionLevel = 'info' | 'debug';
type DecisionLog = (level: DecisionLevel, fields: Readonly<Record<string, unknown>>) => void;

interface Destination {
  write(line: string): unknown;
  [pino.symbols.needsMetadataGsym]?: boolean;
}

export function decisionLog(logger: Logger): DecisionLog {
  const destination = (logger as unknown as Record<typeof pino.symbols.streamSym, Destination | undefined>)[pino.symbols.streamSym];
  if (destination === undefined || destination[pino.symbols.needsMetadataGsym] === true) {
    return (level, fields) => logger[level](fields, DECISION_MESSAGE);
  }
  // The fields every line of this logger carries (pid and hostname, or the base it was given, and
  // child bindings), as pino keeps them: serialized, each after a comma (or empty). bindings()
  // would leave out pid and hostname.
  const chindings = (logger as unknown as Record<typeof pino.symbols.chindingsSym, string>)[pino.symbols.chindingsSym];
  const end = `,"msg":${JSON.stringify(DECISION_MESSAGE)}}\n`;
  return (level, fields) => {
    if (!logger.isLevelEnabled(level)) return;
    // The fields are serialized on their own and spliced in, as pino splices the bindings:
    // copying them into one object with the rest first cost a third more.
    const serialized = JSON.stringify(fields);
    const inner = serialized.length > 2 ? `,${serialized.slice(1, -1)}` : '';
    destination.write(`{"level":${logger.levels.values[level]},"time":${Date.now()}${chindings}${inner}${end}`);
  };
}
