/** The V8 settings `perimeter serve` runs with: passed on start-up where they must be, and in force. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import t from 'tap';
import { parse } from 'yaml';
import { SERVE_NODE_OPTIONS } from '../../src/server/node-options.js';

t.test('npm start and the chart default carry the serve V8 settings', async (t) => {
  const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
  t.match(scripts.start, new RegExp(`\\bnode ${SERVE_NODE_OPTIONS} dist/bundle/perimeter\\.js serve$`));
  const values = parse(readFileSync('charts/perimeter/values.yaml', 'utf8')) as { nodeOptions: string };
  t.equal(values.nodeOptions, SERVE_NODE_OPTIONS);
});

/**
 * Loaded with --import into `perimeter serve`: on SIGUSR2 (sent once the server listens) it keeps
 * about 15 MiB alive, makes garbage that lives long enough to be promoted (a ring of 50,000
 * objects), prints the largest heap it saw and ends the process. With PERIMETER_V8_DEFAULT_GROWTH
 * set it first puts V8's own growth factor back: the same process, less only what serve set.
 */
const CHURN = `
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
process.once('SIGUSR2', () => {
  if (process.env.PERIMETER_V8_DEFAULT_GROWTH === '1') setFlagsFromString('--heap-growing-percent=0');
  const live = Array.from({ length: 200000 }, (_, i) => ({ i, text: 'live-' + i }));
  const ring = new Array(50000);
  let peak = 0;
  for (let i = 0; i < 3000000; i++) {
    ring[i % ring.length] = { i, text: 'garbage-' + i, list: [i] };
    if (i % 10000 === 0) peak = Math.max(peak, getHeapStatistics().total_heap_size);
  }
  process.stdout.write(JSON.stringify({ peakMiB: peak / 1048576, live: live.length }));
  process.exit(0);
});
`;

async function peakHeapMiB(v8DefaultGrowth: boolean, cwd: string): Promise<number> {
  const churn = path.join(cwd, 'churn.mjs');
  await writeFile(churn, CHURN);
  const args = ['serve', '--host', '127.0.0.1', '--port', '0', '--cluster', 'off', '--log-level', 'silent', '--rules', path.resolve('rules')];
  const child = spawn(process.execPath, [...SERVE_NODE_OPTIONS.split(' '), '--import', pathToFileURL(churn).href, path.resolve('dist/bundle/perimeter.js'), ...args], {
    cwd,
    env: { ...process.env, PERIMETER_V8_DEFAULT_GROWTH: v8DefaultGrowth ? '1' : '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    if (/serving on/.test(err)) child.kill('SIGUSR2');
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`perimeter serve with the churn exited with ${code}: ${err}`);
  return (JSON.parse(out) as { peakMiB: number }).peakMiB;
}

t.test('perimeter serve keeps its old generation close to what is alive', async (t) => {
  const cwd = await mkdtemp(path.join(tmpdir(), 'perimeter-heap-'));
  t.teardown(() => rm(cwd, { recursive: true, force: true }));
  // V8's own growth lets this heap reach several times what is alive before a full collection;
  // the limit serve sets keeps it within a margin of that.
  const unlimited = await peakHeapMiB(true, cwd);
  const serving = await peakHeapMiB(false, cwd);
  t.ok(serving < unlimited * 0.7, `peak heap ${serving.toFixed(1)} MiB as served, ${unlimited.toFixed(1)} MiB with V8's default growth`);
});
