/** The V8 settings `perimeter serve` runs with: passed on start-up where they must be, and in force. */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import t, { type Test } from 'tap';
import { parse } from 'yaml';
import { SERVE_NODE_OPTIONS } from '../../src/server/node-options.js';
import { spawnServe } from './serve-process.js';

t.test('npm start and the chart default carry the serve V8 settings', async (t) => {
  const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
  t.match(scripts.start, new RegExp(`\\bnode ${SERVE_NODE_OPTIONS} dist/bundle/perimeter\\.js serve$`));
  const values = parse(readFileSync('charts/perimeter/values.yaml', 'utf8')) as { nodeOptions: string };
  t.equal(values.nodeOptions, SERVE_NODE_OPTIONS);
});

/**
 * Loaded with --import into `perimeter serve`: on SIGUSR2 (sent once the server listens) it keeps
 * about 15 MiB alive, makes garbage that lives long enough to be promoted (a ring of 50,000
 * objects), prints the largest heap it saw and ends the process. With
 * PERIMETER_V8_RESTORE set it first sets that V8 flag back to V8's own value: the same process,
 * less only that one of the settings serve made. With PERIMETER_V8_TRACE_GC=1 V8 traces each
 * collection from then on; set at start-up, the trace would also show collections from before
 * serve made its settings, and those of the test runner's loader thread.
 */
const CHURN = `
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
process.once('SIGUSR2', () => {
  if (process.env.PERIMETER_V8_RESTORE) setFlagsFromString(process.env.PERIMETER_V8_RESTORE);
  if (process.env.PERIMETER_V8_TRACE_GC === '1') setFlagsFromString('--trace-gc-nvp');
  const live = Array.from({ length: 200000 }, (_, i) => ({ i, text: 'live-' + i }));
  const ring = new Array(50000);
  let peak = 0;
  for (let i = 0; i < 3000000; i++) {
    ring[i % ring.length] = { i, text: 'garbage-' + i, list: [i] };
    if (i % 10000 === 0) peak = Math.max(peak, getHeapStatistics().total_heap_size);
  }
  process.stdout.write('\\n' + JSON.stringify({ peakMiB: peak / 1048576, live: live.length }) + '\\n');
  process.exit(0);
});
`;

interface ChurnRun {
  peakHeapMiB: number;
  /** V8's --trace-gc-nvp lines, one per collection during the churn, when asked for. */
  gcTrace: string[];
}

async function churnInServe(t: Test, cwd: string, options: { restore?: string; traceGc?: boolean } = {}): Promise<ChurnRun> {
  const churn = path.join(cwd, 'churn.mjs');
  await writeFile(churn, CHURN);
  const { child, exited, output } = await spawnServe(t, {
    cwd,
    bin: path.resolve('dist/bundle/perimeter.js'),
    args: ['--cluster', 'off', '--rules', path.resolve('rules')],
    nodeArgs: [...SERVE_NODE_OPTIONS.split(' '), '--import', pathToFileURL(churn).href],
    env: { ...process.env, PERIMETER_V8_RESTORE: options.restore ?? '', PERIMETER_V8_TRACE_GC: options.traceGc === true ? '1' : '0' },
  });
  child.kill('SIGUSR2');
  const code = await exited;
  if (code !== 0) throw new Error(`perimeter serve with the churn exited with ${code}: ${output.stderr}`);
  const out = output.stdout;
  // A collection while the process exits is traced after the result: find it among the lines.
  const lines = out.split('\n');
  const result = JSON.parse(lines.find((line) => line.startsWith('{"peakMiB"')) ?? 'null') as { peakMiB: number } | null;
  if (result === null) throw new Error(`the churn printed no result: ${out.slice(-500)}`);
  return { peakHeapMiB: result.peakMiB, gcTrace: lines.filter((line) => / gc=/.test(line)) };
}

async function workDir(t: Test): Promise<string> {
  const cwd = await mkdtemp(path.join(tmpdir(), 'perimeter-heap-'));
  t.teardown(() => rm(cwd, { recursive: true, force: true }));
  return cwd;
}

t.test('perimeter serve keeps its old generation close to what is alive', async (t) => {
  const cwd = await workDir(t);
  // V8's own growth lets this heap reach several times what is alive before a full collection;
  // the limit serve sets keeps it within a margin of that.
  const unlimited = (await churnInServe(t, cwd, { restore: '--heap-growing-percent=0' })).peakHeapMiB;
  const serving = (await churnInServe(t, cwd)).peakHeapMiB;
  t.ok(serving < unlimited * 0.7, `peak heap ${serving.toFixed(1)} MiB as served, ${unlimited.toFixed(1)} MiB with V8's default growth`);
});

/** The time V8's helper threads spent on each scavenge in a --trace-gc-nvp trace, in ms. */
function scavengeHelperTimes(trace: string[]): number[] {
  return trace
    .map((line) => / gc=s .* background\.scavenge\.parallel=([\d.]+)/.exec(line)?.[1])
    .filter((ms) => ms !== undefined)
    .map(Number);
}

t.test('perimeter serve scavenges on its main thread alone', async (t) => {
  const cwd = await workDir(t);
  const serving = scavengeHelperTimes((await churnInServe(t, cwd, { traceGc: true })).gcTrace);
  t.ok(serving.length >= 10, `${serving.length} scavenges traced`);
  t.same(serving.filter((ms) => ms !== 0), [], 'no scavenge had work on a helper thread');
  // The control: the same churn with V8's parallel scavenges back shows helper work, so a trace
  // that cannot show it (a renamed field, say) fails the row above rather than passing it.
  const parallel = scavengeHelperTimes((await churnInServe(t, cwd, { restore: '--parallel-scavenge', traceGc: true })).gcTrace);
  t.ok(parallel.some((ms) => ms > 0), `helper threads worked on ${parallel.filter((ms) => ms > 0).length} of ${parallel.length} parallel scavenges`);
});
