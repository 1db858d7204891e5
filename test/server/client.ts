/** Small HTTPS and HTTP/2 clients for tests against a real listener on 127.0.0.1. */
import http2 from 'node:http2';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';

export interface Reply {
  status: number;
  body: string;
  /** SHA-256 fingerprint of the certificate the server presented. */
  fingerprint: string;
}

export function post(url: string, path: string, body: string, options: { ca: string | string[]; agent?: https.Agent; headers?: Record<string, string> }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const target = new URL(path, url);
    const request = https.request(
      target,
      {
        method: 'POST',
        ca: options.ca,
        agent: options.agent ?? false,
        headers: { 'content-type': 'application/json', ...options.headers, 'content-length': String(Buffer.byteLength(body)) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        const fingerprint = (response.socket as TLSSocket).getPeerCertificate?.().fingerprint256 ?? '';
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString(), fingerprint }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

export function get(url: string, path: string, ca: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    https
      .get(new URL(path, url), { ca, agent: false }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body, fingerprint: '' }));
      })
      .on('error', reject);
  });
}

/** One POST over HTTP/2; returns the negotiated protocol too. */
export function postHttp2(url: string, path: string, body: string, ca: string): Promise<Reply & { alpn: string | false }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url, { ca });
    session.on('error', reject);
    const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/json' });
    let status = 0;
    let text = '';
    stream.on('response', (headers) => (status = Number(headers[':status'])));
    stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
    stream.on('end', () => {
      const alpn = session.alpnProtocol ?? false;
      session.close();
      resolve({ status, body: text, fingerprint: '', alpn });
    });
    stream.on('error', reject);
    stream.end(body);
  });
}
