/**
 * What cluster-aware checks do when the cluster state they need is unknown (the API server is
 * unreachable, or the caches have not synced): each rule chooses allow, deny or warn.
 */
import type { CheckFinding } from '../engine/types.js';
import { StringEnum } from './check.js';

export type OnClusterUnavailable = 'allow' | 'deny' | 'warn';

/** The `onClusterUnavailable` parameter, default `warn`. */
export function onClusterUnavailableParam(what: string) {
  return StringEnum(['allow', 'deny', 'warn'] as const, {
    default: 'warn',
    description: `What to do when ${what} cannot be known (cluster API unreachable or not yet synced).`,
  });
}

/** The finding for an unknown cluster state, at the rule's chosen level (none for `allow`). */
export function clusterUnavailable(mode: OnClusterUnavailable, path: string, message: string): CheckFinding[] {
  return mode === 'allow' ? [] : [{ path, enforcement: mode, message: `${message} (cluster state unavailable)` }];
}
