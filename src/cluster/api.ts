/**
 * Raw access to the Kubernetes API through `@kubernetes/client-node`'s configuration (TLS,
 * tokens, exec plugins): lists as plain JSON, so that listed objects have the field names of
 * watched ones and of the objects in AdmissionReviews (the generated typed clients rename fields,
 * e.g. `ipBlock.except` to `_except`, and turn timestamps into Dates). List items come without
 * `kind` and `apiVersion`, as the API sends them.
 */
import { KubeConfig, Watch } from '@kubernetes/client-node';
import fetch from 'node-fetch';
import type { KubeObject } from '../engine/types.js';
import { PerimeterError } from '../errors.js';

/** One page of a list: items and what to ask for next. */
export interface ListPage {
  readonly items: KubeObject[];
  readonly resourceVersion: string;
  /** The `continue` token of the next page; empty on the last one. */
  readonly continueToken: string;
}

/** An API call that failed; `statusCode` is the HTTP status (410 for an expired resourceVersion). */
export class ApiError extends PerimeterError {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super('PERIMETER_API_ERROR', message);
  }
}

/** Items per page when listing, the same bound kubectl uses. */
export const LIST_PAGE_SIZE = 500;
const LIST_TIMEOUT_MS = 30_000;

export interface ApiClient {
  readonly kubeConfig: KubeConfig;
  readonly watch: Watch;
  /** The API server's address, for messages. */
  readonly server: string;
  list(path: string, options?: { limit?: number; continueToken?: string }): Promise<ListPage>;
}

/**
 * Loads client configuration: the given kubeconfig file, else `KUBECONFIG`, `~/.kube/config` or
 * the in-cluster service account (client-node's `loadFromDefault` order).
 */
export function loadKubeConfig(file?: string): KubeConfig {
  const config = new KubeConfig();
  try {
    if (file !== undefined) config.loadFromFile(file);
    else config.loadFromDefault();
  } catch (error) {
    throw new PerimeterError('PERIMETER_KUBECONFIG_INVALID', `cannot load the kubeconfig${file === undefined ? '' : ` ${file}`}: ${(error as Error).message}`);
  }
  if (config.getCurrentCluster() === null) throw new PerimeterError('PERIMETER_KUBECONFIG_INVALID', `no current cluster in the kubeconfig${file === undefined ? '' : ` ${file}`}`);
  return config;
}

export function createApiClient(kubeConfig: KubeConfig): ApiClient {
  const server = kubeConfig.getCurrentCluster()?.server ?? '';
  return {
    kubeConfig,
    watch: new Watch(kubeConfig),
    server,
    async list(path, options = {}) {
      const url = new URL(server + path);
      if (options.limit !== undefined) url.searchParams.set('limit', String(options.limit));
      if (options.continueToken) url.searchParams.set('continue', options.continueToken);
      const init = await kubeConfig.applyToFetchOptions({});
      let response;
      try {
        // A black-holed connection must fail, not hang: a failed list is retried, a hung one never.
        response = await fetch(url, { ...init, method: 'GET', timeout: LIST_TIMEOUT_MS } as Parameters<typeof fetch>[1]);
      } catch (error) {
        throw new ApiError(0, `cannot reach the API server at ${server}: ${(error as Error).message}`);
      }
      const text = await response.text();
      if (!response.ok) {
        let message = text;
        try {
          message = (JSON.parse(text) as { message?: string }).message ?? text;
        } catch {
          // not a Status object: keep the text
        }
        throw new ApiError(response.status, `GET ${path}: ${response.status} ${message}`);
      }
      const body = JSON.parse(text) as { items?: KubeObject[]; metadata?: { resourceVersion?: string; continue?: string } };
      return { items: body.items ?? [], resourceVersion: body.metadata?.resourceVersion ?? '', continueToken: body.metadata?.continue ?? '' };
    },
  };
}

/**
 * Lists every page of a collection (`limit`/`continue`); the first page's resourceVersion is the
 * list's. `onPage` hears the running count, for progress.
 */
export async function listAllPages(
  client: ApiClient,
  path: string,
  options: { pageSize?: number; onPage?: (listed: number) => void } = {},
): Promise<{ items: KubeObject[]; resourceVersion: string }> {
  const items: KubeObject[] = [];
  let resourceVersion: string | undefined;
  let continueToken = '';
  do {
    const page = await client.list(path, { limit: options.pageSize ?? LIST_PAGE_SIZE, continueToken });
    resourceVersion ??= page.resourceVersion;
    items.push(...page.items);
    options.onPage?.(items.length);
    continueToken = page.continueToken;
  } while (continueToken !== '');
  return { items, resourceVersion: resourceVersion ?? '' };
}
