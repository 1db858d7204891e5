#!/usr/bin/env node
/** Executable entry of `perimeter`; everything else lives in main.ts so tests can call it. */
import { runCli } from './main.js';

process.exitCode = await runCli(process.argv.slice(2));
