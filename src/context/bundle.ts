/**
 * The cluster as the offline `check` sees it: the input files are the cluster. A namespace's
 * NetworkPolicies are those among the inputs; a namespace with none in the bundle has none.
 */
import type { ClusterView, KubeObject } from '../engine/types.js';
import { metadataOf, str } from '../kube/read.js';
import { isNetworkPolicy } from '../kube/network-policy.js';

/** Namespace of an object as written in a manifest; `default` when it names none. */
export function manifestNamespace(object: KubeObject): string {
  return str(metadataOf(object).namespace) || 'default';
}

export function bundleClusterView(objects: Iterable<KubeObject>): ClusterView {
  const byNamespace = new Map<string, KubeObject[]>();
  for (const object of objects) {
    if (!isNetworkPolicy(object)) continue;
    const namespace = manifestNamespace(object);
    const policies = byNamespace.get(namespace) ?? [];
    policies.push(object);
    byNamespace.set(namespace, policies);
  }
  const none: readonly KubeObject[] = [];
  return { networkPoliciesIn: (namespace) => byNamespace.get(namespace) ?? none };
}
