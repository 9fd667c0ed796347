/**
 * Interop between kubectl's client-side apply and server-side apply, as
 * k8s.io/apiserver's field manager chain does it:
 * - lastappliedmanager.go: an apply by the manager "kubectl" may take fields
 *   whose only conflict comes from a client-side apply, when the live object
 *   still holds what that client-side apply set;
 * - lastappliedupdater.go: an apply by "kubectl" rewrites an existing
 *   last-applied-configuration annotation, so a later client-side apply diffs
 *   against what was really applied;
 * - capmanagers.go: at most 10 Update entries; older ones merge into
 *   "ancient-changes".
 */
import type { KubeObject } from '../object.ts';
import { isObject } from '../patch/json-value.ts';
import { compareObjects } from './compare.ts';
import { FieldSet } from './fieldpath.ts';
import { managerId, type Manager, type Managers } from './entries.ts';
import type { ListTypes } from './list-types.ts';
import { toFieldSet } from './values.ts';

/** The annotation kubectl's client-side apply keeps its last applied configuration in. */
export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** The manager name for which the apiserver honours the last-applied annotation (lastAppliedManager). */
export const KUBECTL_MANAGER = 'kubectl';

/**
 * The fields a "kubectl" apply may take over despite conflicts: those of the
 * live object's last-applied-configuration that still hold the value they
 * were applied with (the annotation's field set minus what a compare with
 * the live object finds modified, added or removed). Empty when there is no
 * annotation or it does not parse.
 */
export function allowedFromLastApplied(live: KubeObject, listTypes: ListTypes): FieldSet {
  const raw = live.metadata?.annotations?.[LAST_APPLIED];
  if (!raw) return new FieldSet();
  let applied: unknown;
  try {
    applied = JSON.parse(raw) as unknown;
  } catch {
    return new FieldSet();
  }
  if (!isObject(applied)) return new FieldSet();
  const c = compareObjects(applied, live, listTypes);
  return toFieldSet(applied, listTypes).difference(c.modified).difference(c.added).difference(c.removed);
}

/** Sets the last-applied annotation of `obj` (mutated) to `config`, if `obj` has one (lastAppliedUpdater). */
export function updateLastApplied(obj: KubeObject, config: unknown): void {
  const ann = obj.metadata?.annotations as Record<string, string> | undefined;
  if (!ann || ann[LAST_APPLIED] === undefined) return;
  ann[LAST_APPLIED] = JSON.stringify(config);
}

/** The most Update entries kept (capManagers' maxUpdateManagers). */
export const MAX_UPDATE_MANAGERS = 10;
/** The entry older updates are merged into. */
export const ANCIENT_CHANGES = 'ancient-changes';

/**
 * Caps Update entries at MAX_UPDATE_MANAGERS (mutates `managers`): the
 * oldest are merged into one "ancient-changes" Update entry that carries the
 * newest time among them.
 */
export function capUpdateManagers(managers: Managers): void {
  const updaters = [...managers.entries()].filter(([, m]) => m.operation === 'Update');
  if (updaters.length <= MAX_UPDATE_MANAGERS) return;
  updaters.sort(([ia, a], [ib, b]) => ((a.time ?? '') < (b.time ?? '') ? -1 : (a.time ?? '') > (b.time ?? '') ? 1 : ia < ib ? -1 : 1));
  const merged = updaters.slice(0, updaters.length - MAX_UPDATE_MANAGERS + 1);
  let set = new FieldSet();
  for (const [id, m] of merged) {
    set = set.union(m.set);
    managers.delete(id);
  }
  const last = merged[merged.length - 1][1];
  const bucket: Manager = { manager: ANCIENT_CHANGES, operation: 'Update', apiVersion: last.apiVersion, subresource: '', time: last.time, set };
  managers.set(managerId(bucket), bucket);
}
