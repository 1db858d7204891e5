/**
 * Cluster views built from a fixed set of objects: the input files of `perimeter check` (the
 * bundle is the cluster) or a listing of a live cluster for `perimeter audit --cluster`. What is
 * not among the objects does not exist.
 */
import type { ClusterView, KubeObject } from '../engine/types.js';
import { kindOf, metadataOf, nameOf, str } from '../kube/read.js';

/** Namespace of an object as written in a manifest; `default` when it names none. */
export function manifestNamespace(object: KubeObject): string {
  return str(metadataOf(object).namespace) || 'default';
}

export function bundleClusterView(objects: Iterable<KubeObject>): ClusterView {
  const policies = new Map<string, KubeObject[]>();
  const namespaces = new Map<string, KubeObject>();
  const services = new Map<string, KubeObject>();
  for (const object of objects) {
    const kind = kindOf(object);
    if (kind === 'NetworkPolicy') {
      const namespace = manifestNamespace(object);
      const list = policies.get(namespace) ?? [];
      list.push(object);
      policies.set(namespace, list);
    } else if (kind === 'Namespace') {
      namespaces.set(nameOf(object), object);
    } else if (kind === 'Service') {
      services.set(`${manifestNamespace(object)}/${nameOf(object)}`, object);
    }
  }
  const none: readonly KubeObject[] = [];
  return {
    networkPoliciesIn: (namespace) => policies.get(namespace) ?? none,
    namespace: (name) => namespaces.get(name) ?? null,
    service: (namespace, name) => services.get(`${namespace}/${name}`) ?? null,
  };
}

/**
 * A cluster nothing is known about (the webhook without API access): every lookup answers
 * "unknown", and cluster-aware rules apply their `onClusterUnavailable` setting.
 */
export const UNKNOWN_CLUSTER: ClusterView = {
  networkPoliciesIn: () => undefined,
  namespace: () => undefined,
  service: () => undefined,
};
