/**
 * The registry's "schema check/prune" step: checks a decoded write against
 * its kind's built-in schema (api/schema) with the request's fieldValidation
 * directive, returns the pruned object and collects warnings for the route's
 * `Warning` headers. Kinds without a built-in schema pass unchanged.
 */
import type { KubeObject } from '../api/object.ts';
import { builtinCatalog, checkAndPrune, type FieldValidation, type SchemaGVK } from '../api/schema/index.ts';

/** What a write carries for this step; `warnings` collects (de-duplicated) warning texts. */
export interface SchemaCheckOptions {
  /** Default Warn, as kube-apiserver. */
  fieldValidation?: FieldValidation;
  warnings?: string[];
}

/**
 * Checks and prunes `obj` as the kind `gvk` (a ResourceDef, or e.g.
 * autoscaling/v1 Scale); throws 400 on a wrongly typed field or (Strict) an
 * unknown one.
 */
export function checkWrite<T extends KubeObject>(gvk: SchemaGVK, obj: T, opts: SchemaCheckOptions): T {
  const kind = builtinCatalog().kind({ group: gvk.group, version: gvk.version, kind: gvk.kind });
  if (!kind) return obj;
  const { value, warnings } = checkAndPrune(kind, obj, opts.fieldValidation ?? 'Warn');
  for (const w of warnings) if (opts.warnings && !opts.warnings.includes(w)) opts.warnings.push(w);
  return value;
}
