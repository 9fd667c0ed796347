/**
 * The shapes (shape.ts) of networking.k8s.io/v1 Ingress and IngressClass,
 * as far as their strategies, validation and tables read them, with
 * Kubernetes' field types (port numbers int32).
 */
import { list, map, obj, type Shape } from './shape.ts';

const strings = list('string');
const typedRef = obj({ apiGroup: 'string', kind: 'string', name: 'string' });
const backend = obj({
  service: obj({ name: 'string', port: obj({ name: 'string', number: 'int32' }) }),
  resource: typedRef,
});

/** networking/v1 Ingress. */
export const ingressShape: Shape = obj({
  metadata: obj({ annotations: map('string') }),
  spec: obj({
    ingressClassName: 'string',
    defaultBackend: backend,
    tls: list(obj({ hosts: strings, secretName: 'string' })),
    rules: list(obj({
      host: 'string',
      http: obj({ paths: list(obj({ path: 'string', pathType: 'string', backend })) }),
    })),
  }),
  status: obj({
    loadBalancer: obj({
      ingress: list(obj({ ip: 'string', hostname: 'string', ports: list(obj({ port: 'int32', protocol: 'string', error: 'string' })) })),
    }),
  }),
});

/** networking/v1 IngressClass. */
export const ingressClassShape: Shape = obj({
  spec: obj({
    controller: 'string',
    parameters: obj({ apiGroup: 'string', kind: 'string', name: 'string', scope: 'string', namespace: 'string' }),
  }),
});
