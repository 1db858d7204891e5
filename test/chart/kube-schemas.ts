/**
 * Validates rendered Kubernetes objects against published schemas, the way the API server and
 * `kubectl apply` (strict field validation) would:
 * - types, required fields and enums: the OpenAPI schemas compiled into `kubernetes-models`
 *   (built-in kinds) and `@kubernetes-models/cert-manager`, `@kubernetes-models/prometheus-operator`
 *   (CRDs);
 * - unknown fields (a misspelt key the API server would drop or reject), for built-in kinds: a
 *   round trip through `@kubernetes/client-node`'s generated models, which keep only the fields
 *   each type declares. The CRD models do not reject unknown fields, and no npm package carries
 *   strict CRD schemas, so cert-manager and ServiceMonitor objects get types and required fields
 *   only.
 */
import { ObjectSerializer } from '@kubernetes/client-node/dist/serializer.js';
import fastJsonPatch from 'fast-json-patch';
import { MutatingWebhookConfiguration, ValidatingWebhookConfiguration } from 'kubernetes-models/admissionregistration.k8s.io/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ClusterRole, ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ConfigMap, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Certificate, Issuer } from '@kubernetes-models/cert-manager/cert-manager.io/v1';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';

interface Validatable {
  validate(): void;
}
type ModelConstructor = new (data: never) => Validatable;

/** apiVersion/kind → the model that validates it, and for built-in kinds the client-node type. */
const MODELS: Record<string, { model: ModelConstructor; clientType?: string }> = {
  'v1/ServiceAccount': { model: ServiceAccount, clientType: 'V1ServiceAccount' },
  'v1/Service': { model: Service, clientType: 'V1Service' },
  'v1/ConfigMap': { model: ConfigMap, clientType: 'V1ConfigMap' },
  'apps/v1/Deployment': { model: Deployment, clientType: 'V1Deployment' },
  'batch/v1/Job': { model: Job, clientType: 'V1Job' },
  'policy/v1/PodDisruptionBudget': { model: PodDisruptionBudget, clientType: 'V1PodDisruptionBudget' },
  'rbac.authorization.k8s.io/v1/ClusterRole': { model: ClusterRole, clientType: 'V1ClusterRole' },
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': { model: ClusterRoleBinding, clientType: 'V1ClusterRoleBinding' },
  'networking.k8s.io/v1/NetworkPolicy': { model: NetworkPolicy, clientType: 'V1NetworkPolicy' },
  'admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration': { model: ValidatingWebhookConfiguration, clientType: 'V1ValidatingWebhookConfiguration' },
  'admissionregistration.k8s.io/v1/MutatingWebhookConfiguration': { model: MutatingWebhookConfiguration, clientType: 'V1MutatingWebhookConfiguration' },
  'cert-manager.io/v1/Issuer': { model: Issuer },
  'cert-manager.io/v1/Certificate': { model: Certificate },
  'monitoring.coreos.com/v1/ServiceMonitor': { model: ServiceMonitor },
};

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** Every problem with one object, as `Kind/name: path: message`; empty when it is valid. */
export function schemaProblems(object: KubeObject): string[] {
  const where = `${object.kind}/${object.metadata?.name ?? '?'}`;
  const entry = MODELS[`${object.apiVersion}/${object.kind}`];
  if (entry === undefined) return [`${where}: no schema for ${object.apiVersion} ${object.kind}`];
  const problems: string[] = [];
  try {
    new entry.model(object as never).validate();
  } catch (error) {
    const details = (error as { errors?: { instancePath: string; message?: string }[] }).errors;
    if (details === undefined) problems.push(`${where}: ${(error as Error).message}`);
    else for (const detail of details) problems.push(`${where}: ${detail.instancePath || '/'}: ${detail.message ?? 'invalid'}`);
  }
  if (entry.clientType !== undefined) {
    const roundTripped: unknown = ObjectSerializer.serialize(ObjectSerializer.deserialize(object, entry.clientType), entry.clientType);
    for (const operation of fastJsonPatch.compare(object, roundTripped as object)) {
      problems.push(`${where}: ${operation.path}: ${operation.op === 'remove' ? 'unknown field' : `not of the declared type (${operation.op})`}`);
    }
  }
  return problems;
}
