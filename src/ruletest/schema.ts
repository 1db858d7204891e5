/**
 * The format of rule test files (`rules/tests/*.yaml`), as JSON Schema: published as
 * `schema/rule-tests.schema.json` for editors, and used by the loader, so they cannot disagree.
 */
import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from '../checks/check.js';

export const RULE_TESTS_SCHEMA_ID = 'https://perimeter.dev/schema/rule-tests.schema.json';

const KubeObject = Type.Object(
  { kind: Type.String({ minLength: 1 }) },
  { additionalProperties: true, description: 'A Kubernetes object, as in a manifest.' },
);

const Objects = Type.Array(KubeObject);
const Files = Type.Array(Type.String({ minLength: 1 }), { description: 'Manifest files (YAML or JSON, multi-document, kind: List), relative to this test file.' });

const ClusterState = Type.Object(
  {
    available: Type.Optional(Type.Boolean({ default: true, description: 'false: the cluster cannot be read (the webhook without API access); cluster-aware rules apply onClusterUnavailable.' })),
    objects: Type.Optional(Type.Array(KubeObject, { description: 'Objects that exist: NetworkPolicies, Namespaces (with labels), ingress controller Services.' })),
    files: Type.Optional(Files),
  },
  { additionalProperties: false, description: 'What exists in the cluster while the case is judged. Left out: nothing exists.' },
);

const PatchOperation = Type.Object(
  {
    op: StringEnum(['add', 'remove', 'replace', 'move', 'copy', 'test'] as const),
    path: Type.String(),
    value: Type.Optional(Type.Unknown()),
    from: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const Expectation = Type.Object(
  {
    verdict: Type.Optional(StringEnum(['allow', 'warn', 'deny'] as const, { description: 'The verdict of every judged resource.' })),
    findings: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { uniqueItems: true, description: 'Exactly the rules that report findings on each resource (after patches), in any order; [] for none.' })),
    patch: Type.Optional(Type.Array(PatchOperation, { description: 'Exactly the JSON Patch made to each resource; [] for none.' })),
  },
  { additionalProperties: false, minProperties: 1, description: 'What every resource of the case must get. At least one of verdict, findings, patch.' },
);

const Case = Type.Object(
  {
    name: Type.String({ minLength: 1, description: 'What the case shows, unique in its file.' }),
    resources: Type.Optional(Objects),
    files: Type.Optional(Files),
    operation: Type.Optional(StringEnum(['CREATE', 'UPDATE', 'DELETE'] as const, { default: 'CREATE', description: 'DELETE judges the resources as the objects being deleted.' })),
    oldObject: Type.Optional(KubeObject),
    phase: Type.Optional(
      StringEnum(['both', 'mutate', 'validate'] as const, {
        default: 'both',
        description: 'both: the mutating then the validating webhook (as perimeter check); validate: the validating webhook alone, so a fix that was not patched in counts at its rule enforcement.',
      }),
    ),
    now: Type.Optional(Type.String({ format: 'date', description: 'The day the case is judged on (UTC), for exemptions that expire. Default: today.' })),
    cluster: Type.Optional(ClusterState),
    expect: Expectation,
  },
  { additionalProperties: false },
);

const TestFile = Type.Object(
  {
    cluster: Type.Optional(ClusterState),
    cases: Type.Array(Case, { minItems: 1 }),
  },
  { additionalProperties: false },
);

export type RawTestFile = Static<typeof TestFile>;
export type RawCase = Static<typeof Case>;
export type RawClusterState = Static<typeof ClusterState>;
export type Expected = Static<typeof Expectation>;

export function buildRuleTestsSchema(): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: RULE_TESTS_SCHEMA_ID,
    title: 'perimeter rule test file',
    description: 'Cases that judge resources with the rules of the directory above and say what they must get.',
    ...JSON.parse(JSON.stringify(TestFile)),
  };
}
