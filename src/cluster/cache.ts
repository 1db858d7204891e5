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
import type { ApiClient } from './api.js';

export type CacheState = 'starting' | 'synced' | 'unavailable';

export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000 };

/** Items per page when listing, the same bound kubectl uses. */
export const LIST_PAGE_SIZE = 500;

export interface CacheEvents {
  /** The state changed; `error` is the reason when it became unavailable. */
  onStateChange?(cache: ResourceCache, state: CacheState, error?: unknown): void;
}

/** Lists every page of a collection; the first page's resourceVersion is the list's. */
async function listAll(client: ApiClient, path: string): Promise<{ items: KubeObject[]; resourceVersion: string }> {
  const first = await client.list(path, { limit: LIST_PAGE_SIZE });
  const items = [...first.items];
  let next = first.continueToken;
  while (next !== '') {
    const page = await client.list(path, { limit: LIST_PAGE_SIZE, continueToken: next });
    items.push(...page.items);
    next = page.continueToken;
  }
  return { items, resourceVersion: first.resourceVersion };
}

export class ResourceCache {
  private readonly listWatch: ListWatch<KubernetesObject>;
  private current: CacheState = 'starting';
  private everSynced = false;
  private failedSinceStart = false;
  private delayMs: number;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    readonly path: string,
    client: ApiClient,
    private readonly events: CacheEvents = {},
    private readonly backoff: BackoffOptions = DEFAULT_BACKOFF,
  ) {
    this.delayMs = backoff.initialMs;
    const listFn = async () => {
      const { items, resourceVersion } = await listAll(client, path);
      return { apiVersion: 'v1', kind: 'List', items: items as KubernetesObject[], metadata: { resourceVersion } };
    };
    this.listWatch = new ListWatch(path, client.watch, listFn, false);
    this.listWatch.on('error', (error: unknown) => this.failed(error));
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
    return this.current === 'synced' ? (this.listWatch.list(namespace) as KubeObject[]) : undefined;
  }

  /** One object: null when absent, undefined while the cache is untrusted. */
  get(name: string, namespace?: string): KubeObject | null | undefined {
    if (this.current !== 'synced') return undefined;
    return (this.listWatch.get(name, namespace) as KubeObject | undefined) ?? null;
  }

  /** Starts listing and watching; resolves after the first attempt, successful or not. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.attempt();
  }

  stop(): void {
    this.stopped = true;
    if (this.retry !== undefined) clearTimeout(this.retry);
    void this.listWatch.stop();
  }

  private async attempt(): Promise<void> {
    this.failedSinceStart = false;
    await this.listWatch.start();
    if (this.stopped || this.failedSinceStart) return;
    this.delayMs = this.backoff.initialMs;
    this.everSynced = true;
    this.setState('synced');
  }

  private failed(error: unknown): void {
    this.failedSinceStart = true;
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
