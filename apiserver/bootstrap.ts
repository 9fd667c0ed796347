/**
 * Objects every cluster has, created idempotently at API server start through
 * the stores (so strategies run): the namespaces default, kube-system,
 * kube-public, kube-node-lease, and the Service default/kubernetes.
 */
import ipaddr from 'ipaddr.js';
import type { Service } from 'kubernetes-types/core/v1';
import type { Logger } from './api/log.ts';
import type { KubeObject } from './api/object.ts';
import { StatusError } from './api/errors.ts';
import type { Registry } from './registry/registry.ts';
import type { ResourceStore } from './registry/store.ts';

/** The namespaces created at start. */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** The first usable address of a CIDR ('10.96.0.0/12' → '10.96.0.1'); throws on a bad CIDR. */
export function firstAddress(cidr: string): string {
  const [addr] = ipaddr.parseCIDR(cidr);
  const bytes = addr.toByteArray();
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i] < 255) {
      bytes[i] += 1;
      break;
    }
    bytes[i] = 0;
  }
  return ipaddr.fromByteArray(bytes).toString();
}

/** The default/kubernetes Service: ClusterIP = first service address, 443 → 6443, no selector. */
export function kubernetesService(serviceCIDR: string, apiPort = 6443): Service {
  const ip = firstAddress(serviceCIDR);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: {
      type: 'ClusterIP',
      clusterIP: ip,
      clusterIPs: [ip],
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: apiPort }],
      sessionAffinity: 'None',
    },
  };
}

/** The stored object, or undefined when the store answers 404. */
async function existing(store: ResourceStore, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
  try {
    return await store.get(namespace, name);
  } catch (e) {
    if (e instanceof StatusError && e.code === 404) return undefined;
    throw e;
  }
}

/**
 * Creates `obj` through the store unless it exists. It looks first, as
 * Kubernetes' bootstrap controller does, because a create of an existing
 * object fails in an allocation hook (its ClusterIP is taken) before the txn
 * would answer AlreadyExists. A create that fails (AlreadyExists, or that
 * allocation error when another server's bootstrap won the race) counts as
 * done when the object now exists.
 */
async function createIfMissing(registry: Registry, resource: string, namespace: string | undefined, obj: KubeObject, log: Logger): Promise<void> {
  const store = registry.find('', 'v1', resource);
  if (!store) throw new Error(`bootstrap: resource ${resource} is not served`);
  const name = obj.metadata?.name ?? '';
  if (await existing(store, namespace, name)) return;
  try {
    await store.create(namespace, obj);
    log.info('bootstrap: created', { resource, namespace, name });
  } catch (e) {
    if (e instanceof StatusError && (await existing(store, namespace, name))) return;
    throw e;
  }
}

/** Creates the system namespaces and the kubernetes Service if absent. Safe to run on every start. */
export async function bootstrap(registry: Registry, serviceCIDR: string, log: Logger, apiPort = 6443): Promise<void> {
  for (const name of SYSTEM_NAMESPACES) await createIfMissing(registry, 'namespaces', undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, log);
  await createIfMissing(registry, 'services', 'default', kubernetesService(serviceCIDR, apiPort), log);
}
