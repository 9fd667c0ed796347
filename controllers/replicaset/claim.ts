/**
 * Ownership decisions of the ReplicaSet controller (kubernetes
 * pkg/controller/controller_ref_manager.go ClaimPods), pure, and the pod it
 * creates from its template.
 */
import type { Pod } from 'kubernetes-types/core/v1';
import type { ReplicaSet } from 'kubernetes-types/apps/v1';
import type { LabelSelector, OwnerReference } from 'kubernetes-types/meta/v1';
import type { KubeObject } from '../../apiserver/api/object.ts';
import { controllerRef, newControllerRef } from '../../apiserver/api/owner-references.ts';
import { selectorMatches } from '../../apiserver/api/label-selector.ts';

/** How candidate objects of a namespace relate to one controller (owner). */
export interface ClaimPlan<T extends KubeObject = Pod> {
  /** Already controlled by the owner and still matching. */
  owned: T[];
  /** Orphans matching the selector, to adopt (only when the owner is not being deleted). */
  adopt: T[];
  /** Controlled by the owner but no longer matching: drop its owner reference. */
  release: T[];
}

/**
 * Splits `objs` into owned / to adopt / to release for the controller `owner`
 * with `selector` (ClaimObject). Objects in other namespaces or controlled by
 * someone else are ignored; orphans being deleted are never adopted.
 */
export function planClaims<T extends KubeObject>(owner: KubeObject, selector: LabelSelector | undefined, objs: T[]): ClaimPlan<T> {
  const uid = owner.metadata?.uid;
  const plan: ClaimPlan<T> = { owned: [], adopt: [], release: [] };
  const deleting = Boolean(owner.metadata?.deletionTimestamp);
  for (const o of objs) {
    if (o.metadata?.namespace !== owner.metadata?.namespace) continue;
    const matches = selectorMatches(selector, o.metadata?.labels);
    const ref = controllerRef(o.metadata);
    if (ref) {
      if (ref.uid !== uid) continue;
      if (matches) plan.owned.push(o);
      else plan.release.push(o);
    } else if (matches && !deleting && !o.metadata?.deletionTimestamp) {
      plan.adopt.push(o);
    }
  }
  return plan;
}

/** planClaims for a ReplicaSet and its namespace's active pods. */
export function ownedPodsPlan(rs: ReplicaSet, pods: Pod[]): ClaimPlan<Pod> {
  return planClaims(rs, rs.spec?.selector, pods);
}

/** The controller owner reference a ReplicaSet puts on its pods. */
export function ownerRefTo(rs: ReplicaSet): OwnerReference {
  return newControllerRef(rs, 'apps/v1', 'ReplicaSet');
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
