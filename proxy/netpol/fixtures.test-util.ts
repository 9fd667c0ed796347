/**
 * Builders of Pods, Namespaces and NetworkPolicies for the netpol tests.
 */
import type { Namespace, Pod } from 'kubernetes-types/core/v1';
import type { NetworkPolicy, NetworkPolicySpec } from 'kubernetes-types/networking/v1';

/** A Running pod `ns/name` on `node` with `ip`, labels and (optionally) named container ports. */
export function pod(ns: string, name: string, node: string, ip: string, labels: Record<string, string> = {}, ports: Array<{ name: string; containerPort: number; protocol?: string }> = []): Pod {
  return {
    metadata: { namespace: ns, name, labels },
    spec: { nodeName: node, containers: [{ name: 'c', image: 'x', ports }] },
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] },
  };
}

/** A Namespace with labels. */
export function namespace(name: string, labels: Record<string, string> = {}): Namespace {
  return { metadata: { name, labels } };
}

/** A NetworkPolicy `ns/name` with `spec` (podSelector defaults to all pods). */
export function policy(ns: string, name: string, spec: Partial<NetworkPolicySpec>): NetworkPolicy {
  return { metadata: { namespace: ns, name }, spec: { podSelector: {}, ...spec } };
}
