/**
 * What a Pod contributes to its Services' endpoints: selection, conditions
 * and target-port resolution (kubernetes pkg/controller/endpointslice/utils.go,
 * podutil.FindPort, endpointutil.ShouldPodBeInEndpoints).
 */
import type { Pod, Service, ServicePort } from 'kubernetes-types/core/v1';
import type { EndpointConditions, EndpointPort } from 'kubernetes-types/discovery/v1';

/** Whether `pod` is in the service's namespace and matches its (non-empty) selector. */
export function podMatchesService(service: Service, pod: Pod): boolean {
  const selector = service.spec?.selector;
  if (!selector || Object.keys(selector).length === 0) return false;
  if ((pod.metadata?.namespace ?? 'default') !== (service.metadata?.namespace ?? 'default')) return false;
  const labels = pod.metadata?.labels ?? {};
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** Whether the pod has the Ready condition True. */
export function podReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Whether the pod can be an endpoint at all: it has an IPv4 podIP and is not in a terminal phase. */
export function podIsCandidate(pod: Pod): boolean {
  const ip = pod.status?.podIP;
  if (!ip || ip.includes(':')) return false;
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed';
}

/**
 * EndpointSlice conditions of a pod: serving = Ready (or the service
 * publishes not-ready addresses), terminating = being deleted, ready =
 * serving and not terminating (a terminating pod is never ready).
 */
export function podConditions(service: Service, pod: Pod): Required<Pick<EndpointConditions, 'ready' | 'serving' | 'terminating'>> {
  const terminating = Boolean(pod.metadata?.deletionTimestamp);
  const serving = service.spec?.publishNotReadyAddresses === true || podReady(pod);
  return { ready: serving && !terminating, serving, terminating };
}

/**
 * The port a service port targets in this pod: a number targetPort as is, a
 * named one looked up among the pod's container ports (same protocol), no
 * targetPort = the service port. Undefined if a name is not found.
 */
export function resolveTargetPort(sp: ServicePort, pod: Pod): number | undefined {
  const target = sp.targetPort;
  if (target === undefined || target === '') return sp.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = sp.protocol ?? 'TCP';
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    for (const p of c.ports ?? []) {
      if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
    }
  }
  return undefined;
}

/** The EndpointSlice ports of `pod` for `service`: one per service port whose target resolves, in service order. */
export function endpointPorts(service: Service, pod: Pod): EndpointPort[] {
  const out: EndpointPort[] = [];
  for (const sp of service.spec?.ports ?? []) {
    const port = resolveTargetPort(sp, pod);
    if (port === undefined) continue;
    const ep: EndpointPort = { name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP' };
    if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
    out.push(ep);
  }
  return out;
}

/** A stable key of a port list (order-insensitive), to group endpoints that share ports. */
export function portsKey(ports: readonly EndpointPort[]): string {
  return JSON.stringify([...ports].map((p) => [p.name ?? '', p.protocol ?? 'TCP', p.port ?? 0, p.appProtocol ?? ''])
    .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)));
}
