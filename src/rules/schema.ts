/**
 * The rule-file format as JSON Schema, built from the checks' own parameter schemas so that the
 * published schema (`schema/rules.schema.json`), the loader and the docs cannot drift apart.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { StringEnum } from '../checks/check.js';
import { CHECKS } from '../checks/index.js';
import { ENFORCEMENTS, MODES } from '../engine/types.js';

export const RULES_SCHEMA_ID = 'https://perimeter.dev/schema/rules.schema.json';

/** Lowercase DNS-label style, so rule ids read well in messages and metric labels. */
export const RULE_ID_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

const Exemption = Type.Object(
  {
    namespace: Type.Optional(Type.String({ minLength: 1, description: 'Namespace, or a glob such as "legacy-*".' })),
    name: Type.Optional(Type.String({ minLength: 1, description: 'Object name, or a glob such as "public-*".' })),
    reason: Type.String({ minLength: 1, description: 'Why this exemption exists.' }),
    owner: Type.Optional(Type.String({ minLength: 1, description: 'Who answers for it: a team, a person or a ticket.' })),
    expires: Type.Optional(Type.String({ format: 'date', description: 'Last day (UTC, YYYY-MM-DD) the exemption applies.' })),
  },
  { additionalProperties: false, description: 'Objects matching namespace and name (either may be omitted, not both) are not judged.' },
);

const Rule = Type.Object(
  {
    id: Type.String({ pattern: RULE_ID_PATTERN, description: 'Unique id, shown in every finding.' }),
    description: Type.String({ minLength: 1, description: 'What the rule protects, in a sentence.' }),
    check: StringEnum(CHECKS.map((check) => check.id) as [string, ...string[]], { description: 'The check this rule configures.' }),
    enforcement: StringEnum(ENFORCEMENTS, { description: 'deny blocks, warn lets through with a warning, audit only records.' }),
    mutate: Type.Optional(Type.Boolean({ default: false, description: 'Patch in the fix instead of reporting, where the check can.' })),
    params: Type.Optional(Type.Object({}, { additionalProperties: true, description: "The check's parameters." })),
    exclude: Type.Optional(Type.Array(Exemption)),
  },
  { additionalProperties: false },
);

/**
 * A parameter schema as rule authors see it: every key with a default may be left out (the
 * loader fills it in). TypeBox marks all non-optional keys required, so they are relaxed here.
 */
function defaultsOptional(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(defaultsOptional);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) out[key] = defaultsOptional(value);
  const properties = out.properties as Record<string, { default?: unknown }> | undefined;
  if (Array.isArray(out.required) && properties !== undefined) {
    const required = (out.required as string[]).filter((key) => properties[key]?.default === undefined);
    if (required.length > 0) out.required = required;
    else delete out.required;
  }
  return out;
}

/** Per-check parameter schemas, selected by the rule's `check`. */
function ruleWithParams(): TSchema {
  return {
    ...Rule,
    allOf: CHECKS.map((check) => ({
      if: { properties: { check: { const: check.id } }, required: ['check'] },
      then: { properties: { params: defaultsOptional(check.params) } },
    })),
  };
}

/** The schema of one rule file. */
export function buildRulesSchema(): Record<string, unknown> {
  const file = Type.Object(
    {
      mode: Type.Optional(StringEnum(MODES, { description: 'audit makes the whole rule set a dry run. Set in one file only.' })),
      exclude: Type.Optional(Type.Array(Exemption, { description: 'Exemptions from every rule of the set.' })),
      rules: Type.Optional(Type.Array(ruleWithParams())),
    },
    { additionalProperties: false },
  );
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: RULES_SCHEMA_ID,
    title: 'perimeter rule file',
    ...JSON.parse(JSON.stringify(file)),
  };
}
