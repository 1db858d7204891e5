/**
 * What each `npm run bench` command line means: which parts run, in which order, and where the
 * results go; and the command lines refused, with what is wrong.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { readBenchArguments } from '../../src/bench/arguments.js';

const directory = await mkdtemp(path.join(tmpdir(), 'perimeter-bench-arguments-'));
t.teardown(() => rm(directory, { recursive: true, force: true }));
const root = path.join(directory, 'checkout');
const cwd = path.join(directory, 'started-here');
// A directory where the bench was started; `src` is one only where the tests run (the checkout).
await mkdir(path.join(cwd, 'runs'), { recursive: true });
const where = { root, cwd };
const ALL = ['webhook', 'memory', 'engine', 'audit'];

t.test('the parts run and where the results go', async (t) => {
  const rows: { args: string[]; quick: boolean; parts: string[]; resultsFile: string }[] = [
    { args: [], quick: false, parts: ALL, resultsFile: path.join(root, 'bench/results.json') },
    { args: ['--quick'], quick: true, parts: ALL, resultsFile: path.join(root, 'bench/results.quick.json') },
    { args: ['--only', 'webhook'], quick: false, parts: ['webhook'], resultsFile: path.join(root, 'bench/results.partial.json') },
    { args: ['--quick', '--only', 'engine'], quick: true, parts: ['engine'], resultsFile: path.join(root, 'bench/results.quick.partial.json') },
    // In the order they run, whatever the order named; spaces around the names are allowed.
    { args: ['--only', 'audit, webhook'], quick: false, parts: ['webhook', 'audit'], resultsFile: path.join(root, 'bench/results.partial.json') },
    { args: ['--only=engine,engine'], quick: false, parts: ['engine'], resultsFile: path.join(root, 'bench/results.partial.json') },
    // Every part named is the full run, and writes where a full run does.
    { args: ['--only', 'audit,engine,memory,webhook'], quick: false, parts: ALL, resultsFile: path.join(root, 'bench/results.json') },
    { args: ['--out', 'runs/quiet.json'], quick: false, parts: ALL, resultsFile: path.join(cwd, 'runs/quiet.json') },
    { args: ['--out', 'src'], quick: false, parts: ALL, resultsFile: path.join(cwd, 'src') },
    { args: ['--only', 'webhook', '--out', '/var/tmp/webhook.json'], quick: false, parts: ['webhook'], resultsFile: '/var/tmp/webhook.json' },
  ];
  for (const row of rows) {
    t.same(readBenchArguments(row.args, where), { quick: row.quick, parts: row.parts, resultsFile: row.resultsFile }, row.args.join(' ') || '(none)');
  }
});

t.test('command lines refused, with what is wrong', async (t) => {
  const rows: { args: string[]; message: RegExp }[] = [
    { args: ['--only', 'nope'], message: /^--only takes parts of the bench separated by commas, each one of webhook, memory, engine, audit \(got "nope"\)$/ },
    { args: ['--only', 'engine,nope'], message: /\(got "engine,nope"\)$/ },
    { args: ['--only', 'Engine'], message: /\(got "Engine"\)$/ },
    { args: ['--only', ''], message: /\(got ""\)$/ },
    { args: ['--only', 'engine,'], message: /\(got "engine,"\)$/ },
    { args: ['--only'], message: /argument missing/ },
    { args: ['--fast'], message: /Unknown option '--fast'/ },
    { args: ['webhook'], message: /Unexpected argument 'webhook'/ },
    { args: ['--out', ''], message: /^--out takes the file to write the results to \(got ""\)$/ },
    { args: ['--out', directory], message: /^--out takes the file to write the results to \(got ".*", a directory\)$/ },
    { args: ['--out', '.'], message: /\(got "\.", a directory\)$/ },
    { args: ['--out', 'runs'], message: /\(got "runs", a directory\)$/ },
    { args: ['--out', 'later/'], message: /\(got "later\/", a directory\)$/ },
  ];
  for (const row of rows) t.throws(() => readBenchArguments(row.args, where), { message: row.message }, row.args.join(' '));
});
