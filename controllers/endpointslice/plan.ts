/**
 * The pure EndpointSlice planner (kubernetes pkg/controller/endpointslice
 * reconciler.go, simplified): desired endpoints of a Service, grouped by port
 * set, packed into slices of at most 100, keeping endpoints in the slice
 * that already holds them to limit churn.
 */
import type { Pod, Service } from 'kubernetes-types/core/v1';
import type { Endpoint, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1';
import type { OwnerReference } from 'kubernetes-types/meta/v1';
import { compareIP } from '../../apiserver/client/ipv4.ts';
import { endpointPorts, podConditions, podIsCandidate, podMatchesService, portsKey } from './pods.ts';
import { newControllerRef } from '../../apiserver/api/owner-references.ts';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';
/** kube-controller-manager's default --max-endpoints-per-slice. */
export const MAX_ENDPOINTS_PER_SLICE = 100;

/** What to write: new slices (generateName set), changed slices (with resourceVersion), slices to delete. */
export interface SlicePlan {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
}

interface Desired { ip: string; endpoint: Endpoint; ports: EndpointPort[] }

/** Whether `slice` is one this controller manages for `service`. */
export function isManagedSliceOf(service: Service, slice: EndpointSlice): boolean {
  const labels = slice.metadata?.labels ?? {};
  return labels[MANAGED_BY_LABEL] === CONTROLLER_NAME && labels[SERVICE_NAME_LABEL] === service.metadata?.name
    && (slice.metadata?.namespace ?? 'default') === (service.metadata?.namespace ?? 'default');
}

/** Labels every slice of `service` carries: the service's own labels, service-name, managed-by, headless. */
export function sliceLabels(service: Service): Record<string, string> {
  const labels: Record<string, string> = { ...(service.metadata?.labels ?? {}) };
  labels[SERVICE_NAME_LABEL] = service.metadata?.name ?? '';
  labels[MANAGED_BY_LABEL] = CONTROLLER_NAME;
  if (service.spec?.clusterIP === 'None') labels[HEADLESS_LABEL] = '';
  else delete labels[HEADLESS_LABEL];
  return labels;
}

/** The controller ownerReference of a slice to its Service. */
export function serviceOwnerRef(service: Service): OwnerReference {
  return newControllerRef(service, 'v1', 'Service');
}

/** The desired endpoint of each selected pod with a podIP, one per IP, sorted by IP. */
export function desiredEndpoints(service: Service, pods: Pod[]): Desired[] {
  const byIP = new Map<string, Desired>();
  for (const pod of pods) {
    if (!podMatchesService(service, pod) || !podIsCandidate(pod)) continue;
    const ip = pod.status?.podIP ?? '';
    const endpoint: Endpoint = {
      addresses: [ip],
      conditions: podConditions(service, pod),
      targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace ?? 'default', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' },
    };
    if (pod.spec?.nodeName) endpoint.nodeName = pod.spec.nodeName;
    if (pod.spec?.hostname && pod.spec.subdomain === service.metadata?.name) endpoint.hostname = pod.spec.hostname;
    const prev = byIP.get(ip);
    // Two pods with one IP (e.g. a replaced pod not yet gone): prefer the ready one.
    if (!prev || (endpoint.conditions?.ready && !prev.endpoint.conditions?.ready)) {
      byIP.set(ip, { ip, endpoint, ports: endpointPorts(service, pod) });
    }
  }
  return [...byIP.values()].sort((a, b) => compareIP(a.ip, b.ip));
}

/**
 * Plans the EndpointSlices of `service` from `pods` (any pods; selection by
 * namespace + selector happens here) and `existing` slices (any; only the
 * ones managed for this service are considered). Endpoints stay in the slice
 * that holds them; free room in existing slices is filled before new slices
 * are created; slices left empty are deleted; a service with no endpoints
 * keeps exactly one empty placeholder slice, as Kubernetes does. Services
 * without a selector, and ExternalName services, get no slices (all managed
 * ones are deleted). Deterministic.
 */
export function planSlices(service: Service, pods: Pod[], existing: EndpointSlice[], maxPerSlice = MAX_ENDPOINTS_PER_SLICE): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const mine = existing.filter((s) => isManagedSliceOf(service, s))
    .sort((a, b) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1));
  const selector = service.spec?.selector;
  if (!selector || Object.keys(selector).length === 0 || service.spec?.type === 'ExternalName') {
    plan.delete.push(...mine);
    return plan;
  }

  const desired = desiredEndpoints(service, pods);
  if (desired.length === 0) {
    const [keep, ...rest] = mine;
    plan.delete.push(...rest);
    const placeholder = withContent(service, keep, [], []);
    if (!keep) plan.create.push(placeholder);
    else if (changed(keep, placeholder)) plan.update.push(placeholder);
    return plan;
  }

  const groups = new Map<string, { ports: EndpointPort[]; byIP: Map<string, Endpoint>; placed: Set<string> }>();
  for (const d of desired) {
    const key = portsKey(d.ports);
    const g = groups.get(key) ?? { ports: d.ports, byIP: new Map<string, Endpoint>(), placed: new Set<string>() };
    g.byIP.set(d.ip, d.endpoint);
    groups.set(key, g);
  }

  // Existing slices keep the endpoints they hold that are still wanted.
  const slots: Array<{ key: string; slice?: EndpointSlice; endpoints: Endpoint[] }> = [];
  for (const slice of mine) {
    const key = portsKey(slice.ports ?? []);
    const g = groups.get(key);
    if (!g) { plan.delete.push(slice); continue; }
    const kept: Endpoint[] = [];
    for (const ep of slice.endpoints ?? []) {
      const ip = ep.addresses?.[0] ?? '';
      const want = g.byIP.get(ip);
      if (!want || g.placed.has(ip) || kept.length >= maxPerSlice) continue;
      g.placed.add(ip);
      kept.push(want);
    }
    slots.push({ key, slice, endpoints: kept });
  }
  // New endpoints fill the fullest existing slices first, then new slices.
  for (const [key, g] of groups) {
    const remaining = [...g.byIP.keys()].filter((ip) => !g.placed.has(ip));
    const open = slots.filter((s) => s.key === key && s.endpoints.length > 0).sort((a, b) => b.endpoints.length - a.endpoints.length);
    for (const slot of [...open, ...slots.filter((s) => s.key === key && s.endpoints.length === 0)]) {
      while (remaining.length > 0 && slot.endpoints.length < maxPerSlice) {
        const ip = remaining.shift() ?? '';
        slot.endpoints.push(g.byIP.get(ip) as Endpoint);
      }
    }
    while (remaining.length > 0) {
      const chunk = remaining.splice(0, maxPerSlice);
      slots.push({ key, endpoints: chunk.map((ip) => g.byIP.get(ip) as Endpoint) });
    }
  }

  for (const slot of slots) {
    if (slot.endpoints.length === 0) {
      if (slot.slice) plan.delete.push(slot.slice);
      continue;
    }
    const g = groups.get(slot.key);
    const next = withContent(service, slot.slice, slot.endpoints, g?.ports ?? []);
    if (!slot.slice) plan.create.push(next);
    else if (changed(slot.slice, next)) plan.update.push(next);
  }
  return plan;
}

/** `base` (or a new slice when undefined) with the desired endpoints, ports, labels and owner. */
function withContent(service: Service, base: EndpointSlice | undefined, endpoints: Endpoint[], ports: EndpointPort[]): EndpointSlice {
  const sorted = [...endpoints].sort((a, b) => compareIP(a.addresses?.[0] ?? '', b.addresses?.[0] ?? ''));
  const otherOwners = (base?.metadata?.ownerReferences ?? []).filter((r) => !(r.kind === 'Service' && r.controller));
  const metadata = base
    ? { ...base.metadata, labels: sliceLabels(service), ownerReferences: [serviceOwnerRef(service), ...otherOwners] }
    : {
      generateName: `${service.metadata?.name ?? ''}-`, namespace: service.metadata?.namespace ?? 'default',
      labels: sliceLabels(service), ownerReferences: [serviceOwnerRef(service)],
    };
  return { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata, addressType: 'IPv4', endpoints: sorted, ports };
}

/** Whether the parts of a slice this controller owns differ. */
function changed(current: EndpointSlice, next: EndpointSlice): boolean {
  const norm = (s: EndpointSlice): string => JSON.stringify({
    labels: sortedObject(s.metadata?.labels ?? {}),
    owners: (s.metadata?.ownerReferences ?? []).map((r) => [r.apiVersion, r.kind, r.name, r.uid, r.controller ?? false, r.blockOwnerDeletion ?? false]),
    addressType: s.addressType,
    ports: (s.ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP', appProtocol: p.appProtocol })),
    endpoints: (s.endpoints ?? []).map((e) => ({
      addresses: e.addresses, hostname: e.hostname, nodeName: e.nodeName,
      conditions: { ready: e.conditions?.ready, serving: e.conditions?.serving, terminating: e.conditions?.terminating },
      targetRef: e.targetRef && { kind: e.targetRef.kind, namespace: e.targetRef.namespace, name: e.targetRef.name, uid: e.targetRef.uid },
    })),
  });
  return norm(current) !== norm(next);
}

function sortedObject(o: Record<string, string>): Array<[string, string]> {
  return Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1));
}
