/**
 * ingress-controller-keeps-client-ip: an ingress-nginx allowlist compares the client address the
 * controller sees. If the controller's own Service uses `externalTrafficPolicy: Cluster`, that
 * address is a node's (kube-proxy SNAT), so the allowlist silently admits everyone or no one.
 * The controller Service of each ingress class is looked up in the cluster context.
 */
import { Type } from '@sinclair/typebox';
import type { KubeObject } from '../engine/types.js';
import { annotation, specOf, str } from '../kube/read.js';
import { ingressSourceLists } from '../kube/source-ranges.js';
import { defineCheck } from './check.js';
import { clusterUnavailable, onClusterUnavailableParam } from './cluster-unavailable.js';

const Controller = Type.Object(
  {
    ingressClass: Type.String({ minLength: 1, description: 'spec.ingressClassName (or the kubernetes.io/ingress.class annotation) served by this controller.' }),
    service: Type.String({ pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', description: 'The controller Service, as namespace/name.' }),
    default: Type.Optional(Type.Boolean({ description: 'Also serves Ingresses that name no class.' })),
  },
  { additionalProperties: false },
);

const Params = Type.Object(
  {
    controllers: Type.Array(Controller, {
      default: [{ ingressClass: 'nginx', service: 'ingress-nginx/ingress-nginx-controller', default: true }],
      description: 'The controller Service of each ingress class.',
    }),
    onClusterUnavailable: onClusterUnavailableParam('the controller Service'),
  },
  { additionalProperties: false },
);

/** The legacy class annotation, still honoured by ingress-nginx. */
const CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

const INGRESS_EXAMPLE: KubeObject = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'storefront', namespace: 'shop', annotations: { 'nginx.ingress.kubernetes.io/allowlist-source-range': '203.0.113.0/24, 198.51.100.0/24' } },
  spec: {
    ingressClassName: 'nginx',
    rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'storefront', port: { number: 443 } } } }] } }],
  },
};

/** The default controller Service of the examples, with the given traffic policy. */
function controllerServiceExample(externalTrafficPolicy: 'Cluster' | 'Local'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'ingress-nginx-controller', namespace: 'ingress-nginx' },
    spec: { type: 'LoadBalancer', selector: { 'app.kubernetes.io/name': 'ingress-nginx' }, ports: [{ name: 'https', port: 443, targetPort: 'https' }], externalTrafficPolicy },
  };
}

export default defineCheck({
  id: 'ingress-controller-keeps-client-ip',
  summary: "Ingresses with a source allowlist need a controller whose Service keeps client addresses (externalTrafficPolicy: Local).",
  kinds: ['Ingress'],
  canMutate: false,
  params: Params,
  evaluate(object, params, context) {
    if (ingressSourceLists(object).length === 0) return [];
    const ingressClass = str(specOf(object).ingressClassName) ?? annotation(object, CLASS_ANNOTATION);
    const controller = params.controllers.find((c) => (ingressClass === undefined ? c.default === true : c.ingressClass === ingressClass));
    if (controller === undefined) return [];
    const [namespace = '', name = ''] = controller.service.split('/');
    const service = context.cluster.service(namespace, name);
    if (service === undefined) {
      return clusterUnavailable(params.onClusterUnavailable, 'metadata.annotations', `cannot check that controller Service ${controller.service} keeps client addresses`);
    }
    // Not found (offline, or a controller on host networking): nothing to judge.
    if (service === null) return [];
    const spec = specOf(service);
    const type = str(spec.type);
    if ((type !== 'LoadBalancer' && type !== 'NodePort') || str(spec.externalTrafficPolicy) === 'Local') return [];
    return [
      {
        path: 'metadata.annotations',
        message: `the source allowlist is checked by the ${controller.ingressClass} controller, whose Service ${controller.service} has externalTrafficPolicy ${str(spec.externalTrafficPolicy) ?? 'Cluster'}: it sees node addresses, not clients, so the allowlist admits everyone or no one; set externalTrafficPolicy: Local on that Service`,
      },
    ];
  },
  reference: {
    description: [
      'An Ingress with an ingress-nginx allowlist is only protected if the controller sees client',
      'addresses: its Service (LoadBalancer or NodePort) must have `externalTrafficPolicy: Local`.',
      'Otherwise kube-proxy SNATs clients to node addresses and the allowlist admits everyone or no',
      'one.',
      '',
      'The controller Service is looked up by the Ingress\'s class (`spec.ingressClassName` or the',
      '`kubernetes.io/ingress.class` annotation; an Ingress without a class uses the controller marked',
      '`default`). A controller Service that does not exist, or a ClusterIP one (host networking), is',
      'not judged. Shipped at `warn`.',
    ].join('\n'),
    examples: {
      denied: {
        note: "The controller's Service keeps the default `externalTrafficPolicy: Cluster`.",
        object: INGRESS_EXAMPLE,
        cluster: [controllerServiceExample('Cluster')],
      },
      allowed: {
        object: INGRESS_EXAMPLE,
        cluster: [controllerServiceExample('Local')],
      },
    },
  },
});
