/**
 * An empty Kubernetes API for `npm run bench`, so that `perimeter serve --cluster on` can be
 * measured on a machine without a cluster: plain HTTP on 127.0.0.1, every list answered with no
 * items, every watch held open with nothing to say. What it measures is the floor of cluster mode
 * (client-node loaded, the caches listed and watching); a real cluster's objects come on top.
 * The tests' fake API server (test/cluster) is the full protocol; this is only what the caches
 * ask for when there is nothing to find.
 */
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';

export interface EmptyCluster {
  /** A kubeconfig for this API (token auth, which it does not check). */
  readonly kubeconfig: string;
  /** List and watch requests answered so far. */
  readonly requests: Readonly<{ list: number; watch: number }>;
  /** Ends the open watches and closes the listener. */
  stop(): Promise<void>;
}

/** Starts the empty API on a free port of 127.0.0.1 and writes its kubeconfig into `workDir`. */
export async function startEmptyCluster(workDir: string): Promise<EmptyCluster> {
  const requests = { list: 0, watch: 0 };
  const sockets = new Set<Socket>();
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    response.setHeader('content-type', 'application/json');
    if (url.searchParams.get('watch') === 'true') {
      requests.watch++;
      // Headers now, events never: the watch stays open until the client or stop() ends it.
      response.writeHead(200);
      response.flushHeaders();
      return;
    }
    requests.list++;
    response.end(JSON.stringify({ kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: [] }));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('the empty API has no TCP address');
  const kubeconfig = path.join(workDir, 'empty-cluster.kubeconfig');
  try {
    await writeFile(
      kubeconfig,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        // client-node refuses plain HTTP unless told to skip TLS verification: there is no TLS to verify.
        clusters: [{ name: 'empty', cluster: { server: `http://127.0.0.1:${address.port}`, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'bench', user: { token: 'bench' } }],
        contexts: [{ name: 'empty', context: { cluster: 'empty', user: 'bench' } }],
        'current-context': 'empty',
      }),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { kubeconfig, requests, stop };
}
