/**
 * A development certificate: a CA and a `localhost` certificate signed by it, written under
 * `.perimeter/` so the CA can be given to an API server or curl. Its own module because
 * @peculiar/x509 (with reflect-metadata and its ASN.1 schemas) adds about 10 MiB to a process:
 * the server imports this only when it has to generate one, which a cluster install never does.
 */
// @peculiar/x509 resolves its parts through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import path from 'node:path';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;

function pemKey(der: ArrayBuffer): string {
  const base64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN PRIVATE KEY-----\n${base64.trimEnd()}\n-----END PRIVATE KEY-----\n`;
}

export interface DevelopmentCertificate {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/**
 * Creates a development CA and a serving certificate for localhost, 127.0.0.1, ::1 and the extra
 * names given (DNS names or IP addresses: how a local cluster's API server reaches this machine,
 * such as host.docker.internal or kind's bridge gateway), valid for a year, and writes `ca.crt`,
 * `tls.crt`, `tls.key` into `directory`. Not for clusters: use cert-manager there.
 */
export async function generateDevelopmentCertificate(directory: string, extraNames: readonly string[] = []): Promise<DevelopmentCertificate> {
  const dnsNames = [...new Set(['localhost', ...extraNames.filter((name) => isIP(name) === 0)])];
  const ips = [...new Set(['127.0.0.1', '::1', ...extraNames.filter((name) => isIP(name) !== 0)])];
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + 365 * DAY_MS);
  const caKeys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Date.now().toString(16),
    name: 'CN=perimeter development CA',
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const serving = await x509.X509CertificateGenerator.create({
    serialNumber: (Date.now() + 1).toString(16),
    subject: 'CN=localhost',
    issuer: ca.subject,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...dnsNames.map((value) => ({ type: 'dns' as const, value })),
        ...ips.map((value) => ({ type: 'ip' as const, value })),
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(ca),
    ],
  });
  await mkdir(directory, { recursive: true });
  const files = { caFile: path.join(directory, 'ca.crt'), certFile: path.join(directory, 'tls.crt'), keyFile: path.join(directory, 'tls.key') };
  await writeFile(files.caFile, ca.toString('pem') + '\n');
  await writeFile(files.certFile, serving.toString('pem') + '\n');
  await writeFile(files.keyFile, pemKey(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)), { mode: 0o600 });
  return files;
}
