// Bundles the compiled program (dist/cli/bin.js) and the dependencies it uses into dist/bundle/,
// which is what `perimeter`, `npm start` and the image run. Why: @kubernetes/client-node's entry
// point (and config.js, where KubeConfig lives) imports every generated API and model, 26 MiB of
// heap that cluster mode cannot otherwise avoid; esbuild keeps only the modules the program
// reaches (with the plugin below). The bundle needs no node_modules at run time.
//
// Layout: chunks are split at the program's dynamic imports, so `--cluster off` never loads the
// Kubernetes client and bin.js still makes its V8 settings (heap growth, scavenges) before the
// rest loads. The output directory is two levels below the repository, like every
// dist/<module>/, so the modules that find rules/ and package.json from import.meta.url find them
// from the bundle too. The licence texts of the packages it holds go beside it
// (THIRD-PARTY-NOTICES.txt, scripts/third-party-notices.mjs).
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { clientLoadedAtStart, generatedClientModules, modulesOutsideBundle } from './bundle-checks.mjs';
import { bundledPackages, thirdPartyNotices } from './third-party-notices.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUNDLE_DIR = path.join(ROOT, 'dist/bundle');

/**
 * Bundled packages known to ship no licence file, by name@version: both declare MIT in their
 * package.json, which THIRD-PARTY-NOTICES.txt quotes. A new version is looked at again.
 */
const LOOKED_AT_WITHOUT_LICENCE_FILE = new Set(['abstract-logging@2.0.1', 'tr46@0.0.3']);

const CLIENT_NODE = `${path.sep}node_modules${path.sep}@kubernetes${path.sep}client-node${path.sep}`;

/**
 * client-node's package.json does not declare its modules free of side effects, though they are
 * (none changes anything outside itself when imported), so esbuild would keep every module its
 * index imports, used or not. Declaring it lets esbuild keep only what KubeConfig and Watch reach.
 * @type {esbuild.Plugin}
 */
const clientNodeWithoutSideEffects = {
  name: 'client-node-without-side-effects',
  setup(build) {
    build.onResolve({ filter: /.*/ }, async (args) => {
      // Only imports of client-node and from inside it; the rest resolve once, as usual.
      if (args.pluginData === 'resolving' || !(args.path.startsWith('@kubernetes/client-node') || args.importer.includes(CLIENT_NODE))) return undefined;
      const resolved = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'resolving' });
      if (resolved.errors.length > 0 || !resolved.path.includes(CLIENT_NODE)) return undefined;
      return { ...resolved, sideEffects: false };
    });
  },
};

await rm(BUNDLE_DIR, { recursive: true, force: true });
const { metafile } = await esbuild.build({
  absWorkingDir: ROOT,
  entryPoints: { perimeter: 'dist/cli/bin.js' },
  outdir: BUNDLE_DIR,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Stack traces map back to the TypeScript under `node --enable-source-maps` (esbuild follows
  // tsc's maps); without the flag Node never reads them. File and line are enough for that: the
  // sources themselves stay out of the maps (and so out of the image).
  sourcemap: 'linked',
  sourcesContent: false,
  metafile: true,
  logLevel: 'warning',
  plugins: [clientNodeWithoutSideEffects],
  // CommonJS dependencies call require() for Node's built-ins, which ES modules do not have.
  banner: { js: "import { createRequire as perimeterCreateRequire } from 'node:module'; const require = perimeterCreateRequire(import.meta.url);" },
});

// The bundle must need nothing but Node, and `--cluster off` must not load the Kubernetes client
// (one static import of src/cluster/api.ts on the main path would add it back).
const outside = modulesOutsideBundle(metafile);
if (outside.length > 0) {
  console.error(`scripts/bundle.mjs: the bundle imports modules it does not contain: ${outside.join(', ')}`);
  process.exit(1);
}
const generated = generatedClientModules(metafile);
if (generated.length > 0) {
  console.error(`scripts/bundle.mjs: the bundle holds ${generated.length} of client-node's generated APIs and models (${generated[0]}, ...); client-node must be bundled as free of side effects`);
  process.exit(1);
}
const clientAtStart = clientLoadedAtStart(metafile, path.relative(ROOT, path.join(BUNDLE_DIR, 'perimeter.js')));
if (clientAtStart.length > 0) {
  console.error(`scripts/bundle.mjs: the Kubernetes client is loaded at start-up (in ${clientAtStart.join(', ')}); reach it through a dynamic import`);
  process.exit(1);
}

// The licence texts of the packages the bundle holds travel with it (the image and the npm
// package copy dist/bundle whole). Code from outside node_modules and the program would go
// without its notice, so it stops the build.
const { packageDirs, unplaced } = bundledPackages(metafile, 'dist/');
if (unplaced.length > 0) {
  console.error(`scripts/bundle.mjs: the bundle holds modules that are neither the program's nor in a node_modules package, so no licence notice can be found for them: ${unplaced.join(', ')}`);
  process.exit(1);
}
const notices = await thirdPartyNotices(ROOT, packageDirs);
// A package that ships no licence file (its package.json names the licence) is worth a look when
// it is new; a warning on every build for the ones already looked at would teach us to skip it.
const newWithoutFile = notices.withoutFile.filter((id) => !LOOKED_AT_WITHOUT_LICENCE_FILE.has(id));
if (newWithoutFile.length > 0) console.warn(`scripts/bundle.mjs: no licence file in ${newWithoutFile.join(', ')} (THIRD-PARTY-NOTICES.txt says so); once looked at, list it in LOOKED_AT_WITHOUT_LICENCE_FILE`);
await writeFile(path.join(BUNDLE_DIR, 'THIRD-PARTY-NOTICES.txt'), notices.text);
