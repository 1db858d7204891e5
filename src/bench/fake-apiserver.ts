/**
 * An in-process HTTPS server on 127.0.0.1 that speaks enough of the Kubernetes API for the real
 * @kubernetes/client-node: lists with resourceVersion, `limit` and `continue`; chunked watch
 * streams from a resourceVersion, ended after their `timeoutSeconds`; `410 Gone` (as an ERROR
 * event) for a compacted one; bookmarks; and controls for tests (apply, delete, compact, end
 * watches, bookmark them, refuse the next watches with an HTTP status, go away, come back). It
 * counts every request so tests can assert that admission makes none. The tests use it, and so
 * does `npm run bench`, empty, to measure cluster mode.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { generateDevelopmentCertificate } from '../server/dev-certificate.js';

type Obj = { apiVersion?: string; kind: string; metadata: { name: string; namespace?: string; resourceVersion?: string; [k: string]: unknown }; [k: string]: unknown };

/** Resource name, API prefix and whether it is namespaced, by kind. */
const RESOURCES: Record<string, { resource: string; prefix: string; namespaced: boolean; listKind: string }> = {
  Namespace: { resource: 'namespaces', prefix: '/api/v1', namespaced: false, listKind: 'NamespaceList' },
  Service: { resource: 'services', prefix: '/api/v1', namespaced: true, listKind: 'ServiceList' },
  NetworkPolicy: { resource: 'networkpolicies', prefix: '/apis/networking.k8s.io/v1', namespaced: true, listKind: 'NetworkPolicyList' },
  Ingress: { resource: 'ingresses', prefix: '/apis/networking.k8s.io/v1', namespaced: true, listKind: 'IngressList' },
};

interface Event {
  rv: number;
  kind: string;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: Obj;
}

interface Watcher {
  kind: string;
  namespace: string | undefined;
  response: ServerResponse;
  /** Whether the client asked for bookmarks (`allowWatchBookmarks=true`); the API sends them only then. */
  bookmarks: boolean;
}

interface RequestRecord {
  readonly path: string;
  readonly watch: boolean;
  readonly limit?: string;
  readonly continueToken?: string;
  readonly timeoutSeconds?: string;
}

export class FakeApiServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly objects = new Map<string, Obj>();
  private readonly events: Event[] = [];
  private readonly watchers = new Set<Watcher>();
  private rv = 100;
  private compactedBelow = 0;
  readonly requests: RequestRecord[] = [];
  /** Watches of a path to answer with an HTTP status instead, and how many are left. */
  private readonly refusals = new Map<string, { status: number; count: number }>();
  port = 0;

  private constructor(
    private readonly tls: { cert: string; key: string },
    readonly caFile: string,
    private readonly dir: string,
  ) {}

  static async start(dir: string): Promise<FakeApiServer> {
    const files = await generateDevelopmentCertificate(path.join(dir, 'apiserver-tls'));
    const fake = new FakeApiServer({ cert: await readFile(files.certFile, 'utf8'), key: await readFile(files.keyFile, 'utf8') }, files.caFile, dir);
    await fake.listen();
    return fake;
  }

  /** A kubeconfig pointing at this server, written next to its certificates. */
  async writeKubeconfig(): Promise<string> {
    const ca = await readFile(this.caFile);
    const file = path.join(this.dir, 'kubeconfig.yaml');
    await writeFile(
      file,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'fake', cluster: { server: `https://127.0.0.1:${this.port}`, 'certificate-authority-data': ca.toString('base64') } }],
        users: [{ name: 'tester', user: { token: 'test-token' } }],
        contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'tester' } }],
        'current-context': 'fake',
      }),
    );
    return file;
  }

  /** Listens (again) on the same port, so a restarted server is where clients expect it. */
  async listen(): Promise<void> {
    const server = createServer(this.tls, (request, response) => this.handle(request, response));
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  /** Goes away: stops listening and cuts every connection, watches included. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const watcher of this.watchers) watcher.response.destroy();
    this.watchers.clear();
    for (const socket of this.sockets) socket.destroy();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  apply(object: Obj): void {
    const key = this.key(object.kind, object.metadata.namespace, object.metadata.name);
    const existed = this.objects.has(key);
    const stored = { ...object, metadata: { ...object.metadata, resourceVersion: String(++this.rv) } };
    this.objects.set(key, stored);
    this.publish({ rv: this.rv, kind: object.kind, type: existed ? 'MODIFIED' : 'ADDED', object: stored });
  }

  remove(kind: string, namespace: string | undefined, name: string): void {
    const key = this.key(kind, namespace, name);
    const object = this.objects.get(key);
    if (object === undefined) return;
    this.objects.delete(key);
    this.publish({ rv: ++this.rv, kind, type: 'DELETED', object: { ...object, metadata: { ...object.metadata, resourceVersion: String(this.rv) } } });
  }

  /**
   * Forgets history: a watch from any resourceVersion before the current one gets 410 Gone. From
   * the current one, which a list made now returns, it is served, as kube-apiserver serves it.
   */
  compact(): void {
    this.compactedBelow = this.rv;
    this.events.length = 0;
  }

  /** Ends every open watch normally, as the API server does when a watch times out. */
  endWatches(): void {
    for (const watcher of this.watchers) watcher.response.end();
    this.watchers.clear();
  }

  /** Sends each open watch that asked for bookmarks a BOOKMARK at the current resourceVersion. */
  bookmark(): void {
    for (const watcher of this.watchers) if (watcher.bookmarks) this.send(watcher.response, 'BOOKMARK', { kind: watcher.kind, apiVersion: 'v1', metadata: { resourceVersion: String(this.rv) } });
  }

  /** Answers the next `count` watches of `path` with an HTTP `status` (a Status body) instead of a stream. */
  refuseWatches(path: string, status: number, count: number): void {
    this.refusals.set(path, { status, count });
  }

  /** The RBAC permissions the requests so far needed: `group/resource:verb`. */
  permissionsUsed(): Set<string> {
    const used = new Set<string>();
    for (const request of this.requests) {
      const target = this.route(request.path);
      if (target === undefined) continue;
      const { resource, prefix } = RESOURCES[target.kind]!;
      const group = prefix === '/api/v1' ? '' : prefix.split('/')[2] ?? '';
      used.add(`${group}/${resource}:${request.watch ? 'watch' : 'list'}`);
    }
    return used;
  }

  get openWatches(): number {
    return this.watchers.size;
  }

  private key(kind: string, namespace: string | undefined, name: string): string {
    return `${kind}/${namespace ?? ''}/${name}`;
  }

  private publish(event: Event): void {
    this.events.push(event);
    for (const watcher of this.watchers) if (this.matches(watcher.kind, watcher.namespace, event.object)) this.send(watcher.response, event.type, event.object);
  }

  private matches(kind: string, namespace: string | undefined, object: Obj): boolean {
    return object.kind === kind && (namespace === undefined || object.metadata.namespace === namespace);
  }

  private send(response: ServerResponse, type: string, object: unknown): void {
    response.write(`${JSON.stringify({ type, object })}\n`);
  }

  /** `/api/v1/namespaces/x/services` → Service in x; `/apis/networking.k8s.io/v1/ingresses` → Ingress anywhere. */
  private route(pathname: string): { kind: string; namespace: string | undefined } | undefined {
    for (const [kind, { resource, prefix, namespaced }] of Object.entries(RESOURCES)) {
      if (pathname === `${prefix}/${resource}`) return { kind, namespace: undefined };
      const scoped = new RegExp(`^${prefix.replaceAll('.', '\\.')}/namespaces/([^/]+)/${resource}$`).exec(pathname);
      if (namespaced && scoped?.[1] !== undefined) return { kind, namespace: decodeURIComponent(scoped[1]) };
    }
    return undefined;
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'https://fake');
    const watch = url.searchParams.get('watch') === 'true';
    this.requests.push({
      path: url.pathname,
      watch,
      ...(url.searchParams.has('limit') ? { limit: url.searchParams.get('limit') ?? '' } : {}),
      ...(url.searchParams.has('continue') ? { continueToken: url.searchParams.get('continue') ?? '' } : {}),
      ...(url.searchParams.has('timeoutSeconds') ? { timeoutSeconds: url.searchParams.get('timeoutSeconds') ?? '' } : {}),
    });
    const target = this.route(url.pathname);
    if (request.headers.authorization !== 'Bearer test-token') return this.status(response, 401, 'Unauthorized');
    if (target === undefined) return this.status(response, 404, `the server could not find the requested resource ${url.pathname}`);
    const refusal = this.refusals.get(url.pathname);
    if (watch && refusal !== undefined && refusal.count > 0) {
      refusal.count--;
      return this.status(response, refusal.status, `watch refused with ${refusal.status}`);
    }
    if (watch) return this.watch(target.kind, target.namespace, url, response);
    const all = [...this.objects.values()].filter((o) => this.matches(target.kind, target.namespace, o)).sort((a, b) => this.key(a.kind, a.metadata.namespace, a.metadata.name).localeCompare(this.key(b.kind, b.metadata.namespace, b.metadata.name)));
    const limit = Number(url.searchParams.get('limit') ?? '0');
    const offset = url.searchParams.has('continue') ? Number(Buffer.from(url.searchParams.get('continue') ?? '', 'base64url').toString()) : 0;
    // Like kube-apiserver, list items carry no kind or apiVersion (the list's kind says it).
    const items = (limit > 0 ? all.slice(offset, offset + limit) : all.slice(offset)).map(({ kind: _kind, apiVersion: _apiVersion, ...item }) => item);
    const next = limit > 0 && offset + limit < all.length ? Buffer.from(String(offset + limit)).toString('base64url') : undefined;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ apiVersion: 'v1', kind: RESOURCES[target.kind]?.listKind, metadata: { resourceVersion: String(this.rv), ...(next === undefined ? {} : { continue: next }) }, items }));
  }

  private watch(kind: string, namespace: string | undefined, url: URL, response: ServerResponse): void {
    const from = Number(url.searchParams.get('resourceVersion') ?? '0');
    response.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    response.flushHeaders(); // a watch with nothing to say yet still answers at once
    if (from !== 0 && from < this.compactedBelow) {
      // What kube-apiserver sends for a resourceVersion it no longer has.
      this.send(response, 'ERROR', { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: `too old resource version: ${from}`, reason: 'Expired', code: 410 });
      response.end();
      return;
    }
    for (const event of this.events) if (event.rv > from && this.matches(kind, namespace, event.object)) this.send(response, event.type, event.object);
    const watcher = { kind, namespace, response, bookmarks: url.searchParams.get('allowWatchBookmarks') === 'true' };
    this.watchers.add(watcher);
    // As kube-apiserver does, the watch ends normally after the timeoutSeconds it was sent.
    const timeoutSeconds = Number(url.searchParams.get('timeoutSeconds') ?? '0');
    const timeout =
      timeoutSeconds > 0
        ? setTimeout(() => {
            this.watchers.delete(watcher);
            response.end();
          }, timeoutSeconds * 1000).unref()
        : undefined;
    response.on('close', () => {
      clearTimeout(timeout);
      this.watchers.delete(watcher);
    });
  }

  private status(response: ServerResponse, code: number, message: string): void {
    response.writeHead(code, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, code }));
  }
}
