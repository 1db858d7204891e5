/**
 * `npm run bench:engine`: time per evaluation of ordinary objects against the shipped rules.
 * Printed, never asserted: timings belong in reports, not in tests.
 */
import { evaluate, type EvaluationEnvironment } from '../engine/evaluate.js';
import type { KubeObject } from '../engine/types.js';
import { loadRuleDirectory } from '../rules/load.js';
import { SHIPPED_RULES_DIR } from '../cli/rules-dir.js';
import { bundleClusterView } from '../context/bundle.js';

const WARMUP = 20_000;
const ITERATIONS = 200_000;

function serviceWithRanges(count: number, salt = 0): KubeObject {
  const ranges = Array.from({ length: count }, (_, i) => `${10 + ((i + salt) % 200)}.${(i * 7 + salt) % 256}.${i % 256}.0/24`);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ port: 443 }], loadBalancerSourceRanges: ranges },
  };
}

const defaultDeny: KubeObject = { kind: 'NetworkPolicy', metadata: { name: 'd', namespace: 'shop' }, spec: { podSelector: {}, policyTypes: ['Egress'] } };

function time(label: string, run: (i: number) => void, iterations = ITERATIONS): { label: string; microsPerOp: number } {
  for (let i = 0; i < Math.min(WARMUP, iterations); i++) run(i);
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) run(i);
  const micros = Number(process.hrtime.bigint() - start) / 1000 / iterations;
  return { label, microsPerOp: micros };
}

const ruleSet = await loadRuleDirectory(SHIPPED_RULES_DIR);
const environment: EvaluationEnvironment = { cluster: bundleClusterView([defaultDeny]), now: new Date() };
const service20 = serviceWithRanges(20);
const ingress: KubeObject = {
  kind: 'Ingress',
  metadata: { name: 'app', namespace: 'shop', annotations: { 'nginx.ingress.kubernetes.io/allowlist-source-range': '203.0.113.0/24, 198.51.100.0/24' } },
  spec: { rules: [{ host: 'a.example.com' }] },
};
const configMap: KubeObject = { kind: 'ConfigMap', metadata: { name: 'c', namespace: 'shop' } };
// Distinct range strings every time: the parse cache never hits, the worst case.
const uncached = Array.from({ length: 2_000 }, (_, i) => serviceWithRanges(20, i * 20 + 1));

const rows = [
  time('Service, 20 ranges (typical: ranges seen before)', () => evaluate({ object: service20 }, ruleSet, environment)),
  time('Service, 20 ranges never seen before (parse cache cold)', (i) => evaluate({ object: uncached[i % uncached.length]! }, ruleSet, environment), 2_000),
  time('Ingress with an allowlist', () => evaluate({ object: ingress }, ruleSet, environment)),
  time('ConfigMap (no rule reads it)', () => evaluate({ object: configMap }, ruleSet, environment)),
];

console.log('engine: microseconds per evaluation, shipped rules');
for (const row of rows) console.log(`  ${row.label.padEnd(58)} ${row.microsPerOp.toFixed(2).padStart(8)} µs`);
