import t from 'tap';
import check from '../../src/checks/ingress-controller-keeps-client-ip.js';
import { clusterWith, contextFor, ingress, runCheck, service } from '../helpers.js';
import type { KubeObject } from '../../src/engine/types.js';

const ALLOWLIST = { 'nginx.ingress.kubernetes.io/allowlist-source-range': '203.0.113.0/24' };
const controller = (externalTrafficPolicy: string | undefined, type = 'LoadBalancer', name = 'ingress-nginx-controller', namespace = 'ingress-nginx') =>
  service({ type, ...(externalTrafficPolicy === undefined ? {} : { externalTrafficPolicy }) }, { name, namespace });

// [why, ingress, cluster objects (undefined: unavailable), params, expected enforcement per finding]
const rows: [string, KubeObject, KubeObject[] | undefined, Record<string, unknown>, (string | undefined)[]][] = [
  ['controller with Cluster policy', ingress(ALLOWLIST), [controller('Cluster')], {}, [undefined]],
  ['controller with the field unset (Cluster)', ingress(ALLOWLIST), [controller(undefined)], {}, [undefined]],
  ['controller with Local policy', ingress(ALLOWLIST), [controller('Local')], {}, []],
  ['NodePort controller with Cluster policy', ingress(ALLOWLIST), [controller('Cluster', 'NodePort')], {}, [undefined]],
  ['ClusterIP controller (host networking): nothing to judge', ingress(ALLOWLIST), [controller('Cluster', 'ClusterIP')], {}, []],
  ['Ingress without allowlist: nothing to protect', ingress(), [controller('Cluster')], {}, []],
  ['controller Service not found', ingress(ALLOWLIST), [], {}, []],
  ['cluster unavailable warns', ingress(ALLOWLIST), undefined, {}, ['warn']],
  ['cluster unavailable can deny', ingress(ALLOWLIST), undefined, { onClusterUnavailable: 'deny' }, ['deny']],
  ['cluster unavailable can allow', ingress(ALLOWLIST), undefined, { onClusterUnavailable: 'allow' }, []],
  ['class without a configured controller', { ...ingress(ALLOWLIST), spec: { ingressClassName: 'traefik' } }, [controller('Cluster')], {}, []],
  ['no class: the default controller', { ...ingress(ALLOWLIST), spec: {} }, [controller('Cluster')], {}, [undefined]],
  ['legacy class annotation', { ...ingress({ ...ALLOWLIST, 'kubernetes.io/ingress.class': 'internal' }), spec: {} }, [controller('Cluster', 'LoadBalancer', 'internal-controller', 'edge')], { controllers: [{ ingressClass: 'internal', service: 'edge/internal-controller' }] }, [undefined]],
];

t.test('ingress-controller-keeps-client-ip', async (t) => {
  for (const [why, object, cluster, params, expected] of rows) {
    const findings = runCheck(check, object, params, contextFor({ kind: 'Ingress', cluster: clusterWith(cluster) }));
    t.same(findings.map((f) => f.enforcement), expected, why);
  }
  const [finding] = runCheck(check, ingress(ALLOWLIST), {}, contextFor({ kind: 'Ingress', cluster: clusterWith([controller('Cluster')]) }));
  t.match(finding?.message, /Service ingress-nginx\/ingress-nginx-controller has externalTrafficPolicy Cluster: it sees node addresses, not clients/);
});
