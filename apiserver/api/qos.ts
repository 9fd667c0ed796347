/**
 * The pod QoS class, as Kubernetes' GetPodQOS
 * (pkg/apis/core/helper/qos): one copy for the API server (status.qosClass
 * at create) and the kubelet.
 */
import type { Container, PodSpec } from 'kubernetes-types/core/v1';
import { tryParseQuantity } from './quantity.ts';

/** The three QoS classes of core/v1 PodStatus.qosClass. */
export type QOSClass = 'BestEffort' | 'Burstable' | 'Guaranteed';

const TRACKED = ['cpu', 'memory'] as const;

/** A positive quantity's value, or 0 for absent, zero, negative or malformed. */
function positive(q: unknown): number {
  const v = typeof q === 'number' ? q : typeof q === 'string' ? tryParseQuantity(q) : undefined;
  return v !== undefined && v > 0 ? v : 0;
}

/**
 * QoS class of a pod spec over its containers and init containers, as
 * GetPodQOS: only cpu and memory count, and zero quantities are ignored.
 * BestEffort when nothing is requested or limited; Guaranteed when every
 * container limits both cpu and memory and the summed requests equal the
 * summed limits (a missing request defaults to the limit); Burstable
 * otherwise. Never throws, whatever the (unvalidated) spec holds.
 */
export function qosClass(spec: PodSpec | undefined): QOSClass {
  const containers: Container[] = [...(Array.isArray(spec?.containers) ? spec.containers : []), ...(Array.isArray(spec?.initContainers) ? spec.initContainers : [])];
  const requests = new Map<string, number>();
  const limits = new Map<string, number>();
  let guaranteed = true;
  for (const c of containers) {
    const req = (c?.resources?.requests ?? {}) as Record<string, unknown>;
    const lim = (c?.resources?.limits ?? {}) as Record<string, unknown>;
    for (const r of TRACKED) {
      const lq = positive(Object.prototype.hasOwnProperty.call(lim, r) ? lim[r] : undefined);
      const rq = Object.prototype.hasOwnProperty.call(req, r) ? positive(req[r]) : lq;
      if (rq > 0) requests.set(r, (requests.get(r) ?? 0) + rq);
      if (lq > 0) limits.set(r, (limits.get(r) ?? 0) + lq);
      if (lq === 0) guaranteed = false;
    }
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [r, v] of requests) if (limits.get(r) !== v) guaranteed = false;
  }
  return guaranteed && limits.size === TRACKED.length ? 'Guaranteed' : 'Burstable';
}
