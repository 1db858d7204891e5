/**
 * `perimeter webhook-config`: the Validating- and MutatingWebhookConfiguration that register a
 * webhook by URL (a local cluster pointing at a laptop, or tests). In a cluster the Helm chart
 * renders the Service-based equivalent.
 */
import { readFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { CHECKS } from '../checks/index.js';
import type { ResourceKind } from '../engine/types.js';
import { oneOf, wholeNumber } from './flags.js';
import { EXIT, UsageError, type CommandIO } from './io.js';

/** API groups and resources of each kind (Ingress also under the old `extensions` group). */
const RESOURCES: Record<ResourceKind, { apiGroups: string[]; resources: string[] }> = {
  Service: { apiGroups: [''], resources: ['services'] },
  Ingress: { apiGroups: ['networking.k8s.io', 'extensions'], resources: ['ingresses'] },
  NetworkPolicy: { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'] },
};

/** Namespaces the webhook never sees, so it can never block its own recovery. */
export const ALWAYS_EXCLUDED_NAMESPACES = ['kube-system'];

/** What the API server does when the webhook cannot answer. */
const FAILURE_POLICIES = ['Fail', 'Ignore'] as const;
type FailurePolicy = (typeof FAILURE_POLICIES)[number];

export interface WebhookConfigOptions {
  readonly url: string;
  readonly caBundle: string;
  readonly failurePolicy: FailurePolicy;
  readonly timeoutSeconds: number;
  readonly namespace: string;
  readonly name: string;
}

export interface WebhookRule {
  operations: string[];
  apiGroups: string[];
  apiVersions: string[];
  resources: string[];
  scope: 'Namespaced';
}

function rulesFor(kinds: readonly ResourceKind[], operations: string[]): WebhookRule[] {
  return kinds.map((kind) => ({ operations, apiGroups: RESOURCES[kind].apiGroups, apiVersions: ['*'], resources: RESOURCES[kind].resources, scope: 'Namespaced' }));
}

/**
 * What each webhook must be sent, derived from the checks: every kind a check reads to
 * /validate (DELETE too: removing a default-deny policy is judged), the kinds of checks that can
 * patch to /mutate. The Helm chart reads the same rules from a generated file.
 */
export function webhookRules(): { validate: WebhookRule[]; mutate: WebhookRule[] } {
  const allKinds = [...new Set(CHECKS.flatMap((check) => check.kinds))];
  const mutatingKinds = [...new Set(CHECKS.filter((check) => check.canMutate).flatMap((check) => check.kinds))];
  return { validate: rulesFor(allKinds, ['CREATE', 'UPDATE', 'DELETE']), mutate: rulesFor(mutatingKinds, ['CREATE', 'UPDATE']) };
}

function webhook(name: string, url: string, options: WebhookConfigOptions, rules: WebhookRule[]) {
  return {
    name,
    clientConfig: { url, caBundle: options.caBundle },
    rules,
    // Equivalent: an Ingress sent through extensions/v1beta1 is converted and still reviewed.
    matchPolicy: 'Equivalent',
    namespaceSelector: {
      matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [...new Set([...ALWAYS_EXCLUDED_NAMESPACES, options.namespace])] }],
    },
    failurePolicy: options.failurePolicy,
    sideEffects: 'None',
    timeoutSeconds: options.timeoutSeconds,
    admissionReviewVersions: ['v1', 'v1beta1'],
  };
}

/** The two configuration objects, ready to print as YAML. */
export function webhookConfigurations(options: WebhookConfigOptions): unknown[] {
  const base = options.url.replace(/\/+$/, '');
  const rules = webhookRules();
  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: options.name },
      webhooks: [webhook(`validate.${options.name}.perimeter.dev`, `${base}/validate`, options, rules.validate)],
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: options.name },
      webhooks: [
        {
          ...webhook(`mutate.${options.name}.perimeter.dev`, `${base}/mutate`, options, rules.mutate),
          reinvocationPolicy: 'IfNeeded',
        },
      ],
    },
  ];
}

export async function runWebhookConfig(values: Record<string, string | boolean | undefined>, io: CommandIO): Promise<number> {
  const url = values.url;
  const caFile = values['ca-file'];
  if (typeof url !== 'string' || !/^https:\/\/[^/]/.test(url)) throw new UsageError('--url must be an https:// URL (the API server only calls webhooks over TLS)');
  if (typeof caFile !== 'string') throw new UsageError('--ca-file is required: the CA that signed the serving certificate (e.g. .perimeter/ca.crt)');
  const failurePolicy = oneOf('failure-policy', values['failure-policy'], FAILURE_POLICIES);
  const timeoutSeconds = wholeNumber('timeout-seconds', values['timeout-seconds'], 'an integer', { min: 1, max: 30, why: "the API server's limit" });
  let ca: string;
  try {
    ca = await readFile(caFile, 'utf8');
  } catch (error) {
    throw new UsageError(`--ca-file ${caFile}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (!ca.includes('BEGIN CERTIFICATE')) throw new UsageError(`--ca-file ${caFile} does not hold a PEM certificate`);
  const documents = webhookConfigurations({
    url,
    caBundle: Buffer.from(ca).toString('base64'),
    failurePolicy,
    timeoutSeconds,
    namespace: String(values.namespace),
    name: String(values.name),
  });
  io.stdout(documents.map((document) => `---\n${stringify(document, { aliasDuplicateObjects: false, version: '1.1' })}`).join(''));
  return EXIT.OK;
}
