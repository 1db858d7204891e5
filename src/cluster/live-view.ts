/**
 * The cluster as the webhook sees it: informer caches of NetworkPolicies, Namespaces and the
 * ingress controllers' Services, behind the engine's ClusterView. Lookups read memory only;
 * while a cache is not trustworthy they answer "unknown", the rules apply their
 * `onClusterUnavailable`, and every such lookup is counted.
 */
import type { FastifyBaseLogger } from 'fastify';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { RuleSet } from '../engine/rule-set.js';
import type { ClusterView, KubeObject } from '../engine/types.js';
import type { ApiClient } from './api.js';
import { DEFAULT_BACKOFF, ResourceCache, type BackoffOptions, type CacheState } from './cache.js';

export const NETWORK_POLICIES_PATH = '/apis/networking.k8s.io/v1/networkpolicies';
export const NAMESPACES_PATH = '/api/v1/namespaces';
export const servicesPath = (namespace: string) => `/api/v1/namespaces/${encodeURIComponent(namespace)}/services`;

/** Namespaces whose Services some rule looks up (the ingress controllers'). */
export function controllerNamespaces(ruleSet: RuleSet): string[] {
  const namespaces = new Set<string>();
  for (const rule of ruleSet.rules) {
    const controllers = rule.params.controllers;
    if (rule.check.id !== 'ingress-controller-keeps-client-ip' || !Array.isArray(controllers)) continue;
    for (const controller of controllers as { service: string }[]) namespaces.add(controller.service.split('/')[0] ?? '');
  }
  return [...namespaces].filter((namespace) => namespace !== '').sort();
}

export interface LiveClusterOptions {
  readonly log: FastifyBaseLogger;
  readonly registry: Registry;
  readonly backoff?: BackoffOptions;
}

export class LiveCluster implements ClusterView {
  private readonly policies: ResourceCache;
  private readonly namespaces: ResourceCache;
  private readonly services = new Map<string, ResourceCache>();
  /** The caches readiness waits for: those of the rules at start. Later ones (a reload naming a
   * new controller) must not make every replica unready at once while the API is unreachable. */
  private readinessCaches: readonly ResourceCache[] = [];
  private readonly unavailableLookups: Counter<'resource'>;
  private readonly cacheState: Gauge<'resource'>;

  constructor(
    private readonly client: ApiClient,
    private readonly options: LiveClusterOptions,
  ) {
    this.unavailableLookups = new Counter({
      name: 'perimeter_cluster_unavailable_lookups_total',
      help: 'Admission lookups of cluster state answered "unknown" because a cache was not in sync, by resource.',
      labelNames: ['resource'],
      registers: [options.registry],
    });
    this.cacheState = new Gauge({
      name: 'perimeter_cluster_cache_synced',
      help: '1 when the informer cache of a resource is in sync with the API server, else 0.',
      labelNames: ['resource'],
      registers: [options.registry],
    });
    this.policies = this.cache(NETWORK_POLICIES_PATH, 'networkpolicies');
    this.namespaces = this.cache(NAMESPACES_PATH, 'namespaces');
  }

  private cache(path: string, resource: string): ResourceCache {
    this.cacheState.set({ resource }, 0);
    return new ResourceCache(
      path,
      this.client,
      {
        onStateChange: (_cache, state: CacheState, error?: unknown) => {
          this.cacheState.set({ resource }, state === 'synced' ? 1 : 0);
          if (state === 'synced') this.options.log.info({ resource, server: this.client.server }, 'cluster cache in sync');
          else this.options.log.warn({ resource, server: this.client.server, err: error }, 'cluster cache unavailable; cluster-aware rules apply onClusterUnavailable');
        },
      },
      this.options.backoff ?? DEFAULT_BACKOFF,
    );
  }

  /** Starts every cache; resolves when each has made its first attempt. */
  async start(ruleSet: RuleSet): Promise<void> {
    const starting = Promise.all([this.policies.start(), this.namespaces.start(), this.watchRules(ruleSet)]);
    this.readinessCaches = [this.policies, this.namespaces, ...this.services.values()];
    await starting;
  }

  /** Starts caches for Services a (reloaded) rule set looks up. Caches no rule needs any more stay. */
  async watchRules(ruleSet: RuleSet): Promise<void> {
    const starting: Promise<void>[] = [];
    for (const namespace of controllerNamespaces(ruleSet)) {
      if (this.services.has(namespace)) continue;
      const cache = this.cache(servicesPath(namespace), `services/${namespace}`);
      this.services.set(namespace, cache);
      starting.push(cache.start());
    }
    await Promise.all(starting);
  }

  /** Every cache has been in sync at least once: what readiness waits for. */
  get hasSynced(): boolean {
    return this.readinessCaches.length > 0 && this.readinessCaches.every((cache) => cache.hasSynced);
  }

  stop(): void {
    for (const cache of [this.policies, this.namespaces, ...this.services.values()]) cache.stop();
  }

  networkPoliciesIn(namespace: string): readonly KubeObject[] | undefined {
    return this.counted('networkpolicies', this.policies.list(namespace));
  }

  namespace(name: string): KubeObject | null | undefined {
    return this.counted('namespaces', this.namespaces.get(name));
  }

  service(namespace: string, name: string): KubeObject | null | undefined {
    return this.counted('services', this.services.get(namespace)?.get(name, namespace));
  }

  private counted<T>(resource: string, value: T | undefined): T | undefined {
    if (value === undefined) this.unavailableLookups.inc({ resource });
    return value;
  }
}
