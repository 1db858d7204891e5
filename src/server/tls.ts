/**
 * Serving certificates: loaded from files (cert-manager in a cluster), reloaded in place when
 * they change, and checked for the names they cover. Generating one for local development is
 * `dev-certificate.ts`, loaded only when needed.
 */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { PerimeterError } from '../errors.js';

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

/**
 * Whether a certificate is valid for every name: DNS names by the usual matching (wildcards
 * included), IP addresses exactly. Node's X509Certificate does the matching.
 */
export function certificateCovers(certPem: string, names: readonly string[]): boolean {
  const certificate = new X509Certificate(certPem);
  return names.every((name) => (isIP(name) === 0 ? certificate.checkHost(name) !== undefined : certificate.checkIP(name) !== undefined));
}
