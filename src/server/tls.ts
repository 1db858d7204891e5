/**
 * Serving certificates: loaded from files (cert-manager in a cluster) and reloaded in place when
 * they change, or, for local development only, generated: a CA and a `localhost` certificate
 * signed by it, written under `.perimeter/` so the CA can be given to an API server or curl.
 */
// @peculiar/x509 resolves its parts through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { X509Certificate, webcrypto } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import path from 'node:path';
import * as x509 from '@peculiar/x509';
import { PerimeterError } from '../errors.js';

x509.cryptoProvider.set(webcrypto);

export interface ServingCertificate {
  readonly cert: string;
  readonly key: string;
  /** When the certificate stops being valid; readiness fails after it. */
  readonly notAfter: Date;
}

/** Thrown when certificate files cannot be read or do not hold a certificate and key. */
export class CertificateError extends PerimeterError {
  constructor(message: string) {
    super('PERIMETER_TLS_INVALID', message);
  }
}

export async function readServingCertificate(certFile: string, keyFile: string): Promise<ServingCertificate> {
  let cert: string;
  let key: string;
  try {
    [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
  } catch (error) {
    throw new CertificateError(`cannot read the serving certificate: ${(error as Error).message}`);
  }
  let notAfter: Date;
  try {
    notAfter = new Date(new X509Certificate(cert).validTo);
  } catch (error) {
    throw new CertificateError(`${certFile} does not hold a PEM certificate: ${(error as Error).message}`);
  }
  if (!key.includes('PRIVATE KEY')) throw new CertificateError(`${keyFile} does not hold a PEM private key`);
  return { cert, key, notAfter };
}

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
 * Whether a certificate is valid for every name: DNS names by the usual matching (wildcards
 * included), IP addresses exactly. Node's X509Certificate does the matching.
 */
export function certificateCovers(certPem: string, names: readonly string[]): boolean {
  const certificate = new X509Certificate(certPem);
  return names.every((name) => (isIP(name) === 0 ? certificate.checkHost(name) !== undefined : certificate.checkIP(name) !== undefined));
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
