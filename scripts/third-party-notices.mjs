// The notices file that goes with the bundle. The bundle carries its dependencies' code, and the
// image and the npm package carry no node_modules, so their licence texts (MIT, ISC, Apache-2.0,
// BSD: each asks that its notice travel with copies of the code) must be carried beside it.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** A package's directory at the start of a path: `node_modules/name` or `node_modules/@scope/name`. */
const PACKAGE_DIR = /^node_modules\/(?:@[^/]+\/)?[^/]+(?=\/)/;

/**
 * File names that hold a package's licence or notice: LICENSE, LICENCE.md, LICENSE-MIT, UNLICENSE,
 * COPYING, NOTICE.txt, ThirdPartyNotices.txt, CopyrightNotice.txt; not code (license.js).
 */
const LICENCE_FILE = /^(?:un)?licen[cs]e|^copying|notices?(?:\.(?:md|txt))?$/i;
const CODE_FILE = /\.(?:[cm]?js|json|d\.ts)$/i;

/**
 * The bundle's inputs sorted into packages, by the directory under each input's last
 * node_modules (a package nested in another's is a package of its own), and the inputs that are
 * in no package and not the program's own compiled modules (`ownDir`): a linked or workspace
 * package reaches esbuild by its real path, outside node_modules, and would otherwise go without
 * its notice.
 * @param {import('esbuild').Metafile} metafile
 * @param {string} ownDir the program's compiled modules, as esbuild names inputs (`dist/`)
 * @returns {{ packageDirs: string[], unplaced: string[] }}
 */
export function bundledPackages(metafile, ownDir) {
  /** @type {Set<string>} */
  const dirs = new Set();
  /** @type {Set<string>} */
  const unplaced = new Set();
  for (const output of Object.values(metafile.outputs)) {
    for (const input of Object.keys(output.inputs)) {
      const last = input.lastIndexOf('node_modules/');
      const found = last === -1 ? null : PACKAGE_DIR.exec(input.slice(last));
      if (found !== null) dirs.add(input.slice(0, last) + found[0]);
      else if (!input.startsWith(ownDir)) unplaced.add(input);
    }
  }
  return { packageDirs: [...dirs].sort(), unplaced: [...unplaced].sort() };
}

/**
 * The licence a package.json declares: `license` as a string, or the older `{ type }` and
 * `licenses: [{ type }]` forms.
 * @param {Record<string, unknown>} manifest
 */
function declaredLicence(manifest) {
  /** @param {unknown} entry */
  const typeOf = (entry) => (typeof entry === 'string' ? entry : typeof entry === 'object' && entry !== null && 'type' in entry ? String(entry.type) : undefined);
  const single = typeOf(manifest.license);
  if (single !== undefined) return single;
  const many = Array.isArray(manifest.licenses) ? manifest.licenses.map(typeOf).filter((type) => type !== undefined) : [];
  return many.length > 0 ? many.join(' OR ') : 'no licence declared';
}

/**
 * The notices text: for each package its name, version and declared licence, then the text of
 * each licence or notice file it ships. A package that ships none says so, and is named in
 * `withoutFile` so the build can say so too. A package installed twice at the same version (npm
 * nests a copy under each dependent it cannot hoist for) is listed once when both copies say the
 * same; copies whose files differ are each listed (and counted) under the same `name@version`.
 * @param {string} root the directory the package directories are relative to
 * @param {string[]} packageDirs
 * @returns {Promise<{ text: string, withoutFile: string[] }>}
 */
export async function thirdPartyNotices(root, packageDirs) {
  /** @type {Set<string>} */
  const sections = new Set();
  /** @type {Set<string>} */
  const withoutFile = new Set();
  for (const dir of packageDirs) {
    const manifest = JSON.parse(await readFile(path.join(root, dir, 'package.json'), 'utf8'));
    const entries = await readdir(path.join(root, dir), { withFileTypes: true });
    const files = entries.filter((entry) => entry.isFile() && LICENCE_FILE.test(entry.name) && !CODE_FILE.test(entry.name)).map((entry) => entry.name).sort();
    const texts = await Promise.all(files.map(async (name) => `--- ${name}\n${(await readFile(path.join(root, dir, name), 'utf8')).trimEnd()}\n`));
    const id = `${manifest.name}@${manifest.version}`;
    if (texts.length === 0) withoutFile.add(id);
    const body = texts.length > 0 ? texts.join('\n') : '(the package ships no licence file)\n';
    sections.add(`${'='.repeat(78)}\n${id} (${declaredLicence(manifest)})\n\n${body}`);
  }
  const text = `perimeter's bundle (dist/bundle) contains code from the following ${sections.size} packages.\n\n${[...sections].join('\n')}`;
  return { text, withoutFile: [...withoutFile] };
}
