/**
 * Webhook throughput and latency over HTTPS, side by side in one run: the real `perimeter serve`
 * with the default rules, and the bare fastify server (the limit of this stack), each in its own
 * process on one core, loaded by autocannon from this process on the other core.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import * as hdr from 'hdr-histogram-js';
import { Agent, request } from 'undici';
import { SERVE_NODE_OPTIONS } from '../server/node-options.js';
import { spawnServer, type ServerProcess } from './processes.js';

export interface Recording {
  readonly path: string;
  readonly body: { request?: { kind?: { kind?: string } } };
}

/** One recorded review as a request: its path and its JSON body. */
export type Review = autocannon.Request & { path: string; body: string };

/** The review mix: the recorded Service, Ingress and NetworkPolicy reviews, with their paths. */
export function reviewMix(directory: string): { requests: Review[]; kinds: Record<string, number> } {
  const kinds: Record<string, number> = {};
  const requests: Review[] = [];
  for (const file of readdirSync(directory).filter((name) => name.endsWith('.json')).sort()) {
    const recording = JSON.parse(readFileSync(path.join(directory, file), 'utf8')) as Recording;
    const kind = recording.body.request?.kind?.kind ?? '';
    if (!['Service', 'Ingress', 'NetworkPolicy'].includes(kind)) continue;
    kinds[kind] = (kinds[kind] ?? 0) + 1;
    requests.push({ method: 'POST', path: recording.path, headers: { 'content-type': 'application/json' }, body: JSON.stringify(recording.body) });
  }
  return { requests, kinds };
}

export interface LoadResult {
  readonly server: string;
  readonly connections: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  readonly requests: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly errors: number;
  readonly non2xx: number;
}

/** Latencies in microseconds, up to a minute: autocannon's own histogram keeps whole milliseconds, and a 2 ms budget needs finer. */
export function latencyHistogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
}

/** p50, p99 and max of a latency histogram, in milliseconds. */
export function latencySummary(latencies: hdr.Histogram): Pick<LoadResult, 'p50Ms' | 'p99Ms' | 'maxMs'> {
  const ms = (micros: number) => Math.round(micros) / 1000;
  return { p50Ms: ms(latencies.getValueAtPercentile(50)), p99Ms: ms(latencies.getValueAtPercentile(99)), maxMs: ms(latencies.maxValue) };
}

export async function load(server: ServerProcess, name: string, requests: autocannon.Request[], options: { connections: number; seconds: number; ca: string }): Promise<LoadResult> {
  const latencies = latencyHistogram();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: server.url,
        connections: options.connections,
        duration: options.seconds,
        requests,
        tlsOptions: { ca: options.ca },
      },
      (error, done) => (error ? reject(error) : resolve(done)),
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, milliseconds: number) => latencies.recordValue(Math.max(1, Math.round(milliseconds * 1000))));
  });
  return {
    server: name,
    connections: options.connections,
    seconds: options.seconds,
    requestsPerSecond: result.requests.total / options.seconds,
    requests: result.requests.total,
    ...latencySummary(latencies),
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

export interface WebhookServers {
  readonly perimeter: ServerProcess;
  readonly bare: ServerProcess;
  readonly ca: string;
}

/**
 * `perimeter serve` with the V8 settings it is deployed with; it writes a development certificate
 * into `workDir`. Without a kubeconfig, `--cluster off` (there is no API server here); with one,
 * `--cluster on` against it.
 */
export function startPerimeter(workDir: string, rulesDir: string, distDir: string, kubeconfig?: string): Promise<ServerProcess> {
  const clusterFlags = kubeconfig === undefined ? ['--cluster', 'off'] : ['--cluster', 'on', '--kubeconfig', kubeconfig];
  return spawnServer(
    [...SERVE_NODE_OPTIONS.split(' '), path.join(distDir, 'bundle/perimeter.js'), 'serve', '--host', '127.0.0.1', '--port', '0', '--rules', rulesDir, ...clusterFlags],
    /serving on (https:\/\/127\.0\.0\.1:\d+)/,
    workDir,
  );
}

/** Polls `/readyz` until it answers 200 (at most 30 s). */
export async function waitUntilReady(url: string, ca: string): Promise<void> {
  const agent = new Agent({ connect: { ca } });
  try {
    for (const end = Date.now() + 30_000; Date.now() < end; await new Promise((resolve) => setTimeout(resolve, 50))) {
      const response = await request(new URL('/readyz', url), { dispatcher: agent });
      await response.body.dump();
      if (response.statusCode === 200) return;
    }
    throw new Error(`${url} was not ready within 30 s`);
  } finally {
    await agent.close();
  }
}

/** Where `perimeter serve` writes its development certificate, under the directory it runs in. */
const certDir = (workDir: string) => path.join(workDir, '.perimeter');

/** The CA of the development certificate a `perimeter serve` in `workDir` made (it has, once serving). */
export function developmentCa(workDir: string): string {
  return readFileSync(path.join(certDir(workDir), 'ca.crt'), 'utf8');
}

/**
 * Has a `perimeter serve` make the development certificate in `workDir` if none is there yet. A
 * serve that makes one loads the certificate code (@peculiar/x509, about 10 MiB); one that finds
 * it does not, and that is the serve whose memory the bench measures.
 */
export async function ensureDevelopmentCertificate(workDir: string, rulesDir: string, distDir: string): Promise<void> {
  if (existsSync(path.join(certDir(workDir), 'ca.crt'))) return;
  const server = await startPerimeter(workDir, rulesDir, distDir);
  await server.stop();
}

/** Starts both servers with the same development certificate (generated by perimeter first); bare fastify keeps V8's defaults. */
export async function startServers(workDir: string, rulesDir: string, distDir: string): Promise<WebhookServers> {
  const perimeter = await startPerimeter(workDir, rulesDir, distDir);
  const bare = await spawnServer([path.join(distDir, 'bench/bare-server.js'), path.join(certDir(workDir), 'tls.crt'), path.join(certDir(workDir), 'tls.key')], /bare serving on (https:\/\/127\.0\.0\.1:\d+)/);
  return { perimeter, bare, ca: developmentCa(workDir) };
}
