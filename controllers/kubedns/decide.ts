/**
 * What the kube-dns EndpointSlice should hold: one endpoint per Node with
 * an InternalIP (its DNS server, run by the node's proxy), with the node
 * name so internalTrafficPolicy: Local keeps each node's pods on their own
 * node's server; ports dns/UDP and dns-tcp/TCP at the Service's
 * targetPort. Every endpoint is ready, whatever the Node's Ready
 * condition: under Local only the node's own pods use it, and a node cut
 * off from the control plane (Ready Unknown) or with a sick kubelet still
 * answers from its proxy's cache, so its pods keep resolving. Pure;
 * table-tested.
 */
import type { Node, Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import { MANAGED_BY_LABEL, SERVICE_NAME_LABEL } from '../endpointslice/plan.ts';

/** The slice's name (kube-system/kube-dns-nodes). */
export const KUBE_DNS_SLICE_NAME = 'kube-dns-nodes';
/** endpointslice.kubernetes.io/managed-by value of the slice (the EndpointSlice controller leaves it alone). */
export const KUBE_DNS_MANAGER = 'kube-dns-controller.skiff.dev';

/**
 * The wanted slice for `service` and `nodes`, or undefined when the
 * Service has no numeric targetPort (nothing to point at). Endpoints are
 * sorted by node name; nodes without an IPv4 InternalIP, or being deleted,
 * are left out.
 */
export function desiredKubeDNSSlice(service: Service, nodes: Node[]): EndpointSlice | undefined {
  const ports = (service.spec?.ports ?? []).filter((p) => typeof p.targetPort === 'number' || p.targetPort === undefined);
  if (ports.length === 0) return undefined;
  const endpoints = nodes
    .filter((n) => !n.metadata?.deletionTimestamp)
    .map((n) => ({ node: n, ip: n.status?.addresses?.find((a) => a.type === 'InternalIP' && /^\d+\.\d+\.\d+\.\d+$/.test(a.address))?.address }))
    .filter((x): x is { node: Node; ip: string } => x.ip !== undefined)
    .sort((a, b) => ((a.node.metadata?.name ?? '') < (b.node.metadata?.name ?? '') ? -1 : 1))
    .map(({ node, ip }) => ({
      addresses: [ip],
      conditions: { ready: true, serving: true, terminating: false },
      nodeName: node.metadata?.name,
      targetRef: { kind: 'Node', name: node.metadata?.name, uid: node.metadata?.uid },
    }));
  const m = service.metadata ?? {};
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: KUBE_DNS_SLICE_NAME, namespace: m.namespace,
      labels: { [SERVICE_NAME_LABEL]: m.name ?? '', [MANAGED_BY_LABEL]: KUBE_DNS_MANAGER },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: m.name ?? '', uid: m.uid ?? '', controller: true, blockOwnerDeletion: true }],
    },
    addressType: 'IPv4',
    endpoints,
    ports: ports.map((p) => ({ name: p.name, protocol: p.protocol ?? 'TCP', port: typeof p.targetPort === 'number' ? p.targetPort : p.port })),
  };
}

/** Whether `current` already holds what `want` says (labels, owner, endpoints, ports). */
export function sliceUpToDate(current: EndpointSlice, want: EndpointSlice): boolean {
  const pick = (s: EndpointSlice): string => JSON.stringify([
    s.metadata?.labels?.[SERVICE_NAME_LABEL], s.metadata?.labels?.[MANAGED_BY_LABEL],
    (s.metadata?.ownerReferences ?? []).map((r) => r.uid), s.addressType, s.endpoints ?? [], s.ports ?? [],
  ]);
  return pick(current) === pick(want);
}
