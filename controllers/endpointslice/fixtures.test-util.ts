/**
 * Builders for the EndpointSlice controller's tests.
 */
import type { Pod, Service, ServicePort } from 'kubernetes-types/core/v1';

/** A ClusterIP service selecting app=<selector> in `ns`. */
export function service(name: string, ports: ServicePort[], opts: { ns?: string; selector?: Record<string, string> | null; clusterIP?: string; uid?: string; labels?: Record<string, string> } = {}): Service {
  const spec: Service['spec'] = { ports, clusterIP: opts.clusterIP ?? '10.96.0.10' };
  if (opts.selector !== null) spec.selector = opts.selector ?? { app: name };
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: opts.ns ?? 'default', uid: opts.uid ?? `uid-${name}`, labels: opts.labels }, spec };
}

/** A running pod with labels app=<app>, an IP (unless ip is ''), ready unless told otherwise. */
export function pod(name: string, app: string, ip: string, opts: { ns?: string; ready?: boolean; node?: string; deleting?: boolean; phase?: string; ports?: Array<{ name: string; containerPort: number; protocol?: string }> } = {}): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name, namespace: opts.ns ?? 'default', uid: `uid-${name}`, labels: { app },
      ...(opts.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: { nodeName: opts.node ?? 'node-1', containers: [{ name: 'c', image: 'busybox', ports: opts.ports }] },
    status: {
      phase: opts.phase ?? 'Running',
      ...(ip ? { podIP: ip, podIPs: [{ ip }] } : {}),
      conditions: [{ type: 'Ready', status: (opts.ready ?? true) ? 'True' : 'False' }],
    },
  };
}
