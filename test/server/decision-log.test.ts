/**
 * The decision line is written without pino's per-key formatting; it must read exactly as the
 * line pino itself would write for the same fields, at the same level, to the same place.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import t from 'tap';
import { decisionLog, DECISION_MESSAGE } from '../../src/server/decision-log.js';
import { serveLoggerOptions } from '../../src/server/log-options.js';

function capture(options: pino.LoggerOptions) {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter((line) => line !== ''));
      done();
    },
  });
  return { logger: pino(options, stream), lines };
}

/** A line with its time replaced: the one field that differs between two writes. */
const timeless = (line: string) => line.replace(/"time":\d+,/, '"time":0,');

// [why, fields]
const records: [string, Record<string, unknown>][] = [
  [
    'a denial',
    {
      route: 'validate',
      uid: 'a2e668d8-fd40-4bb8-811f-f8fd35dc3435',
      kind: 'Ingress',
      namespace: 'team-a',
      name: 'app',
      operation: 'CREATE',
      user: 'admin',
      dryRun: false,
      verdict: 'deny',
      auditMode: false,
      rules: ['egress-default-deny', 'no-open-sources'],
      durationMs: 0.755243,
    },
  ],
  ['an exemption and no user', { route: 'validate', uid: 'u', kind: 'Service', user: undefined, verdict: 'allow', rules: [], exempted: ['open'], durationMs: 1 }],
  ['names a client chose', { uid: 'q"uote\\back\nline', name: 'tab\there', user: 'system:serviceaccount:a:b', namespace: '</script>', kind: 'ünïcode ✓' }],
  ['no fields', {}],
  ['a field named like a binding', { service: 'not perimeter', msg: 'not the message' }],
];

t.test('a decision line is the line pino writes for the same fields', async (t) => {
  // serve's own base, pino's default (pid, hostname), none, and a child's bindings.
  const setups: [string, pino.LoggerOptions, Record<string, string> | undefined][] = [
    ['base service', serveLoggerOptions('debug'), undefined],
    ['default base', {}, undefined],
    ['no base', { base: null }, undefined],
    ['child', serveLoggerOptions('debug'), { component: 'webhook "x"' }],
    // Options that change how a line reads: the line must still be pino's (through pino).
    ['a level formatter', { formatters: { level: (label) => ({ severity: label }) } }, undefined],
    ['another message key', { messageKey: 'message' }, undefined],
    ['a timestamp function', { timestamp: () => ',"time":"fixed"' }, undefined],
    ['redaction', { redact: ['user', 'uid'] }, undefined],
    // Wildcard paths: pino keeps them under a symbol, not a string key.
    ['wildcard redaction', { redact: ['*'] }, undefined],
    ['a mixin', { mixin: () => ({ cluster: 'east' }) }, undefined],
    ['a nested key', { nestedKey: 'review' }, undefined],
    ['a message prefix', { msgPrefix: '[webhook] ' }, undefined],
    ['a streamWrite hook', { hooks: { streamWrite: (line) => line.replace('"level"', '"lvl"') } }, undefined],
    ['a serializer', { serializers: { user: () => 'REDACTED' } }, undefined],
    ['CRLF line ends', { crlf: true }, undefined],
    ['a log formatter', { formatters: { log: (object) => ({ ...object, formatted: true }) } }, undefined],
    [
      'a logMethod hook',
      {
        hooks: {
          logMethod(args, method) {
            method.apply(this, [{ ...(args[0] as object), hooked: true }, ...args.slice(1)] as Parameters<typeof method>);
          },
        },
      },
      undefined,
    ],
  ];
  for (const [setup, options, child] of setups) {
    for (const [why, fields] of records) {
      const ours = capture({ level: 'debug', ...options });
      const theirs = capture({ level: 'debug', ...options });
      const [oursLogger, theirsLogger] = child === undefined ? [ours.logger, theirs.logger] : [ours.logger.child(child), theirs.logger.child(child)];
      const before = Date.now();
      decisionLog(oursLogger)('info', fields);
      decisionLog(oursLogger)('debug', fields);
      theirsLogger.info(fields, DECISION_MESSAGE);
      theirsLogger.debug(fields, DECISION_MESSAGE);
      t.same(ours.lines.map(timeless), theirs.lines.map(timeless), `${why}, ${setup}`);
      if (options.timestamp !== undefined) continue;
      const time = (JSON.parse(ours.lines[0]!) as { time: number }).time;
      t.ok(time >= before && time <= Date.now(), 'time is when the line was written, in ms since the epoch');
    }
  }
});

t.test('a logger set up as serve sets it up gets the line without pino formatting it', async (t) => {
  // The fast path is the point of this module: with pino's own methods made to throw, the line
  // must still arrive. A logger with a level formatter must go through them (the fallback).
  const plain = capture(serveLoggerOptions('debug'));
  const log = decisionLog(plain.logger);
  const refuse = () => {
    throw new Error('pino formatted the decision line');
  };
  Object.assign(plain.logger, { info: refuse, debug: refuse });
  log('info', records[0]![1]);
  log('debug', records[0]![1]);
  t.equal(plain.lines.length, 2);
  t.match(JSON.parse(plain.lines[0]!), { level: 30, service: 'perimeter', verdict: 'deny', msg: DECISION_MESSAGE });

  const formatted = capture({ level: 'debug', formatters: { level: (label) => ({ severity: label }) } });
  const throughPino = decisionLog(formatted.logger);
  Object.assign(formatted.logger, { info: refuse });
  t.throws(() => throughPino('info', records[0]![1]), /pino formatted the decision line/);
});

t.test('the logger level decides', async (t) => {
  const { logger, lines } = capture({ level: 'info' });
  const log = decisionLog(logger);
  log('debug', { uid: 'clean' });
  log('info', { uid: 'judged' });
  logger.level = 'warn';
  log('info', { uid: 'after raising the level' });
  t.same(
    lines.map((line) => (JSON.parse(line) as { uid: string; level: number }).uid),
    ['judged'],
  );
});

t.test('a destination that needs per-line metadata gets the line through pino', async (t) => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString().trim());
      done();
    },
  });
  const logger = pino(serveLoggerOptions('info'), pino.multistream([{ stream: sink, level: 'info' }]));
  decisionLog(logger)('info', records[0]![1]);
  decisionLog(logger)('debug', records[0]![1]);
  t.equal(lines.length, 1);
  t.match(JSON.parse(lines[0]!), { level: 30, service: 'perimeter', verdict: 'deny', msg: DECISION_MESSAGE });
});
