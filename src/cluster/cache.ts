/**
 * An in-memory copy of one resource collection, kept current by list + watch (client-node's
 * ListWatch), so admission decisions read memory and never call the API server.
 *
 * ListWatch relists by itself when the watch says `410 Gone`, and re-watches when the server
 * ends a watch normally. On any other error it stops; this wrapper restarts it with exponential
 * back-off and reports whether the copy can be trusted: `synced` after a successful list and
 * watch, `unavailable` from an error until the next success.
 */
import { ListWatch, type KubernetesObject } from '@kubernetes/client-node';
import type { KubeObject } from '../engine/types.js';
import { listAllPages, type ApiClient } from './api.js';

export type CacheState = 'starting' | 'synced' | 'unavailable';

export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000 };

export interface CacheEvents {
  /** The state changed; `error` is the reason when it became unavailable. */
  onStateChange?(cache: ResourceCache, state: CacheState, error?: unknown): void;
}

export class ResourceCache {
  private listWatch: ListWatch<KubernetesObject> | undefined;
  /** Which ListWatch is current: errors of an abandoned one are ignored. */
  private generation = 0;
  private current: CacheState = 'starting';
  private everSynced = false;
  private delayMs: number;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    readonly path: string,
    private readonly client: ApiClient,
    private readonly events: CacheEvents = {},
    private readonly backoff: BackoffOptions = DEFAULT_BACKOFF,
  ) {
    this.delayMs = backoff.initialMs;
  }

  get state(): CacheState {
    return this.current;
  }

  /** Whether the cache has been complete at least once (readiness waits for this). */
  get hasSynced(): boolean {
    return this.everSynced;
  }

  /** Objects of a namespace (or all, for cluster-scoped resources), or undefined while untrusted. */
  list(namespace?: string): readonly KubeObject[] | undefined {
    return this.current === 'synced' ? (this.listWatch?.list(namespace) as KubeObject[] | undefined) : undefined;
  }

  /** One object: null when absent, undefined while the cache is untrusted. */
  get(name: string, namespace?: string): KubeObject | null | undefined {
    if (this.current !== 'synced') return undefined;
    return (this.listWatch?.get(name, namespace) as KubeObject | undefined) ?? null;
  }

  /** Starts listing and watching; resolves after the first attempt, successful or not. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.attempt();
  }

  stop(): void {
    this.stopped = true;
    if (this.retry !== undefined) clearTimeout(this.retry);
    this.retry = undefined;
    void this.listWatch?.stop();
  }

  /**
   * One start: always a fresh ListWatch, so that after a failure the cache is trusted again only
   * after a full relist (re-watching from an old resourceVersion would be marked in sync before
   * the server could answer 410 Gone).
   */
  private async attempt(): Promise<void> {
    const generation = ++this.generation;
    void this.listWatch?.stop();
    const listWatch = new ListWatch<KubernetesObject>(this.path, this.client.watch, () => this.listAll(), false);
    let failed = false;
    listWatch.on('error', (error: unknown) => {
      failed = true;
      if (generation === this.generation) this.failed(error);
    });
    this.listWatch = listWatch;
    try {
      await listWatch.start();
    } catch (error) {
      // client-node reads credentials (exec plugins, token files) outside its own error handling.
      failed = true;
      if (generation === this.generation) this.failed(error);
    }
    if (this.stopped) {
      // A stop during the list: ListWatch would still open the watch afterwards.
      void listWatch.stop();
      return;
    }
    if (failed || generation !== this.generation) return;
    this.delayMs = this.backoff.initialMs;
    this.everSynced = true;
    this.setState('synced');
  }

  private async listAll() {
    const { items, resourceVersion } = await listAllPages(this.client, this.path);
    return { apiVersion: 'v1', kind: 'List', items: items as KubernetesObject[], metadata: { resourceVersion } };
  }

  private failed(error: unknown): void {
    this.setState('unavailable', error);
    if (this.stopped || this.retry !== undefined) return;
    // Full jitter keeps many replicas from retrying in step after an API server restart.
    const delay = Math.round(this.delayMs * (0.5 + Math.random() / 2));
    this.delayMs = Math.min(this.delayMs * 2, this.backoff.maxMs);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (!this.stopped) void this.attempt();
    }, delay);
    this.retry.unref();
  }

  private setState(state: CacheState, error?: unknown): void {
    if (this.current === state) return;
    this.current = state;
    this.events.onStateChange?.(this, state, error);
  }
}
