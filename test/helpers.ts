/** Builders for test objects, a way to run one check with its default parameters, and editable copies of the shipped rules. */
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { paramsWithDefaults, type AnyCheck } from '../src/checks/check.js';
import { bundleClusterView, UNKNOWN_CLUSTER } from '../src/context/bundle.js';
import type { CheckContext, CheckFinding, ClusterView, KubeObject } from '../src/engine/types.js';
import { isYamlFileName } from '../src/rules/yaml-source.js';

export function service(spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop', ...metadata }, spec };
}

export function loadBalancer(spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): KubeObject {
  return service({ type: 'LoadBalancer', ports: [{ port: 443 }], externalTrafficPolicy: 'Cluster', ...spec }, metadata);
}

export function ingress(annotations: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'app', namespace: 'shop', annotations, ...metadata },
    spec: { ingressClassName: 'nginx', rules: [{ host: 'app.example.com' }] },
  };
}

export function networkPolicy(spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'np', namespace: 'shop', ...metadata }, spec };
}

/** `[[[[…]]]]`, `depth` deep: serialising it would overflow the stack. */
export function deeplyNested(depth: number): unknown[] {
  const root: unknown[] = [];
  let cursor = root;
  for (let i = 0; i < depth; i++) cursor = (cursor[0] = []) as unknown[];
  return root;
}

export const DEFAULT_DENY_EGRESS = networkPolicy({ podSelector: {}, policyTypes: ['Egress'] }, { name: 'default-deny-egress' });

/** A cluster holding the given objects; `undefined` means "cluster unavailable". */
export function clusterWith(objects: readonly KubeObject[] | undefined): ClusterView {
  return objects === undefined ? UNKNOWN_CLUSTER : bundleClusterView(objects);
}

export function contextFor(overrides: Partial<CheckContext> = {}): CheckContext {
  return { kind: 'Service', namespace: 'shop', operation: 'CREATE', oldObject: undefined, cluster: clusterWith([]), now: new Date('2026-11-21T00:00:00Z'), ...overrides };
}

/** Runs a check the way the engine does: parameters defaulted from its schema. */
export function runCheck(check: AnyCheck, object: KubeObject, params: Record<string, unknown> = {}, context: CheckContext = contextFor()): readonly CheckFinding[] {
  return check.evaluate(object, paramsWithDefaults(check, params), context);
}

/**
 * A copy of the shipped rule files (not their tests) in `<a fresh temporary directory>/rules`, so
 * files written beside it stay private to the test. `edits` rewrite a file's text (an edit that
 * changes nothing is a mistake in the test, and throws); `extra` adds files.
 */
export async function shippedRulesCopy(edits: Record<string, (text: string) => string> = {}, extra: Record<string, string> = {}): Promise<string> {
  const dir = path.join(await mkdtemp(path.join(tmpdir(), 'perimeter-rules-')), 'rules');
  await mkdir(dir);
  for (const name of await readdir('rules')) {
    if (!isYamlFileName(name)) continue;
    const text = await readFile(path.join('rules', name), 'utf8');
    const edited = edits[name]?.(text) ?? text;
    if (edits[name] !== undefined && edited === text) throw new Error(`the edit changed nothing in rules/${name}`);
    await writeFile(path.join(dir, name), edited);
  }
  for (const [name, text] of Object.entries(extra)) await writeFile(path.join(dir, name), text);
  return dir;
}

/** Waits until `what` holds, checking every 20 ms; throws after `limitMs`. */
export async function until(what: () => boolean | Promise<boolean>, limitMs = 10_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await what())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
