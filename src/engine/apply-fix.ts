/**
 * Applying a check's fix to an object without touching the object: the engine is pure, and the
 * same object is judged again after the fix.
 */
import fastJsonPatch from 'fast-json-patch';
import type { KubeObject, PatchOperation } from './types.js';

/** A shallow copy of an array or object; anything else as it is. */
function shallowCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.slice();
  if (value !== null && typeof value === 'object') return { ...(value as Record<string, unknown>) };
  return value;
}

/**
 * Applies a fix to a copy of the object, or returns undefined when it does not apply cleanly.
 * Only the containers on each operation's path are copied; the rest is shared with the input
 * (which is never modified). Copying the whole object, as applyPatch without mutation does, cost
 * more than judging it: API server objects carry managedFields and status.
 */
export function applyFix(object: KubeObject, fix: readonly PatchOperation[]): KubeObject | undefined {
  try {
    let document = shallowCopy(object) as KubeObject;
    for (const operation of fix) {
      if (operation.op === 'move' || operation.op === 'copy') {
        // These read from a second path and may share what they read; checks do not make
        // them, so the simple way is enough: the operation on a whole copy.
        document = fastJsonPatch.applyOperation(document, { ...operation }, true, false).newDocument;
        continue;
      }
      const tokens = operation.path.split('/').slice(1).map(fastJsonPatch.unescapePathComponent);
      let parent = document as Record<string, unknown>;
      for (const token of tokens.slice(0, -1)) {
        // A path that does not resolve is left for applyOperation to refuse (as is `__proto__`).
        const child = token !== '__proto__' && Object.hasOwn(parent, token) ? parent[token] : undefined;
        if (child === null || typeof child !== 'object') break;
        parent = parent[token] = shallowCopy(child) as Record<string, unknown>;
      }
      // The fix's own values are copied too, so a later operation never writes into a check's data.
      const own = 'value' in operation ? { ...operation, value: fastJsonPatch.deepClone(operation.value) } : { ...operation };
      document = fastJsonPatch.applyOperation(document, own, true, true).newDocument;
    }
    return document;
  } catch {
    return undefined;
  }
}

