/**
 * The fastify app, apart from the listener (the fastify testing guide's `build()`): routes, body
 * handling and error answers. It decides nothing itself; `decide()` does.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { decide, outOfTime, type AdmissionRoute } from '../admission/decide.js';
import { overBudgetTimeoutMs, type OnTimeout } from '../admission/time-budget.js';
import { answer, errored, parseReview } from '../admission/review.js';
import type { RuleSet } from '../engine/rule-set.js';
import type { ClusterView } from '../engine/types.js';
import { decisionLog } from './decision-log.js';
import type { Metrics, RouteLabel } from './metrics.js';

/**
 * Largest body accepted. kube-apiserver refuses requests over 3 MiB (its default
 * `--max-request-bytes`), and an AdmissionReview carries the object and, on UPDATE, the old
 * object too: 2 x 3 MiB plus the review's own fields fits in 7 MiB. controller-runtime picked the
 * same bound for the same reason.
 */
export const MAX_REVIEW_BYTES = 7 * 1024 * 1024;

/** Clearer words than fastify's for the client errors an API server or a person can cause. */
const CLIENT_ERROR_MESSAGES: Record<string, (request: FastifyRequest) => string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () => `request body is larger than ${MAX_REVIEW_BYTES} bytes`,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (request) => `content-type ${JSON.stringify(request.headers['content-type'] ?? '')} is not supported; send the AdmissionReview as application/json`,
  FST_ERR_CTP_EMPTY_JSON_BODY: () => 'request body is empty; send an AdmissionReview',
  FST_ERR_CTP_INVALID_JSON_BODY: () => 'request body is not valid JSON',
};

/** Route as a metric label: `validate`, `mutate`, or `other` for anything else. */
function routeLabel(url: string | undefined): RouteLabel {
  return url === '/validate' ? 'validate' : url === '/mutate' ? 'mutate' : 'other';
}

export interface Readiness {
  readonly ready: boolean;
  readonly reason?: string;
}

export interface AppOptions {
  /** The rule set in force, read on every request (swapped by the rule watcher). */
  readonly rules: () => RuleSet;
  readonly cluster: ClusterView;
  readonly metrics: Metrics;
  readonly readiness: () => Readiness;
  /**
   * True once shutdown has begun: HTTP/1.1 answers then carry `Connection: close`, so the API
   * server's kept-alive connections end one by one while this replica still answers, instead of
   * being cut when the listener closes.
   */
  readonly draining?: () => boolean;
  /** HTTPS with HTTP/2 and HTTP/1.1 (ALPN). Without it, plain HTTP/1.1 (tests with inject). */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** What a review that arrives too late to be judged in time gets (default deny). */
  readonly onTimeout?: OnTimeout;
  /** A pino logger; none means silent (tests). */
  readonly logger?: Logger;
}

interface ReviewBody {
  Body: unknown;
}

/** Answers that a request could not be judged, as an AdmissionReview; `uid` empty when unknown. */
function sendError(reply: FastifyReply, httpStatus: number, message: string): FastifyReply {
  return reply.code(httpStatus).send(answer('admission.k8s.io/v1', errored('', httpStatus, message)));
}

export function buildApp(options: AppOptions): FastifyInstance {
  const common = {
    // One decision line per review is logged by the handler; fastify's per-request lines
    // would double the log volume on the API server's write path.
    logController: new LogController({ disableRequestLogging: true }),
    // Every request would get a child logger bound to its request id; the decision line carries
    // the review's uid instead, so requests share the server's logger (a child per request costs
    // more than the judging itself).
    childLoggerFactory: (logger: FastifyBaseLogger) => logger,
    bodyLimit: MAX_REVIEW_BYTES,
    // A review that reaches us on an open connection while the listener closes is answered, not
    // turned into a 503 (which the API server would treat as a webhook failure).
    return503OnClosing: false,
    ...(options.logger === undefined ? { logger: false } : { loggerInstance: options.logger }),
  };
  // The HTTP/2 and HTTP/1 instances differ only in their server type; routes are the same.
  const app = (
    options.tls === undefined
      ? Fastify(common)
      : Fastify({ ...common, http2: true, https: { allowHTTP1: true, cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2' } })
  ) as unknown as FastifyInstance;

  // Only JSON is an AdmissionReview; other media types get 415 instead of a parse attempt.
  app.removeContentTypeParser('text/plain');

  // Client errors found before the handler (content type, size, undecodable JSON) still get an
  // AdmissionReview, with the HTTP status that fits: no uid could be read to echo.
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'unexpected error answering a request');
    const message = status === 500 ? 'internal error' : (CLIENT_ERROR_MESSAGES[error.code]?.(request) ?? error.message);
    options.metrics.requests.inc({ route: routeLabel(request.routeOptions.url), kind: undefined, operation: undefined, verdict: 'error', dryRun: false });
    return sendError(reply, status, message);
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, 404, `no route ${request.method} ${request.url.split('?')[0] ?? ''}`));

  const logDecision = options.logger === undefined ? undefined : decisionLog(options.logger);
  const review = (route: AdmissionRoute) => async (request: FastifyRequest<ReviewBody>, reply: FastifyReply) => {
    if (options.draining?.() === true && request.raw.httpVersionMajor === 1) reply.header('connection', 'close');
    const parsed = parseReview(request.body);
    // The request outlives the handler until its answer is written out, which for TLS completes
    // in a later turn of the event loop: holding the parsed review (~20 KB) that long makes it
    // survive scavenges, and their cost is mostly copying survivors. Dropped here, it dies with the
    // handler (README, Performance).
    request.body = undefined;
    if (!parsed.ok) {
      options.metrics.requests.inc({ route, kind: undefined, operation: undefined, verdict: 'error', dryRun: false });
      request.log.info({ route, uid: parsed.uid, error: parsed.message }, 'admission review refused');
      // With a uid the API server can match the answer: a normal response saying why.
      return reply.code(parsed.uid === '' ? 400 : 200).send(answer(parsed.version, errored(parsed.uid, 400, parsed.message)));
    }
    const req = parsed.request;
    // reply.elapsedTime counts from when fastify routed the request (its headers read), so a body
    // that dribbled in or a wait in the queue is counted against the API server's timeout.
    const arrivedMs = reply.elapsedTime;
    const timeoutMs = overBudgetTimeoutMs(request.query, arrivedMs);
    if (timeoutMs !== undefined) {
      const late = outOfTime(req, options.rules().mode, options.onTimeout ?? 'deny', timeoutMs);
      options.metrics.requests.inc({ route, kind: req.kind.kind, operation: req.operation, verdict: 'timeout', dryRun: req.dryRun === true });
      // The slowest reviews are these: left out, the histogram would look best when it matters most.
      // One reading of the clock, so the histogram and the log line say the same.
      options.metrics.duration.observe(route, arrivedMs / 1000);
      options.logger?.warn({ route, uid: req.uid, kind: req.kind.kind, namespace: req.namespace, name: req.name, operation: req.operation, allowed: late.allowed, elapsedMs: arrivedMs, timeoutMs }, 'admission review not judged: out of time');
      return reply.send(answer(parsed.version, late));
    }
    const { evaluation, response } = decide(route, req, options.rules(), { cluster: options.cluster, now: new Date() });
    // The same clock: reading and parsing the body count too, as the API server waits for them.
    const durationMs = reply.elapsedTime;
    const verdict = route === 'mutate' ? (response.patch === undefined ? 'allow' : 'patch') : evaluation.verdict;
    options.metrics.requests.inc({ route, kind: req.kind.kind, operation: req.operation, verdict, dryRun: req.dryRun === true });
    options.metrics.duration.observe(route, durationMs / 1000);
    // The answer leaves before its log line is written: the API server does not wait for our logs.
    reply.send(answer(parsed.version, response));
    // A review that judged or changed something (a finding, a patch, an exemption used) is logged
    // at info; a clean allow only at debug. Clean allows are most of a busy cluster's reviews, and
    // a line each cost more than judging them (README, Performance).
    const clean = verdict === 'allow' && evaluation.findings.length === 0 && evaluation.exemptions.length === 0;
    const level = clean ? 'debug' : 'info';
    if (logDecision !== undefined && options.logger?.isLevelEnabled(level) === true) {
      logDecision(level, {
        route,
        uid: req.uid,
        kind: req.kind.kind,
        namespace: req.namespace,
        name: req.name,
        operation: req.operation,
        user: req.userInfo?.username,
        dryRun: req.dryRun === true,
        verdict,
        auditMode: evaluation.dryRun,
        rules: [...new Set([...evaluation.findings.map((f) => f.rule), ...evaluation.mutations.map((m) => m.rule)])],
        // Rules this object was spared by an exemption: an allow that only an exemption gave.
        ...(evaluation.exemptions.length > 0 ? { exempted: evaluation.exemptions.map((e) => e.rule) } : {}),
        durationMs,
      });
    }
    return reply;
  };

  app.post('/validate', review('validate'));
  app.post('/mutate', review('mutate'));
  app.get('/healthz', async () => 'ok');
  app.get('/readyz', async (_request, reply) => {
    const { ready, reason } = options.readiness();
    return ready ? 'ok' : reply.code(503).send(`not ready: ${reason ?? 'starting'}`);
  });
  app.get('/metrics', async (_request, reply) => {
    const text = await options.metrics.registry.metrics();
    return reply.type(options.metrics.registry.contentType).send(text);
  });
  return app;
}
