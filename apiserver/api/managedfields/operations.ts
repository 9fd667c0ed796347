/**
 * The two field-manager operations on plain objects (SMD merge/update.go
 * Updater.Update and Updater.Apply, with k8s.io/apiserver's
 * managedFieldsUpdater and stripMeta around them). Pure: inputs are not
 * mutated; expected failures come back as values.
 */
import type { KubeObject } from '../object.ts';
import { badRequest, type StatusError } from '../errors.ts';
import { clone, isObject, jsonEqual } from '../patch/json-value.ts';
import type { ManagedFieldsEntry } from 'kubernetes-types/meta/v1';
import { compareObjects, type Comparison } from './compare.ts';
import { createdFieldsV1, IGNORED_META, IGNORED_TOP, type FieldNames } from './created.ts';
import { applyConflict, type Conflict } from './conflicts.ts';
import { decodeManagers, encodeEntry, encodeManagers, managerId, type Manager, type Managers } from './entries.ts';
import { FieldSet, isPrefix, type Path } from './fieldpath.ts';
import type { ListTypes } from './list-types.ts';
import { mergeApplied, pruneDropped } from './merge.ts';
import { toFieldSet } from './values.ts';
import { allowedFromLastApplied, capUpdateManagers, KUBECTL_MANAGER, updateLastApplied } from './kubectl-interop.ts';

/**
 * Who writes, and when. `now` is an RFC 3339 time; `subresource` '' for the
 * main resource. `reset` lists subtrees the write's strategy resets, which
 * nobody owns through it (Kubernetes' ResetFieldsStrategy: status on a
 * main-resource write, spec on a status write).
 */
export interface Writer {
  manager: string;
  apiVersion: string;
  subresource: string;
  now: string;
  reset?: readonly Path[];
}

/**
 * Paths no manager owns (stripMeta's set), plus the top-level spec and status
 * nodes themselves, which a typed Kubernetes object always has (so they are
 * never "added").
 */
const IGNORED: Path[] = [
  ...IGNORED_TOP.map((f) => [`f:${f}`]),
  ...IGNORED_META.map((f) => ['f:metadata', `f:${f}`]),
];
const IGNORED_SET = new FieldSet(IGNORED);

/** A shallow copy of `o` without metadata.managedFields (nothing below metadata is copied; callers do not mutate it). */
function withoutManaged(o: KubeObject | undefined): KubeObject {
  const c = { ...(o ?? {}) } as KubeObject;
  if (isObject(c.metadata)) {
    const meta = { ...c.metadata } as { managedFields?: unknown };
    delete meta.managedFields;
    c.metadata = meta as KubeObject['metadata'];
  }
  return c;
}

function ignore(set: FieldSet, reset: readonly Path[] = []): FieldSet {
  const kept = set.difference(IGNORED_SET);
  return reset.length === 0 ? kept : kept.filter((p) => !reset.some((r) => isPrefix(r, p)));
}

function filtered(c: Comparison, reset?: readonly Path[]): Comparison {
  return { added: ignore(c.added, reset), modified: ignore(c.modified, reset), removed: ignore(c.removed, reset) };
}

function managersOf(o: KubeObject | undefined): Managers {
  const m = decodeManagers(o?.metadata?.managedFields);
  return typeof m === 'string' ? new Map() : m;
}

function setManagedFields(obj: KubeObject, managers: Managers): void {
  putEntries(obj, encodeManagers(managers));
}

function putEntries(obj: KubeObject, entries: ManagedFieldsEntry[]): void {
  const meta = (obj.metadata ??= {}) as { managedFields?: unknown };
  if (entries.length > 0) meta.managedFields = entries;
  else delete meta.managedFields;
}

/**
 * Records an Update (create, update, non-apply patch, status write) by
 * `w.manager`: the fields it added or changed from `live` (undefined on
 * create) to `next` become its own and are taken from every other manager;
 * removed fields leave every manager; managers left owning nothing are
 * dropped. The base is `next`'s managedFields when the client sent a
 * non-empty, decodable list on the main resource (so `[{}]` clears them),
 * else `live`'s. The writer's entry gets `w.now` only if this write gave it
 * fields. Returns `next` with metadata.managedFields set (a copy).
 * `names` (e.g. a WriteMemo) makes the `f:` path elements of a create.
 */
export function recordUpdate(live: KubeObject | undefined, next: KubeObject, w: Writer, listTypes: ListTypes, names?: FieldNames): KubeObject {
  const managers = baseManagers(live, next, w);
  const created = !live && managers.size === 0 ? createdEntries(next, w, listTypes, names) : null;
  if (created === null) return recordByComparison(live, next, managers, w, listTypes);
  const out = withoutManaged(next);
  putEntries(out, created);
  return out;
}

/**
 * The metadata.managedFields recordUpdate gives `next` (undefined when it
 * gives none), without the copy of `next` it returns. Same arguments and
 * errors as recordUpdate.
 */
export function recordedEntries(live: KubeObject | undefined, next: KubeObject, w: Writer, listTypes: ListTypes, names?: FieldNames): ManagedFieldsEntry[] | undefined {
  const managers = baseManagers(live, next, w);
  const created = !live && managers.size === 0 ? createdEntries(next, w, listTypes, names) : null;
  if (created === null) return recordByComparison(live, next, managers, w, listTypes).metadata?.managedFields;
  return created.length > 0 ? created : undefined;
}

/** recordUpdate's base: `next`'s managers when the client sent a non-empty, decodable list on the main resource, else `live`'s. */
function baseManagers(live: KubeObject | undefined, next: KubeObject, w: Writer): Managers {
  const sent = decodeManagers(next.metadata?.managedFields);
  return w.subresource === '' && typeof sent !== 'string' && sent.size > 0 ? sent : managersOf(live);
}

/**
 * The entries of a create nobody else manages: the writer owns every field
 * of the object, built in one walk (no entry when that is no field). null
 * when the walk does not apply and the general path must run.
 */
function createdEntries(next: KubeObject, w: Writer, listTypes: ListTypes, names?: FieldNames): ManagedFieldsEntry[] | null {
  const tree = createdFieldsV1(next, listTypes, w.reset, names);
  if (tree === null) return null;
  return tree ? [encodeEntry({ manager: w.manager, operation: 'Update', apiVersion: w.apiVersion, subresource: w.subresource, time: w.now }, tree)] : [];
}

/**
 * recordUpdate's general path, for any write: compares `live` with `next`
 * (both without managedFields) and moves the changed fields to the writer
 * among `managers` (the base, mutated). Exported for the test that holds the
 * create fast path to it (created.test.ts). Returns `next` with
 * metadata.managedFields set (a copy).
 */
export function recordByComparison(live: KubeObject | undefined, next: KubeObject, managers: Managers, w: Writer, listTypes: ListTypes): KubeObject {
  const out = withoutManaged(next);
  const cmp = filtered(compareObjects(withoutManaged(live), out, listTypes), w.reset);
  const changed = cmp.added.union(cmp.modified);
  for (const [id, m] of managers) managers.set(id, { ...m, set: m.set.difference(changed).difference(cmp.removed) });
  if (!changed.isEmpty()) {
    const me: Manager = { manager: w.manager, operation: 'Update', apiVersion: w.apiVersion, subresource: w.subresource, time: w.now, set: changed };
    const id = managerId(me);
    const prev = managers.get(id);
    managers.set(id, prev ? { ...me, set: prev.set.union(changed) } : me);
  }
  capUpdateManagers(managers);
  setManagedFields(out, managers);
  return out;
}

/** Options of an apply. */
export interface ApplyOptions {
  /** Take ownership of conflicting fields instead of failing. */
  force: boolean;
  /** The kind and apiVersion the URL serves, checked against the config's. */
  kind: string;
}

/**
 * Server-side apply of `config` by `w.manager` onto `live` (undefined when
 * the object does not exist yet): merge, drop what the manager applied last
 * time and no longer applies (unless others own it), then check every other
 * manager's fields the result changes: a conflict without `force` is a 409
 * naming them; with `force` they change hands. Returns the new object with
 * managedFields, or the StatusError (400 for a bad config, 409 Conflict). A
 * re-apply that changes nothing returns the live object unchanged.
 */
export function applyConfig(live: KubeObject | undefined, config: unknown, w: Writer, opts: ApplyOptions, listTypes: ListTypes): KubeObject | StatusError {
  if (!isObject(config)) return badRequest('error decoding YAML: the apply configuration must be an object');
  if (config.apiVersion !== w.apiVersion) {
    return badRequest(`Incorrect version specified in apply patch. Specified patch version: ${typeof config.apiVersion === 'string' ? config.apiVersion : ''}, expected: ${w.apiVersion}`);
  }
  if (config.kind !== opts.kind) {
    return badRequest(`Incorrect kind specified in apply patch. Specified patch kind: ${typeof config.kind === 'string' ? config.kind : ''}, expected: ${opts.kind}`);
  }
  if (isObject(config.metadata) && config.metadata.managedFields !== undefined && config.metadata.managedFields !== null) {
    return badRequest('metadata.managedFields must be nil');
  }
  const managers = managersOf(live);
  const base = withoutManaged(live);
  if (live && managers.size === 0) {
    // An object no manager has touched yet (stored before field management): its fields belong to
    // "before-first-apply", so a first apply conflicts with what it would change, as Kubernetes does.
    const legacy: Manager = { manager: 'before-first-apply', operation: 'Update', apiVersion: w.apiVersion, subresource: '', time: w.now, set: ignore(toFieldSet(base, listTypes), w.reset) };
    managers.set(managerId(legacy), legacy);
  }
  const before = new Map(managers);
  const merged = mergeApplied(base, config, listTypes) as KubeObject;
  const applied = ignore(toFieldSet(config, listTypes), w.reset);
  const me: Manager = { manager: w.manager, operation: 'Apply', apiVersion: w.apiVersion, subresource: w.subresource, time: w.now, set: applied };
  const id = managerId(me);
  const lastSet = managers.get(id)?.set;
  managers.set(id, me);
  if (lastSet && !lastSet.isEmpty()) {
    let owned = new FieldSet();
    for (const m of managers.values()) owned = owned.union(m.set);
    pruneDropped(merged, lastSet, me.set, owned, listTypes);
  }
  const cmp = filtered(compareObjects(base, merged, listTypes), w.reset);
  const changed = cmp.added.union(cmp.modified);
  const conflicts: Conflict[] = [];
  for (const [mid, m] of managers) {
    if (mid === id) continue;
    for (const path of m.set.intersection(changed).paths()) conflicts.push({ manager: m, path });
  }
  if (conflicts.length > 0 && !opts.force) {
    const allowed = w.manager === KUBECTL_MANAGER && live ? allowedFromLastApplied(base, listTypes) : new FieldSet();
    const blocking = conflicts.filter((c) => !allowed.has(c.path));
    if (blocking.length > 0) return applyConflict(blocking);
  }
  for (const [mid, m] of managers) {
    if (mid !== id) managers.set(mid, { ...m, set: m.set.difference(changed).difference(cmp.removed) });
  }
  const prev = before.get(id);
  if (live && jsonEqual(base, merged) && prev && prev.set.equals(me.set) && sameOthers(before, managers, id)) return clone(live);
  if (w.manager === KUBECTL_MANAGER) updateLastApplied(merged, config);
  setManagedFields(merged, managers);
  return merged;
}

function sameOthers(a: Managers, b: Managers, skip: string): boolean {
  for (const [id, m] of a) if (id !== skip && !(b.get(id)?.set.equals(m.set) ?? m.set.isEmpty())) return false;
  return true;
}
