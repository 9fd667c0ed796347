/**
 * Kubernetes ValidatePodUpdate (pkg/apis/core/validation/validation.go), the
 * spec part: a pod's spec is immutable except container and init-container
 * images, activeDeadlineSeconds (set, or lowered), tolerations (additions,
 * and tolerationSeconds changes), removal of scheduling gates, and
 * terminationGracePeriodSeconds going from negative to 1. nodeName is part
 * of the immutable rest: only the binding subresource sets it. Total over
 * any JSON values.
 */
import type { FieldCause } from '../../api/errors.ts';
import { forbidden, invalidValue, MAX_INT32, required } from '../../api/validation.ts';

/** Kubernetes' message for a forbidden pod spec change (the Go code appends a diff). */
export const POD_UPDATE_MESSAGE = 'pod updates may not change fields other than `spec.containers[*].image`, `spec.initContainers[*].image`, `spec.activeDeadlineSeconds`, `spec.tolerations` (only additions to existing tolerations) or `spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/**
 * Deep equality as apimachinery's Semantic.DeepEqual sees JSON: an absent
 * field, null, an empty list and an empty map are all "nil".
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  const empty = (v: unknown): boolean => v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (obj(v) !== undefined && Object.keys(v as Obj).length === 0);
  if (empty(a) && empty(b)) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => semanticEqual(x, b[i]));
  }
  const oa = obj(a);
  const ob = obj(b);
  if (oa || ob) {
    if (!oa || !ob) return false;
    const keys = new Set([...Object.keys(oa), ...Object.keys(ob)]);
    for (const k of keys) if (!semanticEqual(Object.hasOwn(oa, k) ? oa[k] : undefined, Object.hasOwn(ob, k) ? ob[k] : undefined)) return false;
    return true;
  }
  return a === b;
}

/** ValidateContainerUpdates: same number of containers; each new image non-empty without surrounding whitespace. `stop` when the count differs. */
function containerUpdates(newList: unknown, oldList: unknown, path: string): { errs: FieldCause[]; stop: boolean } {
  const a = list(newList);
  const b = list(oldList);
  if (a.length !== b.length) return { errs: [forbidden(path, 'pod updates may not add or remove containers')], stop: true };
  const errs: FieldCause[] = [];
  a.forEach((c, i) => {
    const image = obj(c)?.image;
    if (typeof image !== 'string' || image.length === 0) errs.push(required(`${path}[${i}].image`));
    else if (image.trim() !== image) errs.push(invalidValue(`${path}[${i}].image`, image, 'must not have leading or trailing whitespace'));
  });
  return { errs, stop: false };
}

/** activeDeadlineSeconds may be set from nil or lowered, never raised or removed. */
function activeDeadline(newV: unknown, oldV: unknown): FieldCause[] {
  const f = 'spec.activeDeadlineSeconds';
  if (newV !== undefined && newV !== null) {
    if (typeof newV !== 'number' || !Number.isInteger(newV) || newV < 0 || newV > MAX_INT32) return [invalidValue(f, newV, `must be between 0 and ${MAX_INT32}, inclusive`)];
    if (typeof oldV === 'number' && oldV < newV) return [invalidValue(f, newV, 'must be less than or equal to previous value')];
    return [];
  }
  if (oldV !== undefined && oldV !== null) return [invalidValue(f, newV ?? null, 'must not update from a positive integer to nil value')];
  return [];
}

/** validateOnlyAddedTolerations: every old toleration is still there (its tolerationSeconds may change). */
function onlyAddedTolerations(newList: unknown, oldList: unknown): FieldCause[] {
  const next = list(newList);
  for (const old of list(oldList)) {
    const found = next.some((n) => {
      const o = obj(old);
      const nn = obj(n);
      if (!o || !nn) return semanticEqual(old, n);
      return semanticEqual({ ...o, tolerationSeconds: undefined }, { ...nn, tolerationSeconds: undefined });
    });
    if (!found) return [forbidden('spec.tolerations', 'existing toleration can not be modified except its tolerationSeconds')];
  }
  return [];
}

/** validateOnlyDeletedSchedulingGates: no gate that the old pod did not have. */
function onlyDeletedSchedulingGates(newList: unknown, oldList: unknown): FieldCause[] {
  const old = new Set(list(oldList).map((g) => obj(g)?.name));
  const out: FieldCause[] = [];
  list(newList).forEach((g, i) => {
    const name = obj(g)?.name;
    if (!old.has(name)) out.push(forbidden(`spec.schedulingGates[${i}].name`, `only deletion is allowed, but found new scheduling gate '${String(name)}'`));
  });
  return out;
}

/** The new spec with every field an update may change set back to the old spec's value. */
function munge(newSpec: Obj, oldSpec: Obj): Obj {
  const m: Obj = structuredClone(newSpec);
  for (const key of ['containers', 'initContainers']) {
    const olds = list(oldSpec[key]);
    if (Array.isArray(m[key])) {
      m[key] = (m[key] as unknown[]).map((c, i) => {
        const co = obj(c);
        return co ? { ...co, image: obj(olds[i])?.image } : c;
      });
    }
  }
  m.activeDeadlineSeconds = oldSpec.activeDeadlineSeconds;
  m.schedulingGates = oldSpec.schedulingGates;
  m.tolerations = oldSpec.tolerations;
  const oldGrace = oldSpec.terminationGracePeriodSeconds;
  if (typeof oldGrace === 'number' && oldGrace < 0 && m.terminationGracePeriodSeconds === 1) m.terminationGracePeriodSeconds = oldGrace;
  return m;
}

/**
 * The spec rules of ValidatePodUpdate for `newSpec` replacing `oldSpec`
 * (both defaulted pod specs, or any JSON value). Empty when allowed.
 */
export function validatePodSpecUpdate(newSpec: unknown, oldSpec: unknown): FieldCause[] {
  const a = obj(newSpec) ?? {};
  const b = obj(oldSpec) ?? {};
  const out: FieldCause[] = [];
  for (const key of ['containers', 'initContainers']) {
    const r = containerUpdates(a[key], b[key], `spec.${key}`);
    out.push(...r.errs);
    if (r.stop) return out;
  }
  const deadline = activeDeadline(a.activeDeadlineSeconds, b.activeDeadlineSeconds);
  out.push(...deadline);
  if (deadline.length > 0) return out;
  out.push(...onlyAddedTolerations(a.tolerations, b.tolerations));
  out.push(...onlyDeletedSchedulingGates(a.schedulingGates, b.schedulingGates));
  if (semanticEqual(a, b)) return out;
  if (!semanticEqual(munge(a, b), b)) out.push(forbidden('spec', POD_UPDATE_MESSAGE));
  return out;
}
