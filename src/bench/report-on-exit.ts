/**
 * Loaded with --import into the bundled `perimeter` by the audit benchmark: when the process
 * exits it reports on stderr the wall time since this module loaded, its peak RSS and its exit
 * code (`bench: {...}`). So `check` is measured as users run it, start-up and printing included.
 */
const started = process.hrtime.bigint();

process.on('exit', (exitCode) => {
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  // Writes to a pipe are synchronous on Linux and macOS, so the line is out before the process ends.
  process.stderr.write(`bench: ${JSON.stringify({ seconds, maxRssKiB: process.resourceUsage().maxRSS, exitCode })}\n`);
});
