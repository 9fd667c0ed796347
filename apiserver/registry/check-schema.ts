/**
 * The schema stage of the write path: runs on the decoded object of every
 * create and update (after a patch is applied), before defaulting. It is
 * the hook point for the schema check and pruning from the OpenAPI
 * definitions; today it accepts everything and changes nothing.
 */
import type { KubeObject } from '../api/object.ts';
import type { ResourceDef } from './types.ts';

/**
 * Checks (and may prune, in place) `obj` against the schema of `def`.
 * Throws a StatusError (400/422) to reject the write. Currently a no-op.
 */
export function checkSchema(def: ResourceDef, obj: KubeObject): void {
  void def;
  void obj;
}
