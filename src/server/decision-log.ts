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
 * metadata (a multistream), or a logger with options that change how lines read (formatters,
 * redaction, a mixin, another message key...), gets the line through the logger instead. The
 * bindings are read when the function is made: a later `setBindings` is not seen. Serializers
 * other than pino's own for errors send the line through the logger too; the line end is pino's.
 */
import pino, { type Logger } from 'pino';

export const DECISION_MESSAGE = 'admission review';

type DecisionLevel = 'info' | 'debug';
type DecisionLog = (level: DecisionLevel, fields: Readonly<Record<string, unknown>>) => void;

interface Destination {
  write(line: string): unknown;
  [pino.symbols.needsMetadataGsym]?: boolean;
}

/** pino keeps a child's `msgPrefix` under this symbol; its type declarations leave it out. */
const MSG_PREFIX_SYM = (pino.symbols as unknown as Record<string, symbol>).msgPrefixSym!;

/** pino's own level formatter, read from a logger with every option at its default. */
function defaultLevelFormatter(): unknown {
  const defaults = pino({ base: null }, { write: () => undefined }) as unknown as Record<symbol, LineOptions['formatters']>;
  return defaults[pino.symbols.formattersSym]!.level;
}

interface LineOptions {
  readonly formatters: { readonly level?: unknown; readonly log?: unknown };
  readonly hooks: { readonly logMethod?: unknown; readonly streamWrite?: unknown };
  readonly stringifiers: Readonly<Record<string, unknown>>;
  readonly serializers: Readonly<Record<string, unknown>>;
}

/**
 * Whether the logger writes a line as the fast path below does: pino's own level formatter, epoch
 * time and `msg`, and nothing that rewrites fields or lines (mixin, redaction, serializers, a
 * nested key, a message prefix, hooks). `bindings` needs no check: it shaped the bindings string
 * already.
 */
function writesPlainLines(logger: Logger): boolean {
  const own = logger as unknown as Record<symbol, unknown>;
  const formatters = own[pino.symbols.formattersSym] as LineOptions['formatters'];
  const hooks = own[pino.symbols.hooksSym] as LineOptions['hooks'];
  const stringifiers = (own[pino.symbols.stringifiersSym] ?? {}) as LineOptions['stringifiers'];
  const serializers = (own[pino.symbols.serializersSym] ?? {}) as LineOptions['serializers'];
  return (
    formatters.level === defaultLevelFormatter() &&
    formatters.log === undefined &&
    own[pino.symbols.timeSym] === pino.stdTimeFunctions.epochTime &&
    own[pino.symbols.messageKeySym] === 'msg' &&
    own[pino.symbols.mixinSym] === undefined &&
    own[pino.symbols.nestedKeySym] === null &&
    own[MSG_PREFIX_SYM] === undefined &&
    hooks.logMethod === undefined &&
    hooks.streamWrite === undefined &&
    // Redaction keeps its wildcard paths and its formatter under symbols: own keys, not just names.
    Reflect.ownKeys(stringifiers).length === 0 &&
    // pino always has an `err` serializer, and decision lines carry no error; any other rewrites a field.
    Reflect.ownKeys(serializers).every((key) => key === 'err')
  );
}

export function decisionLog(logger: Logger): DecisionLog {
  const destination = (logger as unknown as Record<typeof pino.symbols.streamSym, Destination | undefined>)[pino.symbols.streamSym];
  if (destination === undefined || destination[pino.symbols.needsMetadataGsym] === true || !writesPlainLines(logger)) {
    return (level, fields) => logger[level](fields, DECISION_MESSAGE);
  }
  // The fields every line of this logger carries (pid and hostname, or the base it was given, and
  // child bindings), as pino keeps them: serialized, each after a comma (or empty). bindings()
  // would leave out pid and hostname.
  const chindings = (logger as unknown as Record<typeof pino.symbols.chindingsSym, string>)[pino.symbols.chindingsSym];
  // pino's own line end: `}` and a newline, or CRLF with `crlf: true`.
  const end = `,"msg":${JSON.stringify(DECISION_MESSAGE)}${(logger as unknown as Record<typeof pino.symbols.endSym, string>)[pino.symbols.endSym]}`;
  // Each level's number is fixed when the logger is made: the start of its lines, made once.
  const start = { info: `{"level":${logger.levels.values.info},"time":`, debug: `{"level":${logger.levels.values.debug},"time":` };
  return (level, fields) => {
    if (!logger.isLevelEnabled(level)) return;
    // The fields are serialized on their own and spliced in, as pino splices the bindings:
    // copying them into one object with the rest first cost a third more.
    const serialized = JSON.stringify(fields);
    const inner = serialized.length > 2 ? `,${serialized.slice(1, -1)}` : '';
    destination.write(`${start[level]}${Date.now()}${chindings}${inner}${end}`);
  };
}
