/**
 * The Kubernetes verb of a request on a resource's main path and the 405 for
 * a verb the resource does not serve (kube-apiserver registers routes only
 * for the verbs a REST storage implements, so any other method on the path
 * answers MethodNotAllowed; e.g. namespaces have no deletecollection).
 */
import { methodNotAllowed } from '../api/errors.ts';
import type { ResourceDef } from '../registry/types.ts';

/** The verbs discovery lists for a resource. */
export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

/**
 * The verb of `method` on a collection (`item` false) or one object (`item`
 * true); `watching` marks a GET that streams (watch=true or the /watch/
 * prefix). Undefined for a method with no verb there (the route answers 405).
 */
export function verbOf(method: string, item: boolean, watching: boolean): Verb | undefined {
  switch (method) {
    case 'GET': return watching ? 'watch' : item ? 'get' : 'list';
    case 'POST': return item ? undefined : 'create';
    case 'PUT': return item ? 'update' : undefined;
    case 'PATCH': return item ? 'patch' : undefined;
    case 'DELETE': return item ? 'delete' : 'deletecollection';
    default: return undefined;
  }
}

/** Throws 405 MethodNotAllowed if `def` does not serve `verb` (undefined: nothing to check). */
export function requireVerb(def: Pick<ResourceDef, 'verbs'>, verb: Verb | undefined): void {
  if (verb !== undefined && !def.verbs.includes(verb)) throw methodNotAllowed();
}
