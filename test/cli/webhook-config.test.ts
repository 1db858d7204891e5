import t from 'tap';
import { parseAllDocuments } from 'yaml';
import { cli } from './run.js';

t.test('webhook-config prints both configurations for URL registration', async (t) => {
  const dir = t.testdir({ 'ca.crt': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' });
  const run = await cli(['webhook-config', '--url', 'https://192.0.2.10:8443/', '--ca-file', `${dir}/ca.crt`, '--namespace', 'security']);
  t.equal(run.code, 0, run.stderr);
  const [validating, mutating] = parseAllDocuments(run.stdout).map((d) => d.toJS());
  t.equal(validating.kind, 'ValidatingWebhookConfiguration');
  t.equal(mutating.kind, 'MutatingWebhookConfiguration');
  const v = validating.webhooks[0];
  const m = mutating.webhooks[0];
  t.equal(v.clientConfig.url, 'https://192.0.2.10:8443/validate');
  t.equal(m.clientConfig.url, 'https://192.0.2.10:8443/mutate');
  t.equal(Buffer.from(v.clientConfig.caBundle, 'base64').toString(), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  for (const hook of [v, m]) {
    t.same(hook.admissionReviewVersions, ['v1', 'v1beta1']);
    t.equal(hook.sideEffects, 'None');
    t.equal(hook.failurePolicy, 'Fail');
    t.equal(hook.timeoutSeconds, 5);
    t.equal(hook.matchPolicy, 'Equivalent');
    t.same(hook.namespaceSelector, { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'security'] }] });
  }
  t.same(
    v.rules.map((r: { resources: string[]; operations: string[]; apiGroups: string[] }) => [r.resources[0], r.apiGroups, r.operations]),
    [
      ['services', [''], ['CREATE', 'UPDATE', 'DELETE']],
      ['ingresses', ['networking.k8s.io', 'extensions'], ['CREATE', 'UPDATE', 'DELETE']],
      ['networkpolicies', ['networking.k8s.io'], ['CREATE', 'UPDATE', 'DELETE']],
    ],
  );
  t.same(m.rules.map((r: { resources: string[]; operations: string[] }) => [r.resources[0], r.operations]), [['services', ['CREATE', 'UPDATE']], ['ingresses', ['CREATE', 'UPDATE']]]);
  t.equal(m.reinvocationPolicy, 'IfNeeded');
  const ignore = await cli(['webhook-config', '--url', 'https://x', '--ca-file', `${dir}/ca.crt`, '--failure-policy', 'Ignore', '--timeout-seconds', '10']);
  t.match(ignore.stdout, /failurePolicy: Ignore/);
  t.match(ignore.stdout, /timeoutSeconds: 10/);
});

// [why, argv, expected message]
const errors: [string, string[], RegExp][] = [
  ['plain http', ['--url', 'http://x', '--ca-file', 'x'], /--url must be an https:\/\/ URL/],
  ['no CA', ['--url', 'https://x'], /--ca-file is required/],
  ['missing CA file', ['--url', 'https://x', '--ca-file', 'nope.crt'], /--ca-file nope\.crt: cannot read \(ENOENT\)/],
  ['not a certificate', ['--url', 'https://x', '--ca-file', 'package.json'], /does not hold a PEM certificate/],
  ['bad failure policy', ['--url', 'https://x', '--ca-file', 'x', '--failure-policy', 'Open'], /--failure-policy must be one of: Fail, Ignore \(got "Open"\)/],
  ['timeout over the limit', ['--url', 'https://x', '--ca-file', 'x', '--timeout-seconds', '31'], /--timeout-seconds must be an integer 1\.\.30/],
  ['timeout empty', ['--url', 'https://x', '--ca-file', 'x', '--timeout-seconds', ''], /--timeout-seconds must be an integer 1\.\.30 .*\(got ""\)/],
  ['timeout in exponent form', ['--url', 'https://x', '--ca-file', 'x', '--timeout-seconds', '1e1'], /--timeout-seconds must be an integer 1\.\.30 .*\(got "1e1"\)/],
];

t.test('webhook-config usage errors exit 2', async (t) => {
  for (const [why, argv, message] of errors) {
    const run = await cli(['webhook-config', ...argv]);
    t.equal(run.code, 2, why);
    t.match(run.stderr, message, why);
  }
});

t.test('serve usage errors exit 2 before anything starts', async (t) => {
  t.match((await cli(['serve', '--port', 'http'])).stderr, /--port must be a port number/);
  // Spellings Number() would read as a port: "" as 0 (any free port), the others as 1000 and 443.
  for (const spelling of ['', '1e3', '0x1bb', ' 80', '65536']) {
    const run = await cli(['serve', '--port', spelling]);
    t.equal(run.code, 2, `--port "${spelling}" exits 2`);
    t.match(run.stderr, `--port must be a port number 0..65535 (got "${spelling}")`);
  }
  t.match((await cli(['serve', '--shutdown-delay', ''])).stderr, /--shutdown-delay must be a number of seconds 0\.\.300 \(got ""\)/);
  t.match((await cli(['serve', '--log-level', 'loud'])).stderr, /--log-level must be one of/);
  t.match((await cli(['serve', '--on-timeout', 'maybe'])).stderr, /--on-timeout must be one of: deny, allow \(got "maybe"\)/);
  t.match((await cli(['serve', '--cluster', 'sometimes'])).stderr, /--cluster must be one of: auto, on, off \(got "sometimes"\)/);
  t.match((await cli(['serve', '--tls-cert', 'a.crt', '--port', '0'])).stderr, /--tls-cert and --tls-key go together/);
  t.match((await cli(['serve', '--shutdown-delay', 'soon'])).stderr, /--shutdown-delay must be a number of seconds 0\.\.300 \(got "soon"\)/);
  t.match((await cli(['serve', '--shutdown-delay=-1'])).stderr, /--shutdown-delay must be a number of seconds/);
  for (const bad of ['301', '1e2', '0x10', '.5']) t.match((await cli(['serve', '--shutdown-delay', bad])).stderr, `--shutdown-delay must be a number of seconds 0..300 (got "${bad}")`, bad);
  for (const bad of ['host_name', 'a..b', '-leading.example', 'https://x', '10.0.0.0/8']) {
    t.match((await cli(['serve', '--dev-cert-names', `localhost,${bad}`])).stderr, `--dev-cert-names: "${bad}" is neither a DNS name nor an IP address`, bad);
  }
  const missing = await cli(['serve', '--rules', 'no-such-dir', '--port', '0']);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /no-such-dir: cannot read the rules directory: no such directory/);
});

t.test('serve on a port already taken exits 2 with the reason', async (t) => {
  const net = await import('node:net');
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.teardown(() => blocker.close());
  const port = (blocker.address() as { port: number }).port;
  const run = await cli(['serve', '--host', '127.0.0.1', '--port', String(port), '--rules', 'rules', '--log-level', 'silent', '--cluster', 'off']);
  t.equal(run.code, 2);
  t.match(run.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`));
});
