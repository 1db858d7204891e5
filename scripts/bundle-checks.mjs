// What scripts/bundle.mjs checks in esbuild's metafile after bundling; here so tests can give it
// metafiles that fail. Types are esbuild's (`Metafile`).
import { isBuiltin } from 'node:module';

/** node-fetch's optional `encoding`, which it loads inside a try: the one import allowed to be missing. */
const OPTIONAL = new Set(['encoding']);

/**
 * Modules the bundle imports but does not contain, other than Node's built-ins: each would be
 * missing from the image, which has no node_modules.
 * @param {import('esbuild').Metafile} metafile
 * @returns {string[]}
 */
export function modulesOutsideBundle(metafile) {
  /** @type {Set<string>} */
  const outside = new Set();
  for (const output of Object.values(metafile.outputs)) {
    for (const imported of output.imports) {
      // isBuiltin takes either spelling, and knows the modules that exist only with the prefix.
      if (imported.external === true && !isBuiltin(imported.path) && !OPTIONAL.has(imported.path)) outside.add(imported.path);
    }
  }
  return [...outside];
}

/**
 * The output files loaded at start-up that contain @kubernetes/client-node: `--cluster off` must
 * not load the client, so it may only be reached through a dynamic import. Loaded at start: the
 * entry, the program it always imports (bin.ts imports main.ts late, on purpose, so that import is
 * dynamic), and everything those import statically.
 * @param {import('esbuild').Metafile} metafile
 * @param {string} entry the entry's output path, as the metafile names it
 * @returns {string[]}
 */
export function clientLoadedAtStart(metafile, entry) {
  /** @param {string} file */
  const outputOf = (file) => {
    const output = metafile.outputs[file];
    if (output === undefined) throw new Error(`the metafile has no output ${file}`);
    return output;
  };
  /** @type {Set<string>} */
  const loadedAtStart = new Set();
  const pending = [entry, ...outputOf(entry).imports.filter((imported) => imported.kind === 'dynamic-import').map((imported) => imported.path)];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (loadedAtStart.has(file)) continue;
    loadedAtStart.add(file);
    for (const imported of outputOf(file).imports) if (imported.external !== true && imported.kind === 'import-statement') pending.push(imported.path);
  }
  return [...loadedAtStart].filter((file) => Object.keys(outputOf(file).inputs).some((input) => input.includes('@kubernetes/client-node')));
}

/** Where client-node keeps its generated API classes and models, every one of them. */
const GENERATED_CLIENT = /@kubernetes\/client-node\/dist\/gen\/(apis|models)\//;

/**
 * Generated client-node API classes and models in the bundle. The program uses none of them
 * (KubeConfig, Watch and plain requests), and the bundle keeps them out only while client-node is
 * declared free of side effects (bundle.mjs's plugin). Without it they all come back, hundreds of
 * modules and megabytes of heap in cluster mode, which is within a few MiB of its memory budget
 * (README, Performance); a missing optional dependency of theirs would be the only other sign.
 * @param {import('esbuild').Metafile} metafile
 * @returns {string[]}
 */
export function generatedClientModules(metafile) {
  return Object.values(metafile.outputs).flatMap((output) => Object.keys(output.inputs).filter((input) => GENERATED_CLIENT.test(input)));
}
