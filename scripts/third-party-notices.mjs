// The notices file that goes with the bundle. The bundle carries its dependencies' code, and the
// image and the npm package carry no node_modules, so their licence texts (MIT, ISC, Apache-2.0,
// BSD: each asks that its notice travel with copies of the code) must be carried beside it.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** Where a package's directory ends in a path: `node_modules/name` or `node_modules/@scope/name`. */
const PACKAGE_DIR = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//;

/** File names that hold a package's licence or notice: LICENSE, LICENCE.md, COPYING, NOTICE.txt. */
const LICENCE_FILE = /^(licen[cs]e|copying|notice)([.-].*)?$/i;

/**
 * The directories (relative to the build's working directory, as esbuild names its inputs) of
 * the packages whose modules are in the bundle, sorted; the program's own modules are not.
 * @param {import('esbuild').Metafile} metafile
 * @returns {string[]}
 */
export function bundledPackageDirs(metafile) {
  /** @type {Set<string>} */
  const dirs = new Set();
  for (const output of Object.values(metafile.outputs)) {
    for (const input of Object.keys(output.inputs)) {
      // The last node_modules: a package nested in another's is a package of its own.
      const last = input.lastIndexOf('node_modules/');
      const found = last === -1 ? null : PACKAGE_DIR.exec(input.slice(last));
      if (found?.[1] !== undefined) dirs.add(input.slice(0, last) + found[1]);
    }
  }
  return [...dirs].sort();
}

/**
 * The notices text: for each package its name, version and declared licence, then the text of
 * each licence or notice file it ships. A package that ships none says so, so the gap shows.
 * @param {string} root the directory the package directories are relative to
 * @param {string[]} packageDirs
 * @returns {Promise<string>}
 */
export async function thirdPartyNotices(root, packageDirs) {
  const sections = [];
  for (const dir of packageDirs) {
    const manifest = JSON.parse(await readFile(path.join(root, dir, 'package.json'), 'utf8'));
    const files = (await readdir(path.join(root, dir))).filter((name) => LICENCE_FILE.test(name)).sort();
    const texts = await Promise.all(files.map(async (name) => `--- ${name}\n${(await readFile(path.join(root, dir, name), 'utf8')).trimEnd()}\n`));
    const declared = typeof manifest.license === 'string' ? manifest.license : 'no licence declared';
    const body = texts.length > 0 ? texts.join('\n') : '(the package ships no licence file)\n';
    sections.push(`${'='.repeat(78)}\n${manifest.name}@${manifest.version} (${declared})\n\n${body}`);
  }
  return `perimeter's bundle (dist/bundle) contains code from the following ${packageDirs.length} packages.\n\n${sections.join('\n')}`;
}
