// Bundles the compiled program (dist/cli/bin.js) and the dependencies it uses into dist/bundle/,
// which is what `perimeter`, `npm start` and the image run. Why: @kubernetes/client-node's entry
// point (and config.js, where KubeConfig lives) imports every generated API and model, 26 MiB of
// heap that cluster mode cannot otherwise avoid; esbuild keeps only the modules the program
// reaches. The bundle needs no node_modules at run time.
//
// Layout: chunks are split at the program's dynamic imports, so `--cluster off` never loads the
// Kubernetes client and bin.js still sets V8's heap growth before the rest loads. The output
// directory is two levels below the repository, like every dist/<module>/, so the modules that
// find rules/ and package.json from import.meta.url find them from the bundle too.
import { rm } from 'node:fs/promises';
import * as esbuild from 'esbuild';

const BUNDLE_DIR = 'dist/bundle';

await rm(BUNDLE_DIR, { recursive: true, force: true });
const result = await esbuild.build({
  entryPoints: { perimeter: 'dist/cli/bin.js' },
  outdir: BUNDLE_DIR,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  // CommonJS dependencies call require() for Node's built-ins, which ES modules do not have.
  banner: { js: "import { createRequire as perimeterCreateRequire } from 'node:module'; const require = perimeterCreateRequire(import.meta.url);" },
});
if (result.errors.length > 0) process.exit(1);
