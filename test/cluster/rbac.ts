/** The shipped RBAC rules as `group/resource:verb` strings, for comparing with what tests used. */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
const RBAC = parse(readFileSync('charts/perimeter/files/rbac.yaml', 'utf8')) as Record<'webhook' | 'audit', Rule[]>;

export function granted(role: 'webhook' | 'audit'): Set<string> {
  const out = new Set<string>();
  for (const rule of RBAC[role]) for (const group of rule.apiGroups) for (const resource of rule.resources) for (const verb of rule.verbs) out.add(`${group}/${resource}:${verb}`);
  return out;
}
