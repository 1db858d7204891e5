/**
 * Kubernetes label selectors (matchLabels and matchExpressions with In, NotIn, Exists,
 * DoesNotExist), as the API defines them:
 * https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#resources-that-support-set-based-requirements
 */
import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from '../checks/check.js';
import { field, isRecord, metadataOf } from './read.js';
import type { KubeObject } from '../engine/types.js';

/** The schema of a label selector, with extra schema options (a default, a description). */
export function labelSelectorSchema(options: { default?: object; description?: string } = {}) {
  const requirement = Type.Object(
    {
      key: Type.String({ minLength: 1, description: 'Label key.' }),
      operator: StringEnum(['In', 'NotIn', 'Exists', 'DoesNotExist'] as const, { description: 'How the label is compared with values.' }),
      values: Type.Optional(Type.Array(Type.String(), { description: 'Values for In and NotIn.' })),
    },
    { additionalProperties: false },
  );
  return Type.Object(
    {
      matchLabels: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Labels that must all be present, with these values.' })),
      matchExpressions: Type.Optional(Type.Array(requirement, { description: 'Requirements (key, operator In, NotIn, Exists or DoesNotExist, values) that must all hold.' })),
    },
    { additionalProperties: false, description: 'A Kubernetes label selector; empty selects everything.', ...options },
  );
}
export type LabelSelector = Static<ReturnType<typeof labelSelectorSchema>>;

/** Whether a selector selects everything (so no labels need to be looked up). */
export function selectsEverything(selector: LabelSelector): boolean {
  return Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
}

/** Labels of an object, with non-string values left out. */
export function labelsOf(object: KubeObject | null | undefined): Readonly<Record<string, string>> {
  const labels = object === null || object === undefined ? undefined : field(metadataOf(object), 'labels');
  if (!isRecord(labels)) return {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) if (typeof value === 'string') out[key] = value;
  return out;
}

export function matchesSelector(labels: Readonly<Record<string, string>>, selector: LabelSelector): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, key);
    const value = labels[key];
    switch (operator) {
      case 'In':
        if (!has || !values.includes(value ?? '')) return false;
        break;
      case 'NotIn':
        if (has && values.includes(value ?? '')) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}
