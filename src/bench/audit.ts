/**
 * Offline audit benchmark: `perimeter check` end to end (read, parse, judge, print JSON) on a
 * generated 100,000-object `List` in JSON and the same objects as multi-document YAML. Each run is
 * a fresh process, so its peak RSS is its own.
 */
import { spawn } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { EXIT } from '../cli/io.js';
import type { KubeObject } from '../engine/types.js';

/**
 * A cluster-like mix: per namespace a default-deny, a few Services, an Ingress, a NetworkPolicy;
 * in every fifth namespace one Service is open to the world, so the audit also reports denials.
 */
export function generateObjects(count: number): KubeObject[] {
  const objects: KubeObject[] = [];
  for (let i = 0; objects.length < count; i++) {
    const namespace = `team-${Math.floor(i / 10)}`;
    const n = i % 10;
    if (n === 0) objects.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny-egress', namespace }, spec: { podSelector: {}, policyTypes: ['Egress'] } });
    else if (n <= 5) {
      objects.push({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: `svc-${n}`, namespace, labels: { app: `svc-${n}` } },
        spec: {
          type: n <= 2 ? 'LoadBalancer' : 'ClusterIP',
          selector: { app: `svc-${n}` },
          ports: [{ name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' }],
          ...(n <= 2 ? { externalTrafficPolicy: n === 1 ? 'Local' : 'Cluster', loadBalancerSourceRanges: [`10.${i % 256}.0.0/16`, '203.0.113.0/24', n === 2 && Math.floor(i / 10) % 5 === 0 ? '0.0.0.0/0' : '198.51.100.0/24'] } : {}),
        },
      });
    } else if (n <= 7) {
      objects.push({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: `web-${n}`, namespace, annotations: { 'nginx.ingress.kubernetes.io/allowlist-source-range': `10.${i % 256}.0.0/16, 203.0.113.0/24` } },
        spec: { ingressClassName: 'nginx', rules: [{ host: `web-${i}.example.com`, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'svc-3', port: { number: 443 } } } }] } }] },
      });
    } else {
      objects.push({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: `allow-${n}`, namespace },
        spec: {
          podSelector: { matchLabels: { app: 'svc-3' } },
          policyTypes: ['Ingress', 'Egress'],
          ingress: [{ from: [{ ipBlock: { cidr: `10.${i % 256}.0.0/16` } }, { namespaceSelector: { matchLabels: { team: 'edge' } } }], ports: [{ port: 8443 }] }],
          egress: [{ to: [{ ipBlock: { cidr: '198.51.100.0/24' } }], ports: [{ port: 443 }] }],
        },
      });
    }
  }
  return objects;
}

export interface AuditRun {
  readonly format: 'json' | 'yaml';
  readonly objects: number;
  readonly inputMiB: number;
  readonly seconds: number;
  readonly objectsPerSecond: number;
  readonly peakRssMiB: number;
  readonly exitCode: number;
}

/** Writes the List as JSON and as multi-document YAML; returns the two paths. */
export async function writeInputs(directory: string, count: number): Promise<{ json: string; yaml: string; sizes: { json: number; yaml: number } }> {
  const objects = generateObjects(count);
  const jsonText = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects });
  const yamlText = objects.map((object) => `---\n${stringify(object)}`).join('');
  const json = path.join(directory, 'objects.json');
  const yaml = path.join(directory, 'objects.yaml');
  await writeFile(json, jsonText);
  await writeFile(yaml, yamlText);
  return { json, yaml, sizes: { json: Buffer.byteLength(jsonText), yaml: Buffer.byteLength(yamlText) } };
}

/**
 * Runs the bundled `perimeter check -o json FILE` and reads what it reported as it exited. A run
 * that wrote to stderr or ended other than allowed or denied is an error, not a timing.
 */
export async function runCheck(distDir: string, rulesDir: string, file: string, format: 'json' | 'yaml', objects: number, inputBytes: number): Promise<AuditRun> {
  const reportFile = `${file}.report.json`;
  await rm(reportFile, { force: true });
  const reporter = pathToFileURL(path.join(distDir, 'bench/report-on-exit.js')).href;
  const child = spawn(process.execPath, ['--import', reporter, path.join(distDir, 'bundle/perimeter.js'), 'check', '--rules', rulesDir, '-o', 'json', file], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, PERIMETER_BENCH_REPORT: reportFile },
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', () => resolve());
  });
  let report: { seconds: number; maxRssKiB: number; exitCode: number };
  try {
    report = JSON.parse(await readFile(reportFile, 'utf8')) as typeof report;
  } catch {
    throw new Error(`check did not report: ${stderr}`);
  }
  if (stderr !== '' || (report.exitCode !== EXIT.OK && report.exitCode !== EXIT.DENIED)) throw new Error(`check failed (exit ${report.exitCode}): ${stderr}`);
  return { format, objects, inputMiB: inputBytes / 1024 / 1024, seconds: report.seconds, objectsPerSecond: objects / report.seconds, peakRssMiB: report.maxRssKiB / 1024, exitCode: report.exitCode };
}
