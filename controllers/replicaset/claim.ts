/**
 * Ownership decisions of the ReplicaSet controller (kubernetes
 * pkg/controller/controller_ref_manager.go ClaimPods), pure, and the pod it
 * creates from its template.
 */
import type { Pod } from 'kubernetes-types/core/v1';
import type { ReplicaSet } from 'kubernetes-types/apps/v1';
import type { OwnerReference } from 'kubernetes-types/meta/v1';
import { controllerRef } from './podutil.ts';
import { selectorMatches } from './selector.ts';

/** How the candidate pods of a namespace relate to one ReplicaSet. */
export interface ClaimPlan {
  /** Already controlled by this RS and still matching. */
  owned: Pod[];
  /** Orphans matching the selector, to adopt (only when the RS is not being deleted). */
  adopt: Pod[];
  /** Controlled by this RS but no longer matching: drop our owner reference. */
  release: Pod[];
}

/**
 * Splits `pods` (active pods of the RS's namespace) into owned / to adopt /
 * to release. Pods controlled by another object are ignored; orphans being
 * deleted are never adopted.
 */
export function ownedPodsPlan(rs: ReplicaSet, pods: Pod[]): ClaimPlan {
  const uid = rs.metadata?.uid;
  const plan: ClaimPlan = { owned: [], adopt: [], release: [] };
  const deleting = Boolean(rs.metadata?.deletionTimestamp);
  for (const p of pods) {
    if (p.metadata?.namespace !== rs.metadata?.namespace) continue;
    const matches = selectorMatches(rs.spec?.selector, p.metadata?.labels);
    const ref = controllerRef(p.metadata);
    if (ref) {
      if (ref.uid !== uid) continue;
      if (matches) plan.owned.push(p);
      else plan.release.push(p);
    } else if (matches && !deleting && !p.metadata?.deletionTimestamp) {
      plan.adopt.push(p);
    }
  }
  return plan;
}

/** The controller owner reference a ReplicaSet puts on its pods. */
export function ownerRefTo(rs: ReplicaSet): OwnerReference {
  return { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata?.name ?? '', uid: rs.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/**
 * The pod the RS creates (controller.GetPodFromTemplate): generateName
 * '<rs-name>-', labels/annotations/finalizers from the template, the controller
 * owner reference, and the template's spec.
 */
export function podFromTemplate(rs: ReplicaSet): Pod {
  const t = rs.spec?.template;
  const meta: NonNullable<Pod['metadata']> = {
    generateName: `${rs.metadata?.name ?? ''}-`,
    namespace: rs.metadata?.namespace,
    ownerReferences: [ownerRefTo(rs)],
  };
  if (t?.metadata?.labels) meta.labels = { ...t.metadata.labels };
  if (t?.metadata?.annotations) meta.annotations = { ...t.metadata.annotations };
  if (t?.metadata?.finalizers) meta.finalizers = [...t.metadata.finalizers];
  return { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec: structuredClone(t?.spec ?? { containers: [] }) };
}
