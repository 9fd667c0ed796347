/**
 * The base shapes of every Kubernetes object and list, shared by the server,
 * the client library and the components (the leaf of the API machinery).
 */
import type { ObjectMeta } from 'kubernetes-types/meta/v1';

/** Any Kubernetes object: what the client reads and writes. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

/** A List as returned by the API server. */
export interface KubeList<T extends KubeObject> {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion?: string; continue?: string };
  items: T[];
}
