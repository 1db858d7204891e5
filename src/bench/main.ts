/**
 * `npm run bench`: the performance report. Prints tables and writes them with every measurement
 * to `bench/results.json` (for a full run; see arguments.ts). Its parts, in the order they run
 * (the report puts memory last):
 *
 * - webhook: over HTTPS, side by side in one run, `perimeter serve` with the default rules and
 *   the bare fastify server (the limit of this stack), at several concurrency levels, alternating
 *   between the two so drift on the machine hits both alike; then both at a fixed rate, in turn.
 * - memory: the server's RSS idle, after warm-up, and after 1,000,000 reviews; and idle and under
 *   load in cluster mode, against an empty fake API over TLS (the floor of what a pod uses).
 * - engine: time per object for each kind, long range lists, unrelated rules.
 * - audit: `perimeter check` on 100,000 objects, JSON and YAML.
 *
 * `npm run bench -- --quick` runs everything shorter (for trying changes); `--only webhook,audit`
 * runs some of the parts, so a change to one path can be measured without the rest, and the
 * webhook part fits in a quiet spell of a shared machine (about 5 minutes of the 12); `--out FILE`
 * writes the results there (arguments.ts). The published figures come from full runs. No timing
 * is asserted: timings belong in reports. The bench stops only when a measurement would not be
 * what it says: a server that never became ready (in cluster mode, caches that never synced) is
 * not measured.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT } from '../cli/io.js';
import { BENCH_PARTS, BENCH_USAGE, readBenchArguments, type BenchArguments } from './arguments.js';
import { benchEngine, type EngineRow } from './engine.js';
import { runCheck, writeInputs, type AuditRun } from './audit.js';
import { FixedRateSender, fixedRateResult, type FixedRateResult, type FixedRateRun } from './fixed-rate.js';
import { median } from './median.js';
import { FakeApiServer } from './fake-apiserver.js';
import { developmentCa, ensureDevelopmentCertificate, load, reviewMix, startPerimeter, startServers, waitUntilReady, type LoadResult, type Review, type WebhookServers } from './webhook.js';

const distDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const root = path.resolve(distDir, '..');

/** The command line; a usage error ends the bench with exit code 2 before anything runs. */
function commandLine(): BenchArguments {
  try {
    return readBenchArguments(process.argv.slice(2), { root, cwd: process.env.INIT_CWD ?? process.cwd() });
  } catch (error) {
    process.stderr.write(`npm run bench: ${(error as Error).message}\n${BENCH_USAGE}\n`);
    process.exit(EXIT.USAGE);
  }
}

const { quick, parts, resultsFile } = commandLine();
const partial = parts.length < BENCH_PARTS.length;
const rulesDir = path.join(root, 'rules');
const recordingsDir = path.join(root, 'test/fixtures/admission-reviews');

// Many short rounds rather than a few long ones: on this shared machine a server's throughput
// moves by a third from one minute to the next, and a median of many side-by-side pairs is what
// stays put from run to run.
const SETTINGS = quick
  ? { seconds: 2, warmupSeconds: 1, rounds: 3, concurrency: [1, 16, 64], fixedRate: 2_000, fixedRounds: 3, fixedSeconds: 2, memoryReviews: 100_000, memoryWarmup: 20_000, clusterMemoryReviews: 40_000, auditObjects: 20_000, engineBudgetMs: 300 }
  : { seconds: 3, warmupSeconds: 1, rounds: 10, concurrency: [1, 16, 64], fixedRate: 2_000, fixedRounds: 10, fixedSeconds: 2, memoryReviews: 1_000_000, memoryWarmup: 100_000, clusterMemoryReviews: 200_000, auditObjects: 100_000, engineBudgetMs: 1_000 };

const log = (line: string) => process.stderr.write(`${line}\n`);

interface WebhookRow {
  readonly connections: number;
  readonly perimeter: LoadResult;
  readonly bare: LoadResult;
  /** Median over the rounds of perimeter's requests/s over bare's in the same round. */
  readonly ratio: number;
  /** The lowest and highest of those per-round ratios. */
  readonly ratioRange: readonly [number, number];
  /** Every round as measured, in order: perimeter and bare requests/s. */
  readonly rounds: readonly { readonly perimeter: number; readonly bare: number }[];
}

/** Which server goes first in a round: each in turn, so neither always runs on a warmer (or hotter) machine. */
function inTurn(round: number): readonly ['perimeter', 'bare'] | readonly ['bare', 'perimeter'] {
  return round % 2 === 0 ? ['perimeter', 'bare'] : ['bare', 'perimeter'];
}

/** Rounds of one server at one level: requests/s and latencies as medians of the rounds, max as the max. */
function summary(results: LoadResult[]): LoadResult {
  const first = results[0]!;
  const middle = (pick: (r: LoadResult) => number) => median(results.map(pick));
  return {
    ...first,
    seconds: results.reduce((sum, r) => sum + r.seconds, 0),
    requests: results.reduce((sum, r) => sum + r.requests, 0),
    requestsPerSecond: middle((r) => r.requestsPerSecond),
    p50Ms: middle((r) => r.p50Ms),
    p99Ms: middle((r) => r.p99Ms),
    maxMs: Math.max(...results.map((r) => r.maxMs)),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
  };
}

async function benchWebhook(work: string, requests: Review[]) {
  const servers = await startServers(work, rulesDir, distDir);
  const options = (connections: number, seconds: number) => ({ connections, seconds, ca: servers.ca });
  const rows: WebhookRow[] = [];
  try {
    for (const connections of SETTINGS.concurrency) {
      const runs: { perimeter: LoadResult[]; bare: LoadResult[] } = { perimeter: [], bare: [] };
      for (let round = 0; round < SETTINGS.rounds; round++) {
        for (const name of inTurn(round)) {
          await load(servers[name], name, requests, options(connections, SETTINGS.warmupSeconds));
          runs[name].push(await load(servers[name], name, requests, options(connections, SETTINGS.seconds)));
          log(`webhook c=${connections} ${name}: ${runs[name].at(-1)!.requestsPerSecond.toFixed(0)} reviews/s`);
        }
      }
      const rounds = runs.perimeter.map((run, round) => ({ perimeter: run.requestsPerSecond, bare: runs.bare[round]!.requestsPerSecond }));
      const ratios = rounds.map((round) => round.perimeter / round.bare);
      rows.push({ connections, perimeter: summary(runs.perimeter), bare: summary(runs.bare), ratio: median(ratios), ratioRange: [Math.min(...ratios), Math.max(...ratios)], rounds });
    }
    return { rows, fixed: await benchFixedRate(servers, requests) };
  } finally {
    await servers.perimeter.stop();
    await servers.bare.stop();
  }
}

/**
 * Both servers at a fixed rate, in alternating rounds over connections kept open, like the
 * throughput rounds: a stall of the machine (tens of milliseconds, now and then) lands in a round
 * of one or the other, so the p99 over all reviews is reported with each round's and their median.
 */
async function benchFixedRate(servers: WebhookServers, requests: Review[]) {
  const connections = 16;
  const senders = {
    perimeter: new FixedRateSender(servers.perimeter.url, { ca: servers.ca, connections }),
    bare: new FixedRateSender(servers.bare.url, { ca: servers.ca, connections }),
  };
  try {
    const runs: { perimeter: FixedRateRun[]; bare: FixedRateRun[] } = { perimeter: [], bare: [] };
    // Warm-up: connections opened, both sides warmed.
    for (const name of ['perimeter', 'bare'] as const) await senders[name].run(requests, SETTINGS.fixedRate, SETTINGS.warmupSeconds);
    for (let round = 0; round < SETTINGS.fixedRounds; round++) {
      for (const name of inTurn(round)) runs[name].push(await senders[name].run(requests, SETTINGS.fixedRate, SETTINGS.fixedSeconds));
    }
    const fixed = {
      perimeter: fixedRateResult('perimeter', SETTINGS.fixedRate, connections, runs.perimeter),
      bare: fixedRateResult('bare', SETTINGS.fixedRate, connections, runs.bare),
    };
    log(`webhook fixed rate ${SETTINGS.fixedRate}/s: p99 ${fixed.perimeter.p99Ms} ms, rounds ${fixed.perimeter.roundP99Ms.join(' ')} (bare ${fixed.bare.p99Ms} ms, rounds ${fixed.bare.roundP99Ms.join(' ')})`);
    return fixed;
  } finally {
    await senders.perimeter.close();
    await senders.bare.close();
  }
}

/** The server's memory with `--cluster off`, then in cluster mode. */
async function benchMemory(work: string, requests: Review[]) {
  await ensureDevelopmentCertificate(work, rulesDir, distDir);
  const memory = await measureMemory(work, requests, { warmup: SETTINGS.memoryWarmup, reviews: SETTINGS.memoryReviews });
  log(`memory: idle ${memory.idleMiB.toFixed(1)} MiB, after warm-up ${memory.afterWarmupMiB.toFixed(1)}, after ${memory.reviews} reviews ${memory.afterAllMiB.toFixed(1)}, peak ${memory.peakMiB.toFixed(1)}`);
  // The same in cluster mode, as deployed (`--cluster auto` finds the service account in a pod):
  // the Kubernetes client and the caches, over TLS, against the tests' fake API with nothing in it.
  const emptyCluster = await FakeApiServer.start(work);
  try {
    const clusterMemory = await measureMemory(work, requests, { warmup: SETTINGS.memoryWarmup, reviews: SETTINGS.clusterMemoryReviews, kubeconfig: await emptyCluster.writeKubeconfig() });
    const watches = emptyCluster.requests.filter((request) => request.watch).length;
    log(`memory, cluster mode: idle ${clusterMemory.idleMiB.toFixed(1)} MiB, after ${clusterMemory.reviews} reviews ${clusterMemory.afterAllMiB.toFixed(1)}, peak ${clusterMemory.peakMiB.toFixed(1)} (${emptyCluster.requests.length - watches} lists, ${watches} watches)`);
    return { serve: memory, cluster: clusterMemory };
  } finally {
    await emptyCluster.stop();
  }
}

/** Sends `count` reviews at concurrency 16; returns how many were sent. */
async function reviewsSent(server: Parameters<typeof load>[0], requests: Review[], ca: string, count: number): Promise<number> {
  let sent = 0;
  while (sent < count) {
    // autocannon runs by time; slices of a few seconds until the count is reached.
    const result = await load(server, 'memory', requests, { connections: 16, seconds: 5, ca });
    sent += result.requests;
  }
  return sent;
}

interface MemoryRun {
  readonly idleMiB: number;
  readonly afterWarmupMiB: number;
  readonly afterAllMiB: number;
  readonly peakMiB: number;
  /** Reviews answered in all, and in the warm-up: as sent, which overshoots the settings by up to one slice. */
  readonly reviews: number;
  readonly warmupReviews: number;
}

/**
 * RSS of a new `perimeter serve` (in `work`, whose development certificate it reuses): idle once
 * ready (in cluster mode, once its caches have synced), after at least `warmup` reviews, after at
 * least `reviews` in all, and its peak.
 */
async function measureMemory(work: string, requests: Review[], options: { warmup: number; reviews: number; kubeconfig?: string }): Promise<MemoryRun> {
  const server = await startPerimeter(work, rulesDir, distDir, options.kubeconfig);
  try {
    const ca = developmentCa(work);
    await waitUntilReady(server.url, ca);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const idleMiB = server.rssMiB();
    const warmupReviews = await reviewsSent(server, requests, ca, options.warmup);
    const afterWarmupMiB = server.rssMiB();
    const reviews = warmupReviews + (await reviewsSent(server, requests, ca, options.reviews - warmupReviews));
    return { idleMiB, afterWarmupMiB, afterAllMiB: server.rssMiB(), peakMiB: server.peakRssMiB(), reviews, warmupReviews };
  } finally {
    await server.stop();
  }
}

async function benchAudit(work: string): Promise<AuditRun[]> {
  const inputs = await writeInputs(work, SETTINGS.auditObjects);
  const runs: AuditRun[] = [];
  for (const format of ['json', 'yaml'] as const) {
    const run = await runCheck(distDir, rulesDir, inputs[format], format, SETTINGS.auditObjects, inputs.sizes[format]);
    log(`audit ${format}: ${run.objectsPerSecond.toFixed(0)} objects/s, peak RSS ${run.peakRssMiB.toFixed(0)} MiB`);
    runs.push(run);
  }
  return runs;
}

function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(' | ')} |`;
  return [line(headers), `|${widths.map((w, i) => (i === 0 ? `-${'-'.repeat(w)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...cells.slice(1).map(line)].join('\n');
}

const fixed = (value: number, digits = 2) => value.toFixed(digits);

function fixedRateLine(results: { perimeter: FixedRateResult; bare: FixedRateResult }): string {
  const { perimeter, bare } = results;
  const rounds = (result: FixedRateResult) => `median of the rounds' p99 ${fixed(result.medianRoundP99Ms)} ms (${fixed(Math.min(...result.roundP99Ms))}-${fixed(Math.max(...result.roundP99Ms))})`;
  return [
    `Fixed rate ${SETTINGS.fixedRate} reviews/s, ${SETTINGS.fixedRounds} rounds of ${SETTINGS.fixedSeconds} s per server, the two in turn (open loop: evenly spaced, latency from when each review was handed to the pool, queueing included), up to ${perimeter.connections} connections:`,
    `perimeter p50 ${fixed(perimeter.p50Ms)} ms, p99 ${fixed(perimeter.p99Ms)} ms, max ${fixed(perimeter.maxMs, 1)} ms over its ${perimeter.requests} reviews, ${rounds(perimeter)};`,
    `bare p50 ${fixed(bare.p50Ms)} ms, p99 ${fixed(bare.p99Ms)} ms, max ${fixed(bare.maxMs, 1)} ms, ${rounds(bare)};`,
    `${perimeter.errors + perimeter.non2xx + bare.errors + bare.non2xx} errors; reviews sent at most ${fixed(Math.max(perimeter.maxSendLatenessMs, bare.maxSendLatenessMs))} ms after they were due`,
  ].join(' ');
}

const work = await mkdtemp(path.join(tmpdir(), 'perimeter-bench-'));
try {
  const started = new Date();
  const scope = `${quick ? ' (quick)' : ''}${partial ? `, only ${parts.join(', ')}` : ''}`;
  log(`perimeter bench${scope}: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), Node ${process.version}`);
  const mix = reviewMix(recordingsDir);
  const webhook = parts.includes('webhook') ? await benchWebhook(work, mix.requests) : undefined;
  const memory = parts.includes('memory') ? await benchMemory(work, mix.requests) : undefined;
  const engine: EngineRow[] | undefined = parts.includes('engine') ? await benchEngine({ budgetMs: SETTINGS.engineBudgetMs }) : undefined;
  const audit = parts.includes('audit') ? await benchAudit(work) : undefined;

  const report = [
    [
      `perimeter bench, ${started.toISOString()}${quick ? ' (quick: shorter runs, not for publishing)' : ''}${partial ? ` (only ${parts.join(', ')})` : ''}`,
      `${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), Node ${process.version}; servers and load generator on 127.0.0.1`,
    ],
    webhook && [
      `Webhook over HTTPS (HTTP/1.1 keep-alive, TLS 1.3), ${mix.requests.length} recorded reviews in turn (${Object.entries(mix.kinds).map(([k, v]) => `${v} ${k}`).join(', ')}), ${SETTINGS.rounds} rounds of ${SETTINGS.seconds} s per server and level, the two servers in turn; medians of the rounds, ratio = median of the per-round ratios (lowest to highest in brackets):`,
      table(
        ['connections', 'perimeter reviews/s', 'bare reviews/s', 'ratio', 'perimeter p50 / p99 / max ms', 'bare p50 / p99 / max ms', 'errors'],
        webhook.rows.map((row) => [
          row.connections,
          fixed(row.perimeter.requestsPerSecond, 0),
          fixed(row.bare.requestsPerSecond, 0),
          `${fixed(row.ratio)} (${fixed(row.ratioRange[0])}-${fixed(row.ratioRange[1])})`,
          `${fixed(row.perimeter.p50Ms)} / ${fixed(row.perimeter.p99Ms)} / ${fixed(row.perimeter.maxMs, 1)}`,
          `${fixed(row.bare.p50Ms)} / ${fixed(row.bare.p99Ms)} / ${fixed(row.bare.maxMs, 1)}`,
          row.perimeter.errors + row.perimeter.non2xx + row.bare.errors + row.bare.non2xx,
        ]),
      ),
      '',
      fixedRateLine(webhook.fixed),
    ],
    engine && ['Engine, shipped rules:', table(['object', 'µs per evaluation'], engine.map((row) => [row.label, fixed(row.microsPerObject)]))],
    audit && [
      `Offline audit, perimeter check -o json on ${SETTINGS.auditObjects.toLocaleString('en')} objects (end to end: read, parse, judge, print):`,
      table(['input', 'MiB', 'seconds', 'objects/s', 'peak RSS MiB'], audit.map((run) => [run.format === 'json' ? 'JSON List' : 'YAML, multi-document', fixed(run.inputMiB, 1), fixed(run.seconds), fixed(run.objectsPerSecond, 0), fixed(run.peakRssMiB, 0)])),
    ],
    memory && [
      `Memory of perimeter serve (RSS): idle ${fixed(memory.serve.idleMiB, 1)} MiB; after ${memory.serve.warmupReviews.toLocaleString('en')} reviews (warm-up) ${fixed(memory.serve.afterWarmupMiB, 1)} MiB; after ${memory.serve.reviews.toLocaleString('en')} reviews ${fixed(memory.serve.afterAllMiB, 1)} MiB (growth after warm-up ${fixed(memory.serve.afterAllMiB - memory.serve.afterWarmupMiB, 1)} MiB); peak ${fixed(memory.serve.peakMiB, 1)} MiB`,
      `Memory in cluster mode (--cluster on, against an empty API over TLS: the Kubernetes client and the caches, no objects): idle ${fixed(memory.cluster.idleMiB, 1)} MiB; after ${memory.cluster.reviews.toLocaleString('en')} reviews ${fixed(memory.cluster.afterAllMiB, 1)} MiB; peak ${fixed(memory.cluster.peakMiB, 1)} MiB`,
    ],
  ]
    .filter((part) => part !== undefined)
    .map((part) => part.join('\n'))
    .join('\n\n');
  console.log(report);
  await mkdir(path.dirname(resultsFile), { recursive: true });
  const results = { date: started.toISOString(), quick, parts, machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version }, settings: SETTINGS, webhook: webhook && { ...webhook, mix: mix.kinds, reviewTypes: mix.requests.length }, memory, engine, audit, report };
  await writeFile(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  log(`wrote ${path.relative(process.cwd(), resultsFile)}`);
} finally {
  await rm(work, { recursive: true, force: true });
}
