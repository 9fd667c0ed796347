/**
 * The kube-dns controller (Skiff's; no Kubernetes counterpart, since
 * CoreDNS runs as pods there): keeps kube-system/kube-dns-nodes, the
 * EndpointSlice of the selector-less kube-dns Service, listing every Node's
 * DNS server (decide.ts). One key; level based: any Node change or a change
 * to the Service or the slice re-runs it. The Service itself is created by
 * the apiserver's bootstrap (apiserver/kube-dns.ts); without it nothing is
 * written, and the garbage collector removes the slice with the Service.
 */
import type { Node, Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import type { ReconcileResult } from '../../apiserver/client/controller.ts';
import type { Informer } from '../../apiserver/client/informer-types.ts';
import { EndpointSlices, Nodes, Services } from '../../apiserver/client/resources.ts';
import { isNotFound } from '../../apiserver/client/types.ts';
import { createWorkQueue } from '../../apiserver/client/workqueue.ts';
import { KUBE_DNS_NAME, KUBE_DNS_NAMESPACE } from '../../apiserver/kube-dns.ts';
import type { ControllerDeps } from '../deps.ts';
import { runWhenSynced } from '../run.ts';
import { desiredKubeDNSSlice, KUBE_DNS_SLICE_NAME, sliceUpToDate } from './decide.ts';

const KEY = `${KUBE_DNS_NAMESPACE}/${KUBE_DNS_NAME}`;

/** The controller's parts, exposed for tests. */
export function createKubeDNSController(deps: ControllerDeps) {
  const nodes: Informer<Node> = deps.informers.for<Node>(Nodes);
  const services: Informer<Service> = deps.informers.for<Service>(Services);
  const slices: Informer<EndpointSlice> = deps.informers.for<EndpointSlice>(EndpointSlices, { namespace: KUBE_DNS_NAMESPACE });
  const queue = createWorkQueue<string>({ metrics: deps.queueMetrics?.forQueue('kubedns'), baseDelayMs: 200, maxDelayMs: 30_000 });
  const enqueue = (): void => queue.add(KEY);
  nodes.addHandlers({ onAdd: enqueue, onUpdate: enqueue, onDelete: enqueue });
  const ours = (o: { metadata?: { namespace?: string; name?: string } }, name: string): boolean => o.metadata?.namespace === KUBE_DNS_NAMESPACE && o.metadata?.name === name;
  services.addHandlers({ onAdd: (s) => ours(s, KUBE_DNS_NAME) && enqueue(), onUpdate: (_o, s) => ours(s, KUBE_DNS_NAME) && enqueue(), onDelete: () => undefined });
  slices.addHandlers({ onAdd: () => undefined, onUpdate: (_o, s) => ours(s, KUBE_DNS_SLICE_NAME) && enqueue(), onDelete: (s) => ours(s, KUBE_DNS_SLICE_NAME) && enqueue() });

  const reconcile = async (): Promise<ReconcileResult> => {
    const svc = services.get(KEY);
    if (!svc || svc.metadata?.deletionTimestamp) return;
    const want = desiredKubeDNSSlice(svc, nodes.list());
    if (!want) return;
    const current = slices.get(`${KUBE_DNS_NAMESPACE}/${KUBE_DNS_SLICE_NAME}`);
    if (current && sliceUpToDate(current, want)) return;
    try {
      if (current) await deps.client.update<EndpointSlice>(EndpointSlices, { ...want, metadata: { ...current.metadata, ...want.metadata, resourceVersion: current.metadata?.resourceVersion } }, KUBE_DNS_NAMESPACE);
      else await deps.client.create<EndpointSlice>(EndpointSlices, want, KUBE_DNS_NAMESPACE);
    } catch (e) {
      if (isNotFound(e)) return { requeueAfterMs: 1000 };
      throw e;
    }
    deps.log.info('kube-dns endpoints written', { nodes: (want.endpoints ?? []).map((e) => `${e.nodeName}=${e.addresses[0]}`) });
    return;
  };
  return { queue, reconcile };
}

/** Starts the controller: informers now, one worker once they synced, until `signal` aborts. */
export function startKubeDNSController(deps: ControllerDeps, signal: AbortSignal): void {
  const c = createKubeDNSController(deps);
  runWhenSynced(deps, 'kube-dns controller', c, 1, signal, () => c.queue.add(KEY));
}
