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

export function post(url: string, path: string, body: string, options: { ca: string | string[]; agent?: https.Agent; headers?: Record<string, string>; timeoutMs?: number }): Promise<Reply> {
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
    // Whether TLS was set up before an error: a reset before that means the connection was
    // never served (refused in effect), after it that a request was lost.
    let secured = false;
    request.on('socket', (socket: TLSSocket) => {
      if (request.reusedSocket) secured = true;
      else socket.once('secureConnect', () => (secured = true));
    });
    request.on('error', (error: Error & { beforeTls?: boolean }) => reject(Object.assign(error, { beforeTls: !secured })));
    // An API server gives up after its webhook timeout; so does this client when given one.
    if (options.timeoutMs !== undefined) request.setTimeout(options.timeoutMs, () => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    request.end(body);
  });
}

export interface LoadReply {
  status: number;
  allowed?: boolean;
  warnings?: string[];
  fingerprint: string;
  error?: string;
}

/**
 * A bounded load: `count` reviews over `concurrency` workers, half on a keep-alive agent and half
 * on new connections; `during(n)` runs before the n-th is sent (where a test injects its fault).
 */
export async function load(url: string, ca: string | string[], count: number, concurrency: number, body: string, during?: (sent: number) => Promise<void>, options: { path?: string; timeoutMs?: number } = {}): Promise<LoadReply[]> {
  const agent = new https.Agent({ keepAlive: true, maxSockets: concurrency });
  const replies: LoadReply[] = [];
  let sent = 0;
  const worker = async () => {
    while (sent < count) {
      const number = ++sent;
      if (during !== undefined) await during(number);
      try {
        const reply = await post(url, options.path ?? '/validate?timeout=10s', body, { ca, ...(number % 2 === 0 ? { agent } : {}), ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) });
        const response = JSON.parse(reply.body).response as { allowed?: boolean; warnings?: string[] } | undefined;
        replies.push({ status: reply.status, allowed: response?.allowed, ...(response?.warnings !== undefined ? { warnings: response.warnings } : {}), fingerprint: reply.fingerprint });
      } catch (error) {
        replies.push({ status: 0, fingerprint: '', error: (error as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return replies;
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
