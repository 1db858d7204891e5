/**
 * An in-memory copy of one resource collection, kept current by list + watch, so admission
 * decisions read memory and never call the API server.
 *
 * It lists every page, then watches from the list's resourceVersion with client-node's Watch. A
 * watch the server ends normally resumes from the last resourceVersion seen; one whose
 * resourceVersion has expired (410 Gone, as an ERROR event or as the watch's status) relists.
 * Any other failure makes the copy untrusted and restarts it, with a full relist, after an
 * exponential back-off. The state says whether the copy can be trusted: `synced` after a
 * successful list and watch, `unavailable` from an error until the next success.
 *
 * Why not client-node's ListWatch, which does the same: it imports client-node's serializer and
 * with it every generated model, 4 MiB of heap in a server whose budget is 100 MB under load
 * (README, Performance). What it did is kept here: the same resumes, relists and store.
 */
import type { KubeObject } from '../engine/types.js';
import { field, metadataOf, str } from '../kube/read.js';
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
  /** The objects by namespace ('' for cluster-scoped ones), then by name. */
  private objects = new Map<string, Map<string, KubeObject>>();
  /** Where a watch resumes; empty when the next step must be a list. */
  private resourceVersion = '';
  private watchRequest: AbortController | undefined;
  /** Which run is current: a list or watch of an abandoned run changes nothing. */
  private generation = 0;
  private current: CacheState = 'starting';
  private everSynced = false;
  private delayMs: number;
  private retry: NodeJS.Timeout | undefined;

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

  /** Objects of a namespace ('' for cluster-scoped ones), or undefined while untrusted. */
  list(namespace: string): readonly KubeObject[] | undefined {
    if (this.current !== 'synced') return undefined;
    return [...(this.objects.get(namespace)?.values() ?? [])];
  }

  /** One object: null when absent, undefined while the cache is untrusted. */
  get(name: string, namespace?: string): KubeObject | null | undefined {
    if (this.current !== 'synced') return undefined;
    return this.objects.get(namespace ?? '')?.get(name) ?? null;
  }

  /** Starts listing and watching; resolves after the first attempt, successful or not. */
  async start(): Promise<void> {
    await this.attempt();
  }

  /** Stops watching and retrying. The state stays as it was: stopping is not a failure. */
  stop(): void {
    // Abandons the current run: a list in flight, a watch being opened, events still buffered.
    this.generation++;
    if (this.retry !== undefined) clearTimeout(this.retry);
    this.retry = undefined;
    this.abortWatch();
  }

  /**
   * One start, always from a full relist: re-watching from an old resourceVersion after a failure
   * would be trusted before the server could answer 410 Gone.
   */
  private async attempt(): Promise<void> {
    const generation = ++this.generation;
    this.abortWatch();
    this.resourceVersion = '';
    if (!(await this.listAndWatch(generation))) return;
    this.delayMs = this.backoff.initialMs;
    this.everSynced = true;
    this.setState('synced');
  }

  /** Lists if there is nothing to resume from, then watches; false if that failed or was abandoned. */
  private async listAndWatch(generation: number): Promise<boolean> {
    try {
      for (;;) {
        const listed = this.resourceVersion === '';
        if (listed) {
          const { items, resourceVersion } = await listAllPages(this.client, this.path);
          if (this.abandoned(generation)) return false;
          this.objects = new Map();
          for (const object of items) this.store(object);
          this.resourceVersion = resourceVersion;
        }
        const refused = await this.openWatch(generation);
        if (refused === undefined) return !this.abandoned(generation);
        // Refused at once: resuming from an expired resourceVersion relists; anything else, and
        // 410 right after a list, is a failure (back-off, not a loop of lists).
        if (listed || field(refused, 'statusCode') !== 410) {
          if (!this.abandoned(generation)) this.failed(refused ?? new Error(`the watch of ${this.path} ended as it started`));
          return false;
        }
        this.resourceVersion = '';
      }
    } catch (error) {
      // client-node reads credentials (exec plugins, token files) outside its own error handling.
      if (!this.abandoned(generation)) this.failed(error);
      return false;
    }
  }

  /**
   * Opens a watch from the current resourceVersion: undefined once it is watching (or abandoned),
   * else why it was refused. client-node's Watch reports a refusal (an HTTP error, an unreachable
   * server) through the end callback before it returns; only a watch that started hears its end.
   */
  private async openWatch(generation: number): Promise<unknown> {
    const watch = { started: false, ended: false };
    let refusal: unknown;
    const request = await this.client.watch.watch(
      this.path,
      { resourceVersion: this.resourceVersion, allowWatchBookmarks: true },
      (type: string, object: KubeObject) => {
        if (!watch.ended) this.onEvent(generation, type, object);
      },
      (error: unknown) => {
        watch.ended = true;
        if (watch.started) this.onWatchEnd(generation, error);
        else refusal = error ?? null;
      },
    );
    watch.started = true;
    if (this.abandoned(generation)) {
      request.abort();
      return undefined;
    }
    if (watch.ended) return refusal;
    this.watchRequest = request;
    return undefined;
  }

  private onEvent(generation: number, type: string, object: KubeObject): void {
    if (this.abandoned(generation)) return;
    if (type === 'ERROR') {
      // A Status; the server ends the watch after it, and the end relists when it was 410 Gone.
      if (field(object, 'code') === 410) this.resourceVersion = '';
      return;
    }
    if (type === 'ADDED' || type === 'MODIFIED') this.store(object);
    else if (type === 'DELETED') this.forget(object);
    // BOOKMARK, like the others, moves the resourceVersion to resume from.
    this.resourceVersion = str(metadataOf(object).resourceVersion) ?? this.resourceVersion;
  }

  private onWatchEnd(generation: number, error: unknown): void {
    if (this.abandoned(generation)) return;
    this.watchRequest = undefined;
    if (error !== null && error !== undefined) {
      if (field(error, 'statusCode') !== 410) return this.failed(error);
      this.resourceVersion = '';
    }
    // Still trusted while it resumes or relists, as before the end.
    void this.listAndWatch(generation);
  }

  private store(object: KubeObject): void {
    const namespace = namespaceKey(object);
    let objects = this.objects.get(namespace);
    if (objects === undefined) this.objects.set(namespace, (objects = new Map()));
    objects.set(nameKey(object), object);
  }

  private forget(object: KubeObject): void {
    const namespace = namespaceKey(object);
    const objects = this.objects.get(namespace);
    objects?.delete(nameKey(object));
    // Namespaces come and go (preview environments): an empty one is not kept until the next list.
    if (objects?.size === 0) this.objects.delete(namespace);
  }

  private abandoned(generation: number): boolean {
    return generation !== this.generation;
  }

  private abortWatch(): void {
    this.watchRequest?.abort();
    this.watchRequest = undefined;
  }

  /** Abandons the current run, marks the copy untrusted and schedules a fresh start. */
  private failed(error: unknown): void {
    this.generation++;
    this.abortWatch();
    this.setState('unavailable', error);
    if (this.retry !== undefined) return;
    // Full jitter keeps many replicas from retrying in step after an API server restart.
    const delay = Math.round(this.delayMs * (0.5 + Math.random() / 2));
    this.delayMs = Math.min(this.delayMs * 2, this.backoff.maxMs);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.attempt();
    }, delay);
    this.retry.unref();
  }

  private setState(state: CacheState, error?: unknown): void {
    if (this.current === state) return;
    this.current = state;
    this.events.onStateChange?.(this, state, error);
  }
}

const namespaceKey = (object: KubeObject) => str(metadataOf(object).namespace) ?? '';
const nameKey = (object: KubeObject) => str(metadataOf(object).name) ?? '';
