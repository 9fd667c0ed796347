/**
 * status.loadBalancer of the Ingresses this controller serves: decide, as
 * pure functions, which Ingress needs a status write.
 *
 * - A served Ingress lists the InternalIP of every Ready node (each node's
 *   proxy serves the Ingress ports), sorted, as `{ ip }` entries.
 * - An Ingress that stops being ours (class changed, default class changed)
 *   is cleared, but only if this process saw it served with our status
 *   (`seen`) and the status still is exactly that, so a status another
 *   controller writes is never touched and no two writers fight.
 * - Every node's controller decides the same from the same informer state,
 *   and a write happens only when the stored status differs, so concurrent
 *   writers converge and no write loops: a write never changes the inputs.
 */
import type { Node } from 'kubernetes-types/core/v1';
import type { Ingress, IngressLoadBalancerIngress } from 'kubernetes-types/networking/v1';

/** One status write to make. `ingress` is the stored object; `want` the new status.loadBalancer.ingress ([] clears). */
export interface StatusWrite {
  ingress: Ingress;
  want: IngressLoadBalancerIngress[];
}

/** The InternalIPs of the Ready nodes, sorted and de-duplicated. Pure. */
export function nodeAddresses(nodes: readonly Node[]): string[] {
  const ips = new Set<string>();
  for (const n of nodes) {
    const ready = (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
    if (!ready) continue;
    for (const a of n.status?.addresses ?? []) if (a.type === 'InternalIP' && a.address) ips.add(a.address);
  }
  return [...ips].sort();
}

const keyOf = (i: Ingress): string => `${i.metadata?.namespace ?? ''}/${i.metadata?.name ?? ''}`;

function sameStatus(a: readonly IngressLoadBalancerIngress[], b: readonly IngressLoadBalancerIngress[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The status writes for `ingresses`: served ones (`served` holds their
 * namespace/name) whose status differs from `ips`; and ones no longer
 * served whose status is still exactly `seen.get(uid)`. Pure.
 */
export function decideStatusWrites(
  ingresses: readonly Ingress[], served: ReadonlySet<string>, ips: readonly string[], seen: ReadonlyMap<string, IngressLoadBalancerIngress[]>,
): StatusWrite[] {
  const want = ips.map((ip) => ({ ip }));
  const out: StatusWrite[] = [];
  for (const ing of ingresses) {
    const have = ing.status?.loadBalancer?.ingress ?? [];
    if (served.has(keyOf(ing))) {
      if (!sameStatus(have, want)) out.push({ ingress: ing, want });
      continue;
    }
    const mine = seen.get(ing.metadata?.uid ?? '');
    if (mine && mine.length > 0 && sameStatus(have, mine)) out.push({ ingress: ing, want: [] });
  }
  return out;
}

/**
 * Updates `seen` (uid → status) after a decision round: a served Ingress
 * whose stored status is `ips` is remembered; any other is forgotten once
 * its status no longer is what was remembered. Mutates `seen` only.
 */
export function rememberStatuses(
  ingresses: readonly Ingress[], served: ReadonlySet<string>, ips: readonly string[], seen: Map<string, IngressLoadBalancerIngress[]>,
): void {
  const want = ips.map((ip) => ({ ip }));
  const present = new Set<string>();
  for (const ing of ingresses) {
    const uid = ing.metadata?.uid ?? '';
    present.add(uid);
    const have = ing.status?.loadBalancer?.ingress ?? [];
    if (served.has(keyOf(ing)) && want.length > 0 && sameStatus(have, want)) seen.set(uid, want);
    else if (!served.has(keyOf(ing)) && !sameStatus(have, seen.get(uid) ?? [])) seen.delete(uid);
  }
  for (const uid of [...seen.keys()]) if (!present.has(uid)) seen.delete(uid);
}
