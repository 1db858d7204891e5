/**
 * Where Services and Ingresses list the client networks allowed in. Several spellings exist
 * for historical reasons and each is honoured by some load balancer or controller, so every one
 * of them is read.
 */
import type { KubeObject } from '../engine/types.js';
import { annotation, annotationPath, list, specOf, str } from './read.js';

/** Legacy Service annotation read by cloud providers when the field is empty. */
export const SERVICE_SOURCE_RANGES_ANNOTATION = 'service.beta.kubernetes.io/load-balancer-source-ranges';
/** ingress-nginx's allowlist, old and new names (the new one wins when both are set). */
export const NGINX_WHITELIST_ANNOTATION = 'nginx.ingress.kubernetes.io/whitelist-source-range';
export const NGINX_ALLOWLIST_ANNOTATION = 'nginx.ingress.kubernetes.io/allowlist-source-range';

/** One entry of an allowlist, with where it stands in the object. */
export interface SourceEntry {
  /** The entry as written: a string, or whatever a hostile object put there. */
  readonly value: unknown;
  /** Display path of the entry: `spec.loadBalancerSourceRanges[2]` or the annotation with `[2]`. */
  readonly path: string;
}

/** One allowlist of an object: a field or an annotation, with its entries. */
export interface SourceList {
  readonly path: string;
  readonly entries: readonly SourceEntry[];
}

/**
 * Splits a comma-separated annotation the way its consumers do: entries trimmed, empty ones
 * (`a,,b`, a trailing comma) dropped.
 */
export function splitCommaList(value: string): string[] {
  const out: string[] = [];
  for (const part of value.split(',')) {
    const trimmed = part.trim();
    if (trimmed !== '') out.push(trimmed);
  }
  return out;
}

type SourceRangesAnnotation = typeof SERVICE_SOURCE_RANGES_ANNOTATION | typeof NGINX_WHITELIST_ANNOTATION | typeof NGINX_ALLOWLIST_ANNOTATION;

/** Display paths of the annotations read here, made once: `metadata.annotations["…"]`. */
const ANNOTATION_PATHS: Record<SourceRangesAnnotation, string> = {
  [SERVICE_SOURCE_RANGES_ANNOTATION]: annotationPath(SERVICE_SOURCE_RANGES_ANNOTATION),
  [NGINX_WHITELIST_ANNOTATION]: annotationPath(NGINX_WHITELIST_ANNOTATION),
  [NGINX_ALLOWLIST_ANNOTATION]: annotationPath(NGINX_ALLOWLIST_ANNOTATION),
};

function annotationList(object: KubeObject, key: SourceRangesAnnotation): SourceList | undefined {
  const value = annotation(object, key);
  if (value === undefined) return undefined;
  const path = ANNOTATION_PATHS[key];
  const entries = splitCommaList(value).map((text, i) => ({ value: text, path: `${path}[${i}]` }));
  return entries.length > 0 ? { path, entries } : undefined;
}

/** Non-empty source allowlists of a Service: the field and the legacy annotation. */
export function serviceSourceLists(service: KubeObject): SourceList[] {
  const lists: SourceList[] = [];
  const entries: SourceEntry[] = [];
  list(specOf(service).loadBalancerSourceRanges).forEach((value, i) => {
    // A non-string entry is kept so that it is reported as unparsable, not skipped.
    entries.push({ value, path: `spec.loadBalancerSourceRanges[${i}]` });
  });
  if (entries.length > 0) lists.push({ path: 'spec.loadBalancerSourceRanges', entries });
  const fromAnnotation = annotationList(service, SERVICE_SOURCE_RANGES_ANNOTATION);
  if (fromAnnotation !== undefined) lists.push(fromAnnotation);
  return lists;
}

/** Non-empty source allowlists of an Ingress (ingress-nginx annotations). */
export function ingressSourceLists(ingress: KubeObject): SourceList[] {
  const lists: SourceList[] = [];
  for (const key of [NGINX_WHITELIST_ANNOTATION, NGINX_ALLOWLIST_ANNOTATION] as const) {
    const found = annotationList(ingress, key);
    if (found !== undefined) lists.push(found);
  }
  return lists;
}

export function isLoadBalancer(service: KubeObject): boolean {
  return str(specOf(service).type) === 'LoadBalancer';
}
