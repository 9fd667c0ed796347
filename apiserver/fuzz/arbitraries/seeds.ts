/**
 * One valid object for every kind the server stores: the starting points the
 * mutation generators corrupt, and the seed objects item requests hit. Each
 * passes today's validation (checked by the fuzz suite's set-up, which
 * creates one of each).
 */
import type { ResourceDef } from '../../registry/types.ts';

/** The namespace the fuzz suite seeds and targets. */
export const FUZZ_NAMESPACE = 'fuzz';

/** The name of the seeded object of every kind. */
export const SEED_NAME = 'seed';

/** apiVersion of a def: 'v1' for core, else 'group/version'. */
export function apiVersionOf(def: ResourceDef): string {
  return def.group === '' ? def.version : `${def.group}/${def.version}`;
}

/**
 * Percent-encodes a path segment from its UTF-8 bytes, keeping only RFC 3986
 * unreserved characters; unlike encodeURIComponent it never throws (a lone
 * surrogate becomes U+FFFD's bytes).
 */
export function encodeSegment(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The collection path of a def in `namespace` (ignored for cluster-scoped kinds), e.g. '/api/v1/namespaces/fuzz/pods'. */
export function collectionPath(def: ResourceDef, namespace: string | undefined): string {
  const base = def.group === '' ? '/api/v1' : `/apis/${def.group}/${def.version}`;
  return def.namespaced && namespace !== undefined ? `${base}/namespaces/${encodeSegment(namespace)}/${def.resource}` : `${base}/${def.resource}`;
}

const podSpec = { containers: [{ name: 'app', image: 'nginx:1.25', ports: [{ containerPort: 80 }], resources: { requests: { cpu: '100m', memory: '64Mi' } } }] };

function spec(kind: string, name: string): Record<string, unknown> {
  switch (kind) {
    case 'Pod':
      return { spec: podSpec };
    case 'Node':
      return { spec: { podCIDR: '10.244.9.0/24' }, status: { capacity: { cpu: '2', memory: '4Gi', pods: '110' } } };
    case 'Service':
      return { spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] } };
    case 'Endpoints':
      return { subsets: [{ addresses: [{ ip: '10.244.0.5' }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }] };
    case 'Event':
      return {
        involvedObject: { kind: 'Pod', namespace: FUZZ_NAMESPACE, name: SEED_NAME, apiVersion: 'v1' },
        reason: 'Fuzzed', message: 'made by the fuzz suite', type: 'Normal', source: { component: 'fuzz' },
      };
    case 'ConfigMap':
      return { data: { 'app.conf': 'key=value\n' } };
    case 'Secret':
      return { type: 'Opaque', data: { password: 'c2VjcmV0' } };
    case 'Deployment':
    case 'ReplicaSet':
      return {
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: name } },
          template: { metadata: { labels: { app: name } }, spec: podSpec },
        },
      };
    case 'EndpointSlice':
      return { addressType: 'IPv4', endpoints: [{ addresses: ['10.244.0.5'], conditions: { ready: true } }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] };
    case 'Lease':
      return { spec: { holderIdentity: 'fuzz', leaseDurationSeconds: 40 } };
    case 'PodDisruptionBudget':
      return { spec: { minAvailable: 1, selector: { matchLabels: { app: name } } } };
    case 'Ingress':
      return { spec: { ingressClassName: 'skiff', rules: [{ host: 'web.fuzz.lan', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name, port: { number: 80 } } } }] } }] } };
    case 'IngressClass':
      return { spec: { controller: 'fuzz.skiff.dev/ingress' } };
    default:
      return {};
  }
}

/**
 * A valid object of `def`'s kind named `name` (in FUZZ_NAMESPACE when
 * namespaced), as plain JSON. Kinds not listed get just their metadata.
 */
export function validObject(def: ResourceDef, name: string): Record<string, unknown> {
  const metadata: Record<string, unknown> = { name, labels: { app: name, fuzz: 'true' }, annotations: { 'fuzz.skiff.dev/note': 'seed' } };
  if (def.namespaced) metadata.namespace = FUZZ_NAMESPACE;
  return { apiVersion: apiVersionOf(def), kind: def.kind, metadata, ...spec(def.kind, name) };
}

/** The defs the fuzz suite targets: every stored (non-virtual) kind. */
export function storedDefs(defs: ResourceDef[]): ResourceDef[] {
  return defs.filter((d) => !d.virtual);
}
