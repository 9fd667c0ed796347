/**
 * Small builders for Services and EndpointSlices used by the proxy's tests.
 */
import type { Service, ServicePort } from 'kubernetes-types/core/v1';
import type { Endpoint, EndpointSlice } from 'kubernetes-types/discovery/v1';

/** A ClusterIP Service `ns/name` with the given ports. */
export function svc(ns: string, name: string, clusterIP: string, ports: ServicePort[], extra: Partial<Service['spec']> = {}): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name }, spec: { clusterIP, ports, ...extra } };
}

/** An endpoint with one address; ready unless told otherwise. */
export function ep(ip: string, ready = true, extra: Partial<Endpoint> = {}): Endpoint {
  return { addresses: [ip], conditions: { ready, serving: ready, terminating: false }, ...extra };
}

/** An IPv4 EndpointSlice for service `ns/service` with the given ports and endpoints. */
export function slice(ns: string, service: string, name: string, ports: Array<{ name?: string; port: number; protocol?: string }>, endpoints: Endpoint[]): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
    metadata: { namespace: ns, name, labels: { 'kubernetes.io/service-name': service } },
    ports: ports.map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' })),
    endpoints,
  };
}
