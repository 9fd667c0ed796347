/**
 * Large synthetic proxy states for measuring sync cost (kube-proxy's
 * scale tests): `n` ClusterIP Services with one TCP port each, `k` ready
 * endpoints per Service in one EndpointSlice, every tenth one a NodePort.
 */
import type { Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import type { ProxyState } from './backend.ts';
import { ep, slice, svc } from './fixtures.test-util.ts';

/** The i-th address of 10.96.0.0/12 (i < 2^20 - 2), skipping .0. */
function serviceIP(i: number): string {
  const n = i + 10;
  return `10.${96 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
}

/** The j-th pod address of 10.244.0.0/16 spread over 16 nodes' /24s. */
function podIP(j: number): string {
  return `10.244.${j % 16}.${2 + (Math.floor(j / 16) % 250)}`;
}

/** `n` Services × `k` endpoints (see file doc). Deterministic. */
export function scaleState(n: number, k: number): ProxyState {
  const services: Service[] = [];
  const endpointSlices: EndpointSlice[] = [];
  let j = 0;
  for (let i = 0; i < n; i++) {
    const name = `svc-${i}`;
    const nodePort = i % 10 === 0 && i / 10 < 2700 ? 30000 + i / 10 : undefined;
    services.push(svc('bench', name, serviceIP(i), [{ name: 'http', port: 80, targetPort: 8080, nodePort }], nodePort ? { type: 'NodePort' } : {}));
    const eps = [];
    for (let e = 0; e < k; e++) eps.push(ep(podIP(j++), true, { nodeName: `node-${j % 16}` }));
    endpointSlices.push(slice('bench', name, `${name}-abc`, [{ name: 'http', port: 8080 }], eps));
  }
  return { services, endpointSlices };
}

/** `state` with one endpoint of Service `index` replaced by a new address (a pod restart). New arrays; the other objects are shared. */
export function withEndpointChange(state: ProxyState, index: number, generation: number): ProxyState {
  const endpointSlices = [...state.endpointSlices];
  const old = endpointSlices[index]!;
  const endpoints = [...(old.endpoints ?? [])];
  endpoints[0] = ep(`10.245.${generation % 250}.${1 + (index % 250)}`, true, { nodeName: 'node-0' });
  endpointSlices[index] = { ...old, metadata: { ...old.metadata, resourceVersion: String(generation) }, endpoints };
  return { services: state.services, endpointSlices };
}
