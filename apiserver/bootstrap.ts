/**
 * Objects every cluster has, created idempotently at API server start through
 * the stores (so strategies run): the namespaces default, kube-system,
 * kube-public, kube-node-lease, the Services default/kubernetes and
 * kube-system/kube-dns (kube-dns.ts), the default IngressClass `skiff`
 * (api/ingress-class.ts) and, when the
 * server knows its advertise address, that Service's Endpoints and
 * EndpointSlice (reconciled to the address and port on every start; the
 * decisions are in kubernetes-endpoints.ts).
 */
import ipaddr from 'ipaddr.js';
import type { Endpoints, Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import type { Logger } from './api/log.ts';
import type { KubeObject } from './api/object.ts';
import { StatusError } from './api/errors.ts';
import { skiffIngressClass } from './api/ingress-class.ts';
import type { Registry } from './registry/registry.ts';
import type { ResourceStore } from './registry/store.ts';
import {
  apiEndpoint, decideEndpoints, decideEndpointSlice, KUBERNETES_NAME, KUBERNETES_NAMESPACE, type ApiEndpoint, type EndpointsWrite,
} from './kubernetes-endpoints.ts';
import { KUBE_DNS_NAMESPACE, kubeDNSService } from './kube-dns.ts';

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
async function createIfMissing(registry: Registry, resource: string, namespace: string | undefined, obj: KubeObject, log: Logger, group = ''): Promise<void> {
  const store = registry.find(group, 'v1', resource);
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

/** Conflicts and races with another server tolerated per object before `syncOne` gives up (runApiServer then retries bootstrap). */
const SYNC_ATTEMPTS = 5;

/**
 * Brings default/kubernetes of `store`'s resource to what `decide` wants:
 * reads it, decides, writes (create, CAS update on the read
 * resourceVersion, or delete-then-create), and on a 409 or 404 (another
 * server wrote or deleted it meanwhile) reads and decides again. Returns
 * the action taken ('none': nothing written). Throws other errors, or the
 * last 409/404 after SYNC_ATTEMPTS tries.
 */
async function syncOne<T extends KubeObject>(store: ResourceStore, decide: (current: T | undefined) => EndpointsWrite<T>, ep: ApiEndpoint, log: Logger): Promise<EndpointsWrite<T>['action']> {
  for (let attempt = 1; ; attempt++) {
    const current = (await existing(store, KUBERNETES_NAMESPACE, KUBERNETES_NAME)) as T | undefined;
    const d = decide(current);
    try {
      if (d.action === 'none') return 'none';
      if (d.action === 'update') await store.update(KUBERNETES_NAMESPACE, KUBERNETES_NAME, d.object);
      else {
        if (d.action === 'recreate') await store.delete(KUBERNETES_NAMESPACE, KUBERNETES_NAME, { preconditions: { uid: current?.metadata?.uid } });
        await store.create(KUBERNETES_NAMESPACE, d.object);
      }
      log.info('bootstrap: kubernetes endpoints written', { resource: store.def.resource, action: d.action, address: ep.address, port: ep.port });
      return d.action;
    } catch (e) {
      if (attempt < SYNC_ATTEMPTS && e instanceof StatusError && (e.code === 409 || e.code === 404)) continue;
      throw e;
    }
  }
}

/**
 * Reconciles the Endpoints and the EndpointSlice default/kubernetes to
 * `advertiseAddress`:`apiPort` plus `peers` (the other live API servers'
 * addresses, same port; level-based: a changed set or port is written, an
 * unchanged one is not). Throws on a bad address or port, or
 * when a store is not served.
 */
export async function reconcileKubernetesEndpoints(registry: Registry, advertiseAddress: string, apiPort: number, log: Logger, peers: string[] = []): Promise<void> {
  const ep = { ...apiEndpoint(advertiseAddress, apiPort), peers };
  const endpoints = registry.find('', 'v1', 'endpoints');
  const slices = registry.find('discovery.k8s.io', 'v1', 'endpointslices');
  if (!endpoints || !slices) throw new Error('bootstrap: endpoints or endpointslices are not served');
  await syncOne<Endpoints>(endpoints, (cur) => decideEndpoints(cur, ep), ep, log);
  await syncOne<EndpointSlice>(slices, (cur) => decideEndpointSlice(cur, ep), ep, log);
}

/**
 * Creates the system namespaces and the kubernetes and kube-dns Services if absent and,
 * given `advertiseAddress`, reconciles the Service's Endpoints and
 * EndpointSlice to it and `apiPort` (without one, none are written). Safe
 * to run on every start. Throws on storage errors and a bad address.
 */
export async function bootstrap(registry: Registry, serviceCIDR: string, log: Logger, apiPort = 6443, advertiseAddress?: string): Promise<void> {
  for (const name of SYSTEM_NAMESPACES) await createIfMissing(registry, 'namespaces', undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, log);
  await createIfMissing(registry, 'services', 'default', kubernetesService(serviceCIDR, apiPort), log);
  await createIfMissing(registry, 'services', KUBE_DNS_NAMESPACE, kubeDNSService(serviceCIDR), log);
  if (registry.find('networking.k8s.io', 'v1', 'ingressclasses')) await createIfMissing(registry, 'ingressclasses', undefined, skiffIngressClass(), log, 'networking.k8s.io');
  if (advertiseAddress !== undefined) await reconcileKubernetesEndpoints(registry, advertiseAddress, apiPort, log);
}
