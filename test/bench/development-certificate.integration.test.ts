/**
 * The bench's development certificate: `ensureDevelopmentCertificate` has a serve make it in a
 * fresh work directory (so the serve the memory part measures finds it, and never loads the
 * certificate code), and leaves one that is there alone; `developmentCa` reads its CA.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { developmentCa, ensureDevelopmentCertificate } from '../../src/bench/webhook.js';

t.test('made once in a fresh work directory, then left as it is', async (t) => {
  const work = await mkdtemp(path.join(tmpdir(), 'perimeter-bench-cert-'));
  t.teardown(() => rm(work, { recursive: true, force: true }));
  t.throws(() => developmentCa(work), { code: 'ENOENT' }, 'none before');

  await ensureDevelopmentCertificate(work, path.resolve('rules'), path.resolve('dist'));
  const ca = developmentCa(work);
  t.match(ca, /^-----BEGIN CERTIFICATE-----\n/);
  const made = (await stat(path.join(work, '.perimeter', 'tls.crt'))).mtimeMs;

  await ensureDevelopmentCertificate(work, path.resolve('rules'), path.resolve('dist'));
  t.equal(developmentCa(work), ca, 'the same CA');
  t.equal((await stat(path.join(work, '.perimeter', 'tls.crt'))).mtimeMs, made, 'the serving certificate not written again');
});
