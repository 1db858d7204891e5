/**
 * Loaded with --import into the bundled `perimeter` by the audit benchmark: when the process
 * exits it writes the wall time since this module loaded (before the program itself loads), its
 * peak RSS and its exit code, as JSON, to the file PERIMETER_BENCH_REPORT names. So `check` is
 * measured as users run it, start-up and printing included. A file written synchronously, not
 * stderr: writes to a pipe may still be pending when the process ends.
 */
import { writeFileSync } from 'node:fs';

const started = process.hrtime.bigint();
const reportFile = process.env.PERIMETER_BENCH_REPORT;

process.on('exit', (exitCode) => {
  if (reportFile === undefined) return;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  writeFileSync(reportFile, JSON.stringify({ seconds, maxRssKiB: process.resourceUsage().maxRSS, exitCode }));
});
