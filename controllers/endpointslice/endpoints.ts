/**
 * The legacy core/v1 Endpoints of a Service (kubernetes
 * pkg/controller/endpoint/endpoints_controller.go, simplified): one object
 * named like the service, subsets grouped by resolved port set.
 */
import type { EndpointAddress, EndpointPort, EndpointSubset, Endpoints, Pod, Service } from 'kubernetes-types/core/v1';
import { compareIP } from '../../apiserver/client/ipv4.ts';
import { endpointPorts, podConditions, podIsCandidate, podMatchesService, portsKey } from './pods.ts';

/** Labels of the Endpoints object: the service's labels, plus headless when clusterIP is None. */
export function endpointsLabels(service: Service): Record<string, string> {
  const labels: Record<string, string> = { ...(service.metadata?.labels ?? {}) };
  if (service.spec?.clusterIP === 'None') labels['service.kubernetes.io/headless'] = '';
  return labels;
}

/**
 * The desired Endpoints of a selector service. Ready pods go to
 * `addresses`, not-ready ones to `notReadyAddresses`; terminating pods are
 * left out (unless publishNotReadyAddresses); pods without IP or in a
 * terminal phase are skipped. Subsets are sorted by port set, addresses by
 * IP; empty lists are omitted; no pods → `subsets: []`.
 */
export function desiredEndpointsObject(service: Service, pods: Pod[]): Endpoints {
  const groups = new Map<string, { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }>();
  const seen = new Set<string>();
  const publish = service.spec?.publishNotReadyAddresses === true;
  for (const pod of pods) {
    if (!podMatchesService(service, pod) || !podIsCandidate(pod)) continue;
    const cond = podConditions(service, pod);
    if (cond.terminating && !publish) continue;
    const ip = pod.status?.podIP ?? '';
    if (seen.has(ip)) continue;
    seen.add(ip);
    const sliced = endpointPorts(service, pod);
    if (sliced.length === 0 && (service.spec?.ports ?? []).length > 0) continue;
    const ports: EndpointPort[] = sliced.map((p) => {
      const out: EndpointPort = { port: p.port ?? 0, protocol: p.protocol ?? 'TCP' };
      if (p.name) out.name = p.name;
      if (p.appProtocol) out.appProtocol = p.appProtocol;
      return out;
    });
    const address: EndpointAddress = {
      ip,
      targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace ?? 'default', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' },
    };
    if (pod.spec?.nodeName) address.nodeName = pod.spec.nodeName;
    if (pod.spec?.hostname && pod.spec.subdomain === service.metadata?.name) address.hostname = pod.spec.hostname;
    const key = portsKey(ports);
    const g = groups.get(key) ?? { ports, ready: [], notReady: [] };
    (cond.ready || publish ? g.ready : g.notReady).push(address);
    groups.set(key, g);
  }
  const subsets: EndpointSubset[] = [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, g]) => {
    const subset: EndpointSubset = {};
    const byIP = (x: EndpointAddress, y: EndpointAddress): number => compareIP(x.ip, y.ip);
    if (g.ready.length > 0) subset.addresses = g.ready.sort(byIP);
    if (g.notReady.length > 0) subset.notReadyAddresses = g.notReady.sort(byIP);
    if (g.ports.length > 0) subset.ports = g.ports;
    return subset;
  });
  return {
    apiVersion: 'v1', kind: 'Endpoints',
    metadata: { name: service.metadata?.name ?? '', namespace: service.metadata?.namespace ?? 'default', labels: endpointsLabels(service) },
    subsets,
  };
}

/**
 * Decides the write for the Endpoints of a selector service: 'create' when
 * absent, 'update' (keeping the current metadata, incl. resourceVersion)
 * when subsets or labels differ, else 'none'.
 */
export function planEndpoints(service: Service, pods: Pod[], current: Endpoints | undefined): { action: 'create' | 'update' | 'none'; object: Endpoints } {
  const desired = desiredEndpointsObject(service, pods);
  if (!current) return { action: 'create', object: desired };
  const same = JSON.stringify(normalize(current.subsets ?? [])) === JSON.stringify(normalize(desired.subsets ?? []))
    && JSON.stringify(sortLabels(current.metadata?.labels)) === JSON.stringify(sortLabels(desired.metadata?.labels));
  if (same) return { action: 'none', object: current };
  return { action: 'update', object: { ...current, metadata: { ...current.metadata, labels: desired.metadata?.labels }, subsets: desired.subsets } };
}

function sortLabels(l: Record<string, string> | undefined): Array<[string, string]> {
  return Object.entries(l ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
}

function normalize(subsets: EndpointSubset[]): unknown {
  const addr = (a: EndpointAddress): unknown => [a.ip, a.hostname ?? '', a.nodeName ?? '', a.targetRef?.name ?? '', a.targetRef?.uid ?? ''];
  return subsets.map((s) => ({
    a: (s.addresses ?? []).map(addr),
    n: (s.notReadyAddresses ?? []).map(addr),
    p: (s.ports ?? []).map((p) => [p.name ?? '', p.port, p.protocol ?? 'TCP', p.appProtocol ?? '']),
  }));
}
