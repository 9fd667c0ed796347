/**
 * Resolves the part of a REST path after `/api/v1` or `/apis/<g>/<v>` to a
 * store, namespace, name and subresource, as Kubernetes' request-info
 * resolver does (including the legacy `/watch/` prefix).
 */
import type { ResourceStore } from '../registry/store.ts';

/** A resolved resource request. */
export interface ResourceTarget {
  store: ResourceStore;
  /** Set for namespaced requests; undefined = all namespaces (or cluster-scoped). */
  namespace?: string;
  name?: string;
  subresource?: string;
  /** The path had the legacy `watch/` prefix. */
  watchPrefix: boolean;
}

/** Looks a store up by resource name within the request's group/version. */
export type StoreLookup = (resource: string) => ResourceStore | undefined;

/**
 * Resolves `segments` (already URI-decoded, empty ones removed). Returns
 * undefined for anything that is not a served resource path (→ 404).
 */
export function resolveResourcePath(segments: string[], lookup: StoreLookup): ResourceTarget | undefined {
  let segs = segments;
  let watchPrefix = false;
  if (segs[0] === 'watch') {
    watchPrefix = true;
    segs = segs.slice(1);
  }
  if (segs.length === 0) return undefined;
  if (segs[0] === 'namespaces' && segs.length >= 3) {
    const store = lookup(segs[2]);
    if (store?.def.namespaced) {
      if (segs.length > 5) return undefined;
      return withSub(store, { store, namespace: segs[1], name: segs[3], subresource: segs[4], watchPrefix });
    }
  }
  const store = lookup(segs[0]);
  if (!store) return undefined;
  if (store.def.namespaced) return segs.length === 1 ? { store, watchPrefix } : undefined;
  if (segs.length > 3) return undefined;
  return withSub(store, { store, name: segs[1], subresource: segs[2], watchPrefix });
}

function withSub(store: ResourceStore, t: ResourceTarget): ResourceTarget | undefined {
  if (t.subresource !== undefined && !store.def.subresources.includes(t.subresource)) return undefined;
  if (t.watchPrefix && t.subresource !== undefined) return undefined;
  return t;
}
