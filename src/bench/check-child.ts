/**
 * Runs one perimeter command exactly as the CLI does and reports, on stderr, its wall time and the
 * process's peak RSS (`bench: {...}`): how the audit benchmark measures `check` end to end.
 */
import { runCli } from '../cli/main.js';
import { processIO } from '../cli/io.js';

const started = process.hrtime.bigint();
const exitCode = await runCli(process.argv.slice(2), processIO);
// Output written, not only queued: the time includes printing the report.
await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
process.stderr.write(`bench: ${JSON.stringify({ seconds, maxRssKiB: process.resourceUsage().maxRSS, exitCode })}\n`);
