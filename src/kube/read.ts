/**
 * Safe readers for objects we do not trust. A check reads fields through these so that a number
 * where a string belongs, or a string where a list belongs, is treated as absent rather than
 * thrown on. Validation of object shape is the API server's job; ours is not to crash.
 */
import type { KubeObject } from '../engine/types.js';

export type JsonRecord = Readonly<Record<string, unknown>>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value[key]` when `value` is an object, else undefined. */
export function field(value: unknown, key: string): unknown {
  return isRecord(value) ? value[key] : undefined;
}

/** The value as a list, or an empty list when it is absent or not a list. */
export function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function metadataOf(object: KubeObject): JsonRecord {
  return isRecord(object.metadata) ? object.metadata : {};
}

export function specOf(object: KubeObject): JsonRecord {
  return isRecord(object.spec) ? object.spec : {};
}

export function nameOf(object: KubeObject): string {
  return str(metadataOf(object).name) ?? str(metadataOf(object).generateName) ?? '';
}

export function kindOf(object: KubeObject): string {
  return str(object.kind) ?? '';
}

/** An annotation's value, when it is a string. */
export function annotation(object: KubeObject, key: string): string | undefined {
  return str(field(metadataOf(object).annotations, key));
}

/** Absent, null or an empty list: how the API reads "no peers", "no rules" and the like. */
export function isAbsentOrEmpty(value: unknown): boolean {
  return value === undefined || value === null || (Array.isArray(value) && value.length === 0);
}

/** Longest quoted value shown in a message; findings name the field, not pages of input. */
const MAX_SHOWN = 64;

/**
 * A value as a message shows it: strings quoted (cut to a readable length), anything else by its
 * type, never serialised (a deeply nested value would overflow the stack).
 */
export function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length <= MAX_SHOWN ? value : `${value.slice(0, MAX_SHOWN - 1)}…`);
  if (value === null) return 'null';
  if (Array.isArray(value)) return '<list>';
  return typeof value === 'object' ? '<object>' : `<${typeof value} ${String(value)}>`;
}

/** JSONPath-like display of an annotation: `metadata.annotations["a/b"]`. */
export function annotationPath(key: string): string {
  return `metadata.annotations[${JSON.stringify(key)}]`;
}
