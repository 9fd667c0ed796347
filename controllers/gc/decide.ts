/**
 * Pure decisions of the garbage collector (kubernetes
 * pkg/controller/garbagecollector garbagecollector.go attemptToDeleteItem,
 * processDeletingDependentsItem, orphanDependents).
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1';
import type { KubeObject } from '../../apiserver/api/object.ts';

/** Finalizer of an owner deleted with propagationPolicy Foreground. */
export const FOREGROUND = 'foregroundDeletion';
/** Finalizer of an owner deleted with propagationPolicy Orphan. */
export const ORPHAN = 'orphan';

/**
 * What an owner reference points at: `solid` = exists (same uid) and is not in
 * foreground deletion; `absent` = gone or replaced by another uid (the
 * reference dangles); `waiting` = being deleted in the foreground, waiting for
 * its dependents.
 */
export type OwnerState = 'solid' | 'absent' | 'waiting';

/** What to do with a dependent. */
export type DependentAction =
  | { kind: 'none' }
  | { kind: 'delete'; policy: 'Background' | 'Foreground' }
  | { kind: 'removeOwnerRefs'; uids: string[] };

/** Whether `o` is being deleted and carries `finalizer`. */
export function deletingWith(o: KubeObject, finalizer: string): boolean {
  return Boolean(o.metadata?.deletionTimestamp) && (o.metadata?.finalizers ?? []).includes(finalizer);
}

/** The state an existing owner object puts its dependents in. */
export function stateOfOwner(owner: KubeObject): OwnerState {
  return deletingWith(owner, FOREGROUND) ? 'waiting' : 'solid';
}

/**
 * Decides for one dependent (attemptToDeleteItem), given the state of each of
 * its owners by uid (a missing entry counts as solid, the safe side):
 * nothing while any owner is solid and none dangles; with a solid owner, drop
 * the references to absent/waiting owners; with no solid owner, delete it —
 * Foreground when an owner waits and the dependent has dependents of its own
 * (so they go first), else Background. Objects already being deleted and
 * objects without owners are left alone.
 */
export function decideDependent(obj: KubeObject, states: ReadonlyMap<string, OwnerState>, hasDependents: boolean): DependentAction {
  if (obj.metadata?.deletionTimestamp) return { kind: 'none' };
  const refs = obj.metadata?.ownerReferences ?? [];
  if (refs.length === 0) return { kind: 'none' };
  const st = (r: OwnerReference): OwnerState => states.get(r.uid) ?? 'solid';
  const solid = refs.filter((r) => st(r) === 'solid');
  const gone = refs.filter((r) => st(r) !== 'solid');
  if (solid.length > 0) {
    return gone.length === 0 ? { kind: 'none' } : { kind: 'removeOwnerRefs', uids: gone.map((r) => r.uid) };
  }
  const waiting = refs.some((r) => st(r) === 'waiting');
  return { kind: 'delete', policy: waiting && hasDependents ? 'Foreground' : 'Background' };
}

/** What to do for an owner that is being deleted. */
export interface OwnerPlan {
  /** Dependents whose reference to the owner must be removed (Orphan). */
  orphan: KubeObject[];
  /** Dependents to look at now (Foreground: they will be deleted via decideDependent). */
  process: KubeObject[];
  /** Finalizer to remove from the owner now, if any. */
  removeFinalizer?: string;
}

/**
 * Decides for an owner being deleted (processDeletingDependentsItem and
 * orphanDependents). Orphan: strip its references from every dependent, then
 * drop the `orphan` finalizer. Foreground: have every dependent not yet being
 * deleted processed, and drop `foregroundDeletion` once no dependent with
 * blockOwnerDeletion for this owner is left. `dependents` are the objects
 * whose ownerReferences name the owner's uid.
 */
export function decideOwner(owner: KubeObject, dependents: KubeObject[]): OwnerPlan {
  const uid = owner.metadata?.uid ?? '';
  if (deletingWith(owner, ORPHAN)) {
    return { orphan: dependents, process: [], removeFinalizer: ORPHAN };
  }
  if (deletingWith(owner, FOREGROUND)) {
    const blocking = dependents.filter((d) => (d.metadata?.ownerReferences ?? []).some((r) => r.uid === uid && r.blockOwnerDeletion === true));
    return {
      orphan: [],
      process: dependents.filter((d) => !d.metadata?.deletionTimestamp),
      removeFinalizer: blocking.length === 0 ? FOREGROUND : undefined,
    };
  }
  return { orphan: [], process: [] };
}
