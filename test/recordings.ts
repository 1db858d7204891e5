/**
 * The AdmissionReviews recorded from real kube-apiservers (v1.19 and v1.22), copied from
 * shared/fixtures/admission-reviews so the repository tests stand alone.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeObject } from '../src/engine/types.js';

export const RECORDINGS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'admission-reviews');

export interface Recording {
  readonly file: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: {
    apiVersion: string;
    kind: string;
    request: {
      uid: string;
      kind: { group: string; version: string; kind: string };
      requestKind?: { group: string; version: string; kind: string };
      namespace?: string;
      name?: string;
      operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
      dryRun?: boolean;
      object: KubeObject | null;
      oldObject: KubeObject | null;
    };
  };
}

export function loadRecordings(): Recording[] {
  return readdirSync(RECORDINGS_DIR)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((file) => ({ file, ...(JSON.parse(readFileSync(path.join(RECORDINGS_DIR, file), 'utf8')) as Omit<Recording, 'file'>) }));
}
