/**
 * Reads what `perimeter audit --cluster` judges: every Service, Ingress, NetworkPolicy and
 * Namespace, page by page (`limit`/`continue`), as plain objects. List items come without
 * `kind` and `apiVersion`, so those are set from the collection.
 */
import { listAllPages, type ApiClient } from '../cluster/api.js';
import type { SourcedObject } from '../manifests/read.js';

const COLLECTIONS = [
  { kind: 'Namespace', apiVersion: 'v1', all: '/api/v1/namespaces', namespaced: undefined },
  { kind: 'Service', apiVersion: 'v1', all: '/api/v1/services', namespaced: (ns: string) => `/api/v1/namespaces/${ns}/services` },
  { kind: 'Ingress', apiVersion: 'networking.k8s.io/v1', all: '/apis/networking.k8s.io/v1/ingresses', namespaced: (ns: string) => `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses` },
  { kind: 'NetworkPolicy', apiVersion: 'networking.k8s.io/v1', all: '/apis/networking.k8s.io/v1/networkpolicies', namespaced: (ns: string) => `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies` },
] as const;

export interface ListOptions {
  readonly namespace?: string;
  readonly pageSize?: number;
  /** Called after each page, for progress on stderr. */
  readonly progress?: (kind: string, listed: number) => void;
}

export async function listClusterObjects(client: ApiClient, options: ListOptions = {}): Promise<SourcedObject[]> {
  const out: SourcedObject[] = [];
  for (const collection of COLLECTIONS) {
    const path = options.namespace === undefined || collection.namespaced === undefined ? collection.all : collection.namespaced(encodeURIComponent(options.namespace));
    const { items } = await listAllPages(client, path, {
      ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
      onPage: (listed) => options.progress?.(collection.kind, listed),
    });
    for (const item of items) {
      if (collection.kind === 'Namespace' && options.namespace !== undefined && (item.metadata as { name?: string } | undefined)?.name !== options.namespace) continue;
      out.push({ source: 'cluster', object: { ...item, apiVersion: collection.apiVersion, kind: collection.kind } });
    }
  }
  return out;
}
