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
 * A watch can also fail without saying so, and each way gets a bound:
 * - Every watch asks the server to end it after a random 5 to 10 minutes (`timeoutSeconds`, as
 *   client-go's reflector does), and one still open 30 s past that is taken for a dead connection
 *   (a NAT or proxy that dropped it without a reset), so the copy cannot stay silently stale.
 * - The server must answer a watch request in time; one left without an answer fails the run
 *   (the request itself cannot be cancelled before client-node returns it; see openWatch).
 * - Watches that end normally as soon as they open, with nothing delivered (a proxy that cuts
 *   long requests; client-go's "very short watch"), resume after a growing delay instead of in a
 *   tight loop against the API. client-go relists instead; a resume replays what was missed, or
 *   is told 410 Gone and relists. Meanwhile the copy stays in sync as far as it has been told.
 * - A watch expired (410 Gone) right after the list it followed, as an ERROR event as well as
 *   the watch's HTTP status, is a failure with back-off, not a loop of lists.
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

/** The bounds on a watch that fails without saying so. */
export interface WatchTiming {
  /** The `timeoutSeconds` a watch is sent: the server ends it after that long. */
  readonly timeoutSeconds: () => number;
  /** How long past its `timeoutSeconds` a watch may stay open before it is taken for dead. */
  readonly deadAfterMs: number;
  /** How long the API server has to answer a watch request (its headers). */
  readonly answerMs: number;
  /** A watch that ends normally sooner than this, having delivered nothing, ended as it opened. */
  readonly shortWatchMs: number;
}

export const DEFAULT_WATCH_TIMING: WatchTiming = {
  // client-go's: 5 minutes times 1 to 2, so that the watches of many replicas do not end in step.
  timeoutSeconds: () => Math.floor(300 * (1 + Math.random())),
  deadAfterMs: 30_000,
  // client-node's own request timeout, which its Watch sets up and then overrides with no limit.
  answerMs: 30_000,
  // client-go's "very short watch".
  shortWatchMs: 1_000,
};

export interface CacheEvents {
  /** The state changed; `error` is the reason when it became unavailable. */
  onStateChange?(cache: ResourceCache, state: CacheState, error?: unknown): void;
}

export class ResourceCache {
  /** The objects by namespace ('' for cluster-scoped ones), then by name. */
  private objects = new Map<string, Map<string, KubeObject>>();
  /**
   * What `list` last answered per namespace, until that namespace changes: checks read a
   * namespace's objects on every review, and copying them each time cost in proportion to them.
   */
  private listed = new Map<string, readonly KubeObject[]>();
  /** Where a watch resumes; empty when the next step must be a list. */
  private resourceVersion = '';
  private watchRequest: AbortController | undefined;
  /** Fires when the open watch has outlived its `timeoutSeconds` by `deadAfterMs`. */
  private watchDeadline: NodeJS.Timeout | undefined;
  /** Watches in a row that ended as they opened (see WatchTiming.shortWatchMs). */
  private shortWatches = 0;
  private resume: NodeJS.Timeout | undefined;
  /** Which run is current: a list or watch of an abandoned run changes nothing. */
  private generation = 0;
  private current: CacheState = 'starting';
  private everSynced = false;
  /**
   * Failures since a watch last lasted (see `onWatchEnd`) or stayed open past its deadline (see
   * `openWatch`): how long the next retry waits. Not reset when a start merely opens its watch,
   * or a watch that fails as it opens would relist every `initialMs` for as long as that goes on.
   */
  private failures = 0;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    readonly path: string,
    private readonly client: ApiClient,
    private readonly events: CacheEvents = {},
    private readonly backoff: BackoffOptions = DEFAULT_BACKOFF,
    private readonly timing: WatchTiming = DEFAULT_WATCH_TIMING,
  ) {}

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
    const stored = this.objects.get(namespace);
    // Only namespaces that hold objects are remembered, so reviews in many empty ones grow nothing.
    if (stored === undefined) return NOTHING;
    let objects = this.listed.get(namespace);
    if (objects === undefined) this.listed.set(namespace, (objects = Object.freeze([...stored.values()])));
    return objects;
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
    if (this.resume !== undefined) clearTimeout(this.resume);
    this.resume = undefined;
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
    this.shortWatches = 0;
    if (!(await this.listAndWatch(generation))) return;
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
          // store() forgets the answers of the namespaces it fills, and list() never reads those of
          // namespaces gone from the list; dropping them all here only frees their memory.
          this.listed = new Map();
          for (const object of items) this.store(object);
          this.resourceVersion = resourceVersion;
        }
        const refused = await this.openWatch(generation, listed);
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
   * A request the server leaves unanswered fails the run when `answerMs` is up. The request itself
   * cannot be aborted before client-node returns it (and is aborted if it ever does): until then
   * it holds its connection. node-fetch's own `timeout` would not help: it rejects, but removes
   * the abort listener first, and the connection stays open.
   */
  private async openWatch(generation: number, afterList: boolean): Promise<unknown> {
    const watch = { started: false, ended: false, delivered: false, openedAt: 0 };
    let refusal: unknown;
    const timeoutSeconds = this.timing.timeoutSeconds();
    const unanswered = setTimeout(() => {
      if (!this.abandoned(generation)) this.failed(new Error(`the API server did not answer the watch of ${this.path} within ${this.timing.answerMs / 1000} s`));
    }, this.timing.answerMs);
    unanswered.unref();
    let request: AbortController;
    try {
      request = await this.client.watch.watch(
        this.path,
        { resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds },
        (type: string, object: KubeObject) => {
          if (watch.ended) return;
          // An ERROR (a Status, 410 Gone) delivers nothing to keep.
          if (type !== 'ERROR') watch.delivered = true;
          this.onEvent(generation, type, object);
        },
        (error: unknown) => {
          watch.ended = true;
          if (!watch.started) refusal = error ?? null;
          else this.onWatchEnd(generation, error, { afterList: afterList && !watch.delivered, lasted: watch.delivered || Date.now() - watch.openedAt >= this.timing.shortWatchMs });
        },
      );
    } finally {
      clearTimeout(unanswered);
    }
    watch.started = true;
    watch.openedAt = Date.now();
    if (this.abandoned(generation)) {
      request.abort();
      return undefined;
    }
    if (watch.ended) return refusal;
    this.watchRequest = request;
    // The server ends the watch after timeoutSeconds; open well past that, nothing is listening.
    this.watchDeadline = setTimeout(() => {
      if (this.abandoned(generation)) return;
      // It stayed open its whole term, so it lasted (as onWatchEnd counts it, the term being far
      // longer than shortWatchMs): the retry after it waits from initialMs, not as long as the
      // failures before it made the wait.
      this.failures = 0;
      this.failed(new Error(`the watch of ${this.path} is still open ${timeoutSeconds} s after it began, though it asked the server to end it then; the connection is taken for dead`));
    }, timeoutSeconds * 1000 + this.timing.deadAfterMs);
    this.watchDeadline.unref();
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

  /**
   * `afterList`: the watch began at a list's resourceVersion and delivered nothing since; `lasted`:
   * it delivered something or stayed open at least `shortWatchMs`.
   */
  private onWatchEnd(generation: number, error: unknown, watch: { afterList: boolean; lasted: boolean }): void {
    if (this.abandoned(generation)) return;
    this.clearWatch();
    if (watch.lasted) this.failures = 0;
    if (error !== null && error !== undefined) {
      if (field(error, 'statusCode') !== 410) return this.failed(error);
      this.resourceVersion = '';
    }
    // Expired at once (410, as the status or an ERROR event, which clears the resourceVersion):
    // after a list, relisting at once would only loop.
    if (this.resourceVersion === '' && watch.afterList) return this.failed(new Error(`the watch of ${this.path} was expired (410 Gone) right after its list`));
    this.shortWatches = watch.lasted ? 0 : this.shortWatches + 1;
    // Still trusted while it resumes or relists, as before the end. A watch that ended as it
    // opened resumes at once the first time; in a row, after the back-off's growing delay.
    if (this.shortWatches < 2) {
      void this.listAndWatch(generation);
      return;
    }
    const delay = this.backoffDelay(this.shortWatches - 2);
    this.resume = setTimeout(() => {
      this.resume = undefined;
      if (!this.abandoned(generation)) void this.listAndWatch(generation);
    }, delay);
    this.resume.unref();
  }

  private store(object: KubeObject): void {
    const namespace = namespaceKey(object);
    let objects = this.objects.get(namespace);
    if (objects === undefined) this.objects.set(namespace, (objects = new Map()));
    objects.set(nameKey(object), object);
    this.listed.delete(namespace);
  }

  private forget(object: KubeObject): void {
    const namespace = namespaceKey(object);
    const objects = this.objects.get(namespace);
    objects?.delete(nameKey(object));
    this.listed.delete(namespace);
    // Namespaces come and go (preview environments): an empty one is not kept until the next list.
    if (objects?.size === 0) this.objects.delete(namespace);
  }

  private abandoned(generation: number): boolean {
    return generation !== this.generation;
  }

  private abortWatch(): void {
    this.watchRequest?.abort();
    this.clearWatch();
  }

  private clearWatch(): void {
    this.watchRequest = undefined;
    if (this.watchDeadline !== undefined) clearTimeout(this.watchDeadline);
    this.watchDeadline = undefined;
  }

  /**
   * The back-off's wait before the next try after `step` earlier ones: doubling from `initialMs`
   * up to `maxMs`, with full jitter, which keeps many replicas from retrying in step after an API
   * server restart.
   */
  private backoffDelay(step: number): number {
    return Math.round(Math.min(this.backoff.initialMs * 2 ** step, this.backoff.maxMs) * (0.5 + Math.random() / 2));
  }

  /** Abandons the current run, marks the copy untrusted and schedules a fresh start. */
  private failed(error: unknown): void {
    this.generation++;
    this.abortWatch();
    this.setState('unavailable', error);
    if (this.retry !== undefined) return;
    const delay = this.backoffDelay(this.failures++);
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

const NOTHING: readonly KubeObject[] = Object.freeze([]);
const namespaceKey = (object: KubeObject) => str(metadataOf(object).namespace) ?? '';
const nameKey = (object: KubeObject) => str(metadataOf(object).name) ?? '';
