/**
 * `perimeter serve`: loads rules and certificates, starts the HTTPS listener, watches both for
 * changes, and shuts down cleanly on SIGTERM (stop accepting, finish in-flight reviews, exit 0).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import type { BackoffOptions } from '../cluster/cache.js';
import { UNKNOWN_CLUSTER } from '../context/bundle.js';
import type { OnTimeout } from '../admission/time-budget.js';
import { buildApp } from './app.js';
import { LiveRules } from './live-rules.js';
import { BatchedLines } from './log-lines.js';
import { serveLoggerOptions } from './log-options.js';
import { createMetrics, type Metrics } from './metrics.js';
import { CertificateError, certificateCovers, readServingCertificate, type ServingCertificate } from './tls.js';
import { watchDirectories, type Watch } from './watch.js';

export type ClusterMode = 'auto' | 'on' | 'off';

function wantsCluster(options: ServeOptions): boolean {
  const mode = options.cluster ?? 'auto';
  if (mode !== 'auto') return mode === 'on';
  return options.kubeconfig !== undefined || process.env.KUBECONFIG !== undefined || process.env.KUBERNETES_SERVICE_HOST !== undefined;
}

/**
 * The API client and the live cluster view, when the server watches a cluster. Imported here,
 * not at the top: the bundle keeps the Kubernetes client behind this import (scripts/bundle.mjs
 * checks), and the part of @kubernetes/client-node it keeps adds 5.8 MiB to the heap (26 MiB
 * unbundled; README Performance), which only a server that watches a cluster needs to pay.
 */
async function connectCluster(options: ServeOptions, log: pino.Logger, metrics: Metrics) {
  if (!wantsCluster(options)) return undefined;
  const [{ createApiClient, loadKubeConfig }, { LiveCluster }] = await Promise.all([import('../cluster/api.js'), import('../cluster/live-view.js')]);
  const client = createApiClient(loadKubeConfig(options.kubeconfig));
  const cluster = new LiveCluster(client, { log, registry: metrics.registry, ...(options.clusterBackoff === undefined ? {} : { backoff: options.clusterBackoff }) });
  return { client, cluster };
}

export interface ServeOptions {
  readonly port: number;
  readonly host: string;
  readonly rulesDir: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  /** Where a development certificate is written when none is given. */
  readonly devCertDir: string;
  /** Extra DNS names or IP addresses for a generated development certificate. */
  readonly devCertNames?: readonly string[];
  readonly logLevel: string;
  /** What a review that arrives too late to be judged gets (default deny). */
  readonly onTimeout?: OnTimeout;
  /** Poll interval of the file watchers (tests shorten it). */
  readonly pollMs?: number;
  /**
   * Cluster state for cluster-aware rules: `on` connects (kubeconfig, `KUBECONFIG`, or the
   * in-cluster service account), `off` never does, `auto` connects when one of those is there.
   */
  readonly cluster?: ClusterMode;
  readonly kubeconfig?: string;
  /** Retry delays of the cluster caches (tests shorten them). */
  readonly clusterBackoff?: BackoffOptions;
  /** Where the startup lines go (certificate location, URL). */
  readonly announce?: (line: string) => void;
}

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly url: string;
  readonly metrics: Metrics;
  readonly rules: LiveRules;
  /**
   * Reports not ready from now on while still serving: the first step of a graceful shutdown,
   * so endpoints stop sending reviews here before the listener closes.
   */
  drain(): void;
  /** Stops accepting, lets in-flight reviews finish, releases watchers. */
  close(): Promise<void>;
}

/** Certificate files to serve with: the given ones, or a development pair (reused while valid). */
async function certificateFiles(options: ServeOptions): Promise<{ certFile: string; keyFile: string; generated?: string }> {
  if (options.tlsCert !== undefined || options.tlsKey !== undefined) {
    if (options.tlsCert === undefined || options.tlsKey === undefined) throw new CertificateError('--tls-cert and --tls-key go together');
    return { certFile: options.tlsCert, keyFile: options.tlsKey };
  }
  const certFile = path.join(options.devCertDir, 'tls.crt');
  const keyFile = path.join(options.devCertDir, 'tls.key');
  const caFile = path.join(options.devCertDir, 'ca.crt');
  if (existsSync(certFile) && existsSync(keyFile) && existsSync(caFile)) {
    try {
      const existing = await readServingCertificate(certFile, keyFile);
      const fresh = existing.notAfter.getTime() > Date.now() + 24 * 60 * 60 * 1000;
      if (fresh && certificateCovers(existing.cert, options.devCertNames ?? [])) return { certFile, keyFile, generated: caFile };
    } catch {
      // unreadable: make a new pair below
    }
  }
  const { generateDevelopmentCertificate } = await import('./dev-certificate.js');
  const created = await generateDevelopmentCertificate(options.devCertDir, options.devCertNames);
  return { certFile: created.certFile, keyFile: created.keyFile, generated: created.caFile };
}

/**
 * Log lines are written out when this many characters (about as many bytes) have gathered, or
 * after LOG_FLUSH_MS. Each batch runs sonic-boom's write path, which `perf` shows unoptimized in
 * the server, and which copies the batch into a new buffer after writing it: fewer, larger
 * batches cost half as much per review (README, Performance).
 */
const LOG_BATCH_CHARS = 16 * 1024;
const LOG_FLUSH_MS = 1000;

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  // Decision lines are on the write path of the cluster: they are gathered and written 16 KiB at
  // a time instead of one write per review; a quiet server flushes what it has every second (or a
  // deny could wait hours to show in `kubectl logs`), and everything is flushed when the server
  // closes or the process exits, an uncaught exception included. A process killed outright
  // (SIGKILL, the out-of-memory killer) loses what was gathered: at most 16 KiB or a second.
  // The writes are synchronous, as pino's default destination's are: handing each to libuv's
  // thread pool and back cost more than the write itself (2.1 against 1.1 µs per line in a loop;
  // in the bench's rounds the difference is within their noise). A stdout that stops being read
  // then stalls reviews (and the API server applies its failure policy) instead of growing the
  // buffer without bound.
  const logDestination = new BatchedLines(pino.destination({ dest: 1, sync: true }), { batchChars: LOG_BATCH_CHARS, flushMs: LOG_FLUSH_MS });
  // pino flushes only an asynchronous sonic-boom at exit by itself.
  const flushLogAtExit = () => logDestination.flushSync();
  process.once('exit', flushLogAtExit);
  const log = pino(serveLoggerOptions(options.logLevel), logDestination);
  const releaseLog = () => {
    logDestination.close();
    process.off('exit', flushLogAtExit);
  };
  try {
    return await serve(options, log, releaseLog);
  } catch (error) {
    // Bad rules, kubeconfig or certificate, a port in use: nothing was started that outlives this.
    releaseLog();
    throw error;
  }
}

/** Everything after the log: loads, listens, and returns the server; `releaseLog` when it closes. */
async function serve(options: ServeOptions, log: pino.Logger, releaseLog: () => void): Promise<RunningServer> {
  const metrics = createMetrics();
  const { client, cluster } = (await connectCluster(options, log, metrics)) ?? {};
  const rules = await LiveRules.load(options.rulesDir, metrics, log, (ruleSet) => void cluster?.watchRules(ruleSet));
  const files = await certificateFiles(options);
  let certificate: ServingCertificate = await readServingCertificate(files.certFile, files.keyFile);

  let draining = false;
  const app = buildApp({
    rules: () => rules.current,
    cluster: cluster ?? UNKNOWN_CLUSTER,
    metrics,
    logger: log,
    ...(options.onTimeout !== undefined ? { onTimeout: options.onTimeout } : {}),
    tls: certificate,
    draining: () => draining,
    readiness: () => {
      if (draining) return { ready: false, reason: 'shutting down' };
      if (certificate.notAfter.getTime() <= Date.now()) return { ready: false, reason: `serving certificate expired at ${certificate.notAfter.toISOString()}` };
      if (cluster !== undefined && !cluster.hasSynced) return { ready: false, reason: 'cluster caches not synced yet' };
      return { ready: true };
    },
  });

  const pollMs = options.pollMs ?? 10_000;
  const watches: Watch[] = [];
  watches.push(watchDirectories([options.rulesDir], () => void rules.reload(), { debounceMs: 200, pollMs }));
  const reloadCertificate = async () => {
    try {
      const next = await readServingCertificate(files.certFile, files.keyFile);
      if (next.cert === certificate.cert && next.key === certificate.key) return;
      // New connections get the new certificate; established ones keep theirs until they end.
      (app.server as unknown as { setSecureContext(options: { cert: string; key: string }): void }).setSecureContext({ cert: next.cert, key: next.key });
      certificate = next;
      metrics.certificateReloads.inc({ result: 'success' });
      log.info({ notAfter: next.notAfter.toISOString() }, 'serving certificate reloaded');
    } catch (error) {
      // A rotation in progress can show a new certificate beside an old key: keep serving the
      // pair we have and try again on the next event or poll.
      metrics.certificateReloads.inc({ result: 'failure' });
      log.warn({ err: error }, 'serving certificate not reloaded; keeping the current one');
    }
  };
  watches.push(watchDirectories([path.dirname(files.certFile), path.dirname(files.keyFile)], () => void reloadCertificate(), { debounceMs: 100, pollMs }));

  try {
    await app.listen({ port: options.port, host: options.host });
  } catch (error) {
    for (const watch of watches) watch.close();
    await app.close();
    throw error;
  }
  // Serving starts at once; readiness waits for the caches, and until they sync the
  // cluster-aware rules apply onClusterUnavailable.
  if (cluster !== undefined) {
    void cluster.start(rules.current);
    options.announce?.(`watching cluster state at ${client?.server ?? ''}`);
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const url = `https://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  if (files.generated !== undefined) options.announce?.(`development certificate: ${files.certFile} (key ${files.keyFile}), signed by the CA in ${files.generated}`);
  options.announce?.(`perimeter serving on ${url} with ${rules.current.rules.length} rules from ${options.rulesDir} (mode ${rules.current.mode})`);

  let closing: Promise<void> | undefined;
  return {
    app,
    url,
    metrics,
    rules,
    drain() {
      draining = true;
    },
    close() {
      closing ??= (async () => {
        for (const watch of watches) watch.close();
        cluster?.stop();
        await app.close();
        releaseLog();
      })();
      return closing;
    },
  };
}
