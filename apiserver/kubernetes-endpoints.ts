/**
 * The Endpoints and EndpointSlice `default/kubernetes`: where pods reach the
 * API behind the `kubernetes` Service's ClusterIP. The Service has no
 * selector, so no controller fills them; the API server writes them itself
 * with its advertise address and port, as kube-apiserver's endpoint
 * reconciler does (pkg/controlplane/reconcilers/endpointsadapter.go:
 * one subset / one slice named after the Service, port `https`/TCP, the
 * Endpoints labelled `endpointslice.kubernetes.io/skip-mirror: "true"`, the
 * slice labelled `kubernetes.io/service-name: kubernetes` and no managed-by
 * label, so the endpointslice controller leaves it alone). This file is the
 * pure decide step; bootstrap.ts applies it through the registry.
 */
import { isDeepStrictEqual } from 'node:util';
import ipaddr from 'ipaddr.js';
import type { Endpoints } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';

/** Namespace and name of the Service, its Endpoints and its slice. */
export const KUBERNETES_NAMESPACE = 'default';
/** See KUBERNETES_NAMESPACE. */
export const KUBERNETES_NAME = 'kubernetes';
/** Keeps the EndpointSlice mirroring controller off these Endpoints (discovery.LabelSkipMirror). */
export const SKIP_MIRROR_LABEL = 'endpointslice.kubernetes.io/skip-mirror';
/** Names the Service a slice belongs to (discovery.LabelServiceName). */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** Where this API server is reached: its advertise IP (canonical text) and secure port; `peers`: the other live servers' addresses. */
export interface ApiEndpoint {
  address: string;
  port: number;
  /** Other live API servers (from their endpoint Leases); only those of `address`'s family are listed. */
  peers?: string[];
}

/** Every address the endpoints list: `ep.address` and its peers of the same family, sorted, unique. Pure. */
export function endpointAddresses(ep: ApiEndpoint): string[] {
  const family = addressTypeOf(ep.address);
  return [...new Set([ep.address, ...(ep.peers ?? []).filter((a) => addressTypeOf(a) === family)])].sort();
}

/**
 * Checks an advertise address and port and returns the canonical endpoint
 * (IPv4 dotted quad; IPv6 in RFC 5952 form, as Go's net.IP.String()).
 * Throws an Error naming the bad value: not an IP (IPv4 must be four
 * decimal parts; no IPv6 zone), or a port outside 1..65535.
 */
export function apiEndpoint(address: string, port: number): ApiEndpoint {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`apiserver port ${port} is not in 1..65535`);
  if (ipaddr.IPv4.isValidFourPartDecimal(address)) return { address: ipaddr.IPv4.parse(address).toString(), port };
  if (ipaddr.IPv6.isValid(address) && !ipaddr.IPv6.parse(address).zoneId) return { address: ipaddr.IPv6.parse(address).toString(), port };
  throw new Error(`advertise address ${JSON.stringify(address)} is not an IP address`);
}

/** 'IPv4' or 'IPv6' for a canonical address from apiEndpoint. Pure. */
export function addressTypeOf(address: string): 'IPv4' | 'IPv6' {
  return address.includes(':') ? 'IPv6' : 'IPv4';
}

/** One write the reconcile should make: none, a create, an update of the current object, or (addressType is immutable) delete then create. */
export type EndpointsWrite<T> =
  | { action: 'none' }
  | { action: 'create'; object: T }
  | { action: 'update'; object: T }
  | { action: 'recreate'; object: T };

/** The Endpoints `current` should become (a copy of it, or a new object): one subset with `ep`'s address and port, only the skip-mirror label. Pure. */
export function desiredEndpoints(current: Endpoints | undefined, ep: ApiEndpoint): Endpoints {
  const base: Endpoints = current ? structuredClone(current) : { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: KUBERNETES_NAME, namespace: KUBERNETES_NAMESPACE } };
  return {
    ...base,
    metadata: { ...base.metadata, labels: { [SKIP_MIRROR_LABEL]: 'true' } },
    subsets: [{ addresses: endpointAddresses(ep).map((ip) => ({ ip })), ports: [{ name: 'https', port: ep.port, protocol: 'TCP' }] }],
  };
}

/** The EndpointSlice `current` should become: `ep`'s address (ready) and port, its address family, only the service-name label. Pure. */
export function desiredEndpointSlice(current: EndpointSlice | undefined, ep: ApiEndpoint): EndpointSlice {
  const base: EndpointSlice = current
    ? structuredClone(current)
    : { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: KUBERNETES_NAME, namespace: KUBERNETES_NAMESPACE }, addressType: addressTypeOf(ep.address), endpoints: [] };
  return {
    ...base,
    metadata: { ...base.metadata, labels: { [SERVICE_NAME_LABEL]: KUBERNETES_NAME } },
    addressType: addressTypeOf(ep.address),
    endpoints: endpointAddresses(ep).map((a) => ({ addresses: [a], conditions: { ready: true } })),
    ports: [{ name: 'https', port: ep.port, protocol: 'TCP' }],
  };
}

/**
 * What to write for the Endpoints given what is stored (undefined: none):
 * create; update when the subsets or labels differ from `desiredEndpoints`
 * (kube compares the same two fields); else nothing. Level-based: the
 * answer depends only on (current, ep). Pure.
 */
export function decideEndpoints(current: Endpoints | undefined, ep: ApiEndpoint): EndpointsWrite<Endpoints> {
  const want = desiredEndpoints(current, ep);
  if (!current) return { action: 'create', object: want };
  const same = isDeepStrictEqual(current.subsets ?? [], want.subsets) && isDeepStrictEqual(current.metadata?.labels ?? {}, want.metadata?.labels);
  return same ? { action: 'none' } : { action: 'update', object: want };
}

/**
 * What to write for the EndpointSlice given what is stored: create;
 * recreate when its addressType is of the other family (immutable in
 * Kubernetes; kube deletes such a slice and creates the right one); update
 * when endpoints, ports or labels differ; else nothing. Pure.
 */
export function decideEndpointSlice(current: EndpointSlice | undefined, ep: ApiEndpoint): EndpointsWrite<EndpointSlice> {
  if (!current) return { action: 'create', object: desiredEndpointSlice(undefined, ep) };
  if (current.addressType !== addressTypeOf(ep.address)) return { action: 'recreate', object: desiredEndpointSlice(undefined, ep) };
  const want = desiredEndpointSlice(current, ep);
  const same = isDeepStrictEqual(current.endpoints ?? [], want.endpoints) && isDeepStrictEqual(current.ports ?? [], want.ports)
    && isDeepStrictEqual(current.metadata?.labels ?? {}, want.metadata?.labels);
  return same ? { action: 'none' } : { action: 'update', object: want };
}
