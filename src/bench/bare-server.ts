/**
 * The limit of this stack, for `npm run bench`: a bare fastify HTTPS server with the same TLS and
 * protocol settings as `perimeter serve` (HTTP/2 with HTTP/1.1 by ALPN, TLS 1.2+, the same body
 * limit, no request logging) that parses the JSON body and answers an allowed AdmissionReview,
 * echoing the uid as any webhook must. Nothing is judged, logged or counted.
 *
 *   node dist/bench/bare-server.js CERT_FILE KEY_FILE   → prints its URL on stderr, serves until SIGTERM
 */
import { readFile } from 'node:fs/promises';
import Fastify from 'fastify';
import { MAX_REVIEW_BYTES } from '../server/app.js';

const [certFile, keyFile] = process.argv.slice(2);
if (certFile === undefined || keyFile === undefined) {
  console.error('usage: bare-server CERT_FILE KEY_FILE');
  process.exit(2);
}
const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
const app = Fastify({ logger: false, bodyLimit: MAX_REVIEW_BYTES, http2: true, https: { allowHTTP1: true, cert, key, minVersion: 'TLSv1.2' } });

app.post('/*', async (request) => {
  const body = request.body as { apiVersion?: unknown; request?: { uid?: unknown } } | null;
  return { apiVersion: body?.apiVersion ?? 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: body?.request?.uid ?? '', allowed: true } };
});

await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
console.error(`bare serving on https://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
