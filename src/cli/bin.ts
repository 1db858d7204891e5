#!/usr/bin/env node
/** Executable entry of `perimeter`; everything else lives in main.ts so tests can call it. */
import { applyServeHeapSettings } from '../server/node-options.js';

// Before the rest of the program loads: V8 sets the old generation's next limit at each full
// collection, and start-up has several; set later, the first limit under load is V8's own (and
// start-up's scavenges would still wake the helper threads).
if (process.argv[2] === 'serve') applyServeHeapSettings();
const { runCli } = await import('./main.js');

process.exitCode = await runCli(process.argv.slice(2));
