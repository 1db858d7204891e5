// Bundles the compiled program (dist/cli/bin.js) and the dependencies it uses into dist/bundle/,
// which is what `perimeter`, `npm start` and the image run. Why: @kubernetes/client-node's entry
// point (and config.js, where KubeConfig lives) imports every generated API and model, 26 MiB of
// heap that cluster mode cannot otherwise avoid; esbuild keeps only the modules the program
// reaches (with the plugin below). The bundle needs no node_modules at run time.
//
// Layout: chunks are split at the program's dynamic imports, so `--cluster off` never loads the
// Kubernetes client and bin.js still sets V8's heap growth before the rest loads. The output
// directory is two levels below the repository, like every dist/<module>/, so the modules that
// find rules/ and package.json from import.meta.url find them from the bundle too.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import * as esbuild from 'esbuild';

const BUNDLE_DIR = 'dist/bundle';

const CLIENT_NODE = `${path.sep}node_modules${path.sep}@kubernetes${path.sep}client-node${path.sep}`;

/**
 * client-node's package.json does not declare its modules free of side effects, though they are
 * (none changes anything outside itself when imported), so esbuild would keep every module its
 * index imports, used or not. Declaring it lets esbuild keep only what KubeConfig and Watch reach.
 */
const clientNodeWithoutSideEffects = {
  name: 'client-node-without-side-effects',
  setup(build) {
    build.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === 'resolving') return undefined;
      const resolved = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'resolving' });
      if (resolved.errors.length > 0 || !resolved.path.includes(CLIENT_NODE)) return undefined;
      return { ...resolved, sideEffects: false };
    });
  },
};

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
  plugins: [clientNodeWithoutSideEffects],
  // CommonJS dependencies call require() for Node's built-ins, which ES modules do not have.
  banner: { js: "import { createRequire as perimeterCreateRequire } from 'node:module'; const require = perimeterCreateRequire(import.meta.url);" },
});
if (result.errors.length > 0) process.exit(1);
