/**
 * Which API servers are alive, for the `kubernetes` Service's endpoints
 * with more than one server — Skiff's form of kube-apiserver's "lease"
 * endpoint reconciler (pkg/controlplane/reconcilers/lease.go): every server
 * renews a Lease `kube-system/apiserver-endpoint-<address>` (holder = its
 * advertise IP) every 10 s with a 15 s duration, as kube's
 * --endpoint-reconciler-type=lease with its master lease TTL of 15 s; the
 * endpoints list the addresses of unexpired Leases. Pure.
 */
import type { Lease } from 'kubernetes-types/coordination/v1';

/** Namespace of the endpoint Leases. */
export const APISERVER_LEASE_NAMESPACE = 'kube-system';
/** Label that marks them. */
export const APISERVER_LEASE_LABEL = 'skiff.dev/apiserver-endpoint';
/** Lease duration in s (kube's master lease TTL). */
export const APISERVER_LEASE_SECONDS = 15;
/** Renewal period in ms (kube's endpoint reconciler interval). */
export const APISERVER_LEASE_RENEW_MS = 10_000;

/** The Lease name for a canonical advertise address (IPv6 colons become dashes to make a DNS subdomain). Pure. */
export function apiserverLeaseName(address: string): string {
  return `apiserver-endpoint-${address.replace(/:/g, '-')}`;
}

/** This server's Lease, renewed at `nowIso` (RFC 3339 micro time). Pure. */
export function apiserverLease(address: string, nowIso: string, current?: Lease): Lease {
  const base: Lease = current ? structuredClone(current) : {
    apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
    metadata: { name: apiserverLeaseName(address), namespace: APISERVER_LEASE_NAMESPACE },
  };
  return {
    ...base,
    metadata: { ...base.metadata, labels: { ...base.metadata?.labels, [APISERVER_LEASE_LABEL]: 'true' } },
    spec: { ...base.spec, holderIdentity: address, leaseDurationSeconds: APISERVER_LEASE_SECONDS, renewTime: nowIso },
  };
}

/**
 * The live API server addresses: holders of Leases whose renewTime plus
 * duration is after `nowMs`, plus `self` (always live: it is the caller),
 * sorted and unique; and the names of expired Leases to delete. A Lease
 * without a holder or a parsable renewTime counts as expired. Pure.
 */
export function liveApiservers(leases: Lease[], self: string, nowMs: number): { addresses: string[]; expired: string[] } {
  const live = new Set([self]);
  const expired: string[] = [];
  for (const l of leases) {
    const holder = l.spec?.holderIdentity;
    const renewed = Date.parse(l.spec?.renewTime ?? '');
    const until = renewed + (l.spec?.leaseDurationSeconds ?? APISERVER_LEASE_SECONDS) * 1000;
    if (holder && Number.isFinite(renewed) && until > nowMs) live.add(holder);
    else if (holder !== self && l.metadata?.name) expired.push(l.metadata.name);
  }
  return { addresses: [...live].sort(), expired };
}
