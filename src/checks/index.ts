/** Every check perimeter knows, by id. Rule files name them in `check:`. */
import type { AnyCheck } from './check.js';
import denyExternalIps from './deny-external-ips.js';
import egressDefaultDeny from './egress-default-deny.js';
import externalTrafficPolicyLocal from './external-traffic-policy-local.js';
import ingressControllerKeepsClientIp from './ingress-controller-keeps-client-ip.js';
import noOpenEgress from './no-open-egress.js';
import noOpenSources from './no-open-sources.js';
import requireSourceRanges from './require-source-ranges.js';

export const CHECKS: readonly AnyCheck[] = [
  noOpenSources,
  requireSourceRanges,
  externalTrafficPolicyLocal,
  noOpenEgress,
  egressDefaultDeny,
  denyExternalIps,
  ingressControllerKeepsClientIp,
];

export const CHECKS_BY_ID: ReadonlyMap<string, AnyCheck> = new Map(CHECKS.map((check) => [check.id, check]));
