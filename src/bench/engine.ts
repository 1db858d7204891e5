/**
 * Engine benchmark: time per evaluation of each kind against the shipped rules, how a long range
 * list grows, and what unrelated rules cost. Printed by `npm run bench` (and alone by
 * `npm run bench:engine`), never asserted: timings belong in reports, not in tests.
 */
import { evaluate, type EvaluationEnvironment } from '../engine/evaluate.js';
import type { KubeObject } from '../engine/types.js';
import { loadRuleDirectory, parseRuleFiles, readRuleDirectory } from '../rules/load.js';
import { SHIPPED_RULES_DIR } from '../cli/rules-dir.js';
import { bundleClusterView } from '../context/bundle.js';

export interface EngineRow {
  readonly label: string;
  readonly microsPerObject: number;
}

/** A LoadBalancer Service allowlisting `count` distinct /24s; `salt` makes the strings new. */
export function serviceWithRanges(count: number, salt = 0): KubeObject {
  const ranges = Array.from({ length: count }, (_, i) => `${10 + ((i + salt) % 200)}.${(Math.floor(i / 256) * 7 + salt) % 256}.${i % 256}.0/24`);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ port: 443 }], loadBalancerSourceRanges: ranges },
  };
}

function networkPolicyWithPeers(count: number): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'partners', namespace: 'shop' },
    spec: {
      podSelector: { matchLabels: { app: 'web' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: Array.from({ length: count / 2 }, (_, i) => ({ ipBlock: { cidr: `198.51.${i}.0/24` } })) }],
      egress: [{ to: Array.from({ length: count / 2 }, (_, i) => ({ ipBlock: { cidr: `203.0.${i}.0/24`, except: [`203.0.${i}.128/25`] } })), ports: [{ port: 443 }] }],
    },
  };
}

const defaultDeny: KubeObject = { kind: 'NetworkPolicy', metadata: { name: 'default-deny-egress', namespace: 'shop' }, spec: { podSelector: {}, policyTypes: ['Egress'] } };

/** Runs `run` until about `budgetMs` have passed (after a warm-up), returns µs per call. */
function time(run: (i: number) => void, options: { budgetMs: number; maxIterations?: number }): number {
  const limit = options.maxIterations ?? Number.MAX_SAFE_INTEGER;
  for (let i = 0; i < Math.min(2_000, limit); i++) run(i);
  let iterations = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(options.budgetMs) * 1_000_000n;
  while (iterations < limit) {
    for (let j = 0; j < 100 && iterations < limit; j++) run(iterations++);
    if (process.hrtime.bigint() >= deadline) break;
  }
  return Number(process.hrtime.bigint() - start) / 1000 / iterations;
}

export async function benchEngine(options: { budgetMs?: number } = {}): Promise<EngineRow[]> {
  const budgetMs = options.budgetMs ?? 1_000;
  const ruleSet = await loadRuleDirectory(SHIPPED_RULES_DIR);
  const environment: EvaluationEnvironment = { cluster: bundleClusterView([defaultDeny]), now: new Date() };
  const run = (object: KubeObject, rules = ruleSet) => () => void evaluate({ object }, rules, environment);

  // 100 more rules for kinds a Service is not: the rule set is indexed by kind, so a Service
  // should not notice them.
  const shipped = await readRuleDirectory(SHIPPED_RULES_DIR);
  const unrelated = Array.from({ length: 100 }, (_, i) => `  - id: egress-${i}\n    description: Unrelated rule ${i}.\n    check: no-open-egress\n    enforcement: deny\n`).join('');
  const withUnrelated = parseRuleFiles([...shipped, { file: 'unrelated.yaml', text: `rules:\n${unrelated}` }]);

  const ingress: KubeObject = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'app', namespace: 'shop', annotations: { 'nginx.ingress.kubernetes.io/allowlist-source-range': '203.0.113.0/24, 198.51.100.0/24' } },
    spec: { ingressClassName: 'nginx', rules: [{ host: 'a.example.com' }] },
  };
  // Distinct range strings every time: the parse cache never hits, the worst case.
  const uncached = Array.from({ length: 5_000 }, (_, i) => serviceWithRanges(20, i * 20 + 1));
  const uncachedThousand = Array.from({ length: 40 }, (_, i) => serviceWithRanges(1_000, i * 1_000 + 7));

  const rows: [string, () => number][] = [
    ['Service, 1 range', () => time(run(serviceWithRanges(1)), { budgetMs })],
    ['Service, 20 ranges (seen before: the usual case)', () => time(run(serviceWithRanges(20)), { budgetMs })],
    ['Service, 20 ranges never seen (parse cache cold)', () => time((i) => run(uncached[i]!)(), { budgetMs, maxIterations: uncached.length })],
    ['Service, 1,000 ranges', () => time(run(serviceWithRanges(1_000)), { budgetMs })],
    ['Service, 1,000 ranges never seen', () => time((i) => run(uncachedThousand[i]!)(), { budgetMs, maxIterations: uncachedThousand.length })],
    ['Ingress with an allowlist', () => time(run(ingress), { budgetMs })],
    ['NetworkPolicy, 50 ipBlock peers', () => time(run(networkPolicyWithPeers(50)), { budgetMs })],
    ['ConfigMap (no rule reads it)', () => time(run({ kind: 'ConfigMap', metadata: { name: 'c', namespace: 'shop' } }), { budgetMs })],
    [`Service, 20 ranges, shipped rules (${ruleSet.rules.length})`, () => time(run(serviceWithRanges(20)), { budgetMs })],
    [`Service, 20 ranges, + 100 NetworkPolicy rules (${withUnrelated.rules.length})`, () => time(run(serviceWithRanges(20), withUnrelated), { budgetMs })],
  ];
  return rows.map(([label, measure]) => ({ label, microsPerObject: measure() }));
}
