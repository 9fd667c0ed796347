/**
 * The contract of THE client library every component (scheduler, controllers,
 * kubelet, proxy, e2e tests) uses to talk to the API server. Nothing outside
 * apiserver/ touches etcd; everything goes through an `ApiClient`.
 *
 * Implementations: `RestClient` (rest.ts, HTTP to a real apiserver) and
 * `FakeClient` (apiserver/testing/fake-client.ts: the real registry over
 * in-memory storage, for unit tests of other components).
 */
import type { Status } from 'kubernetes-types/meta/v1';
import type { ResourceRef } from './resources.ts';
import type { KubeList, KubeObject } from '../api/object.ts';

export interface ListOptions {
  namespace?: string;
  /** e.g. 'app=web,tier!=db' */
  labelSelector?: string;
  /** e.g. 'spec.nodeName=node-1,status.phase!=Failed' */
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

export interface WatchOptions extends ListOptions {
  /** Start after this revision (exclusive), as Kubernetes does. */
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

/** One watch event, as the API server streams it (NDJSON). */
export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  /** For ERROR, a meta/v1 Status (code 410 means: relist). */
  object: T | Status;
}

export interface DeleteOptions {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export type PatchType = 'merge' | 'json' | 'strategic';

/**
 * Error thrown by every client call that got a non-2xx answer. `status` is the
 * server's meta/v1 Status (reason, message, details.causes), `code` its HTTP code.
 */
export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly status: Status;
  constructor(status: Status) {
    super(status.message ?? `API error ${status.code}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = status.code ?? 500;
    this.reason = status.reason ?? 'Unknown';
  }
}

export const isNotFound = (e: unknown): boolean => e instanceof ApiError && e.code === 404;
export const isConflict = (e: unknown): boolean => e instanceof ApiError && e.code === 409;
export const isAlreadyExists = (e: unknown): boolean => e instanceof ApiError && e.code === 409 && e.reason === 'AlreadyExists';
export const isGone = (e: unknown): boolean => e instanceof ApiError && e.code === 410;

/**
 * Resolves what `p` resolves, or undefined when it rejects with a 404 ApiError
 * (how `ApiClient.tryGet` is built on `get`); any other rejection propagates.
 */
export async function undefinedIfNotFound<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** A running watch: iterate its events; `stop()` closes the stream. */
export interface WatchStream<T extends KubeObject> extends AsyncIterable<WatchEvent<T>> {
  stop(): void;
}

/**
 * Typed REST access to the API. All methods throw `ApiError` on an API error
 * answer and a plain Error on transport failure (connection refused, reset).
 * `namespace` is required for namespaced resources and ignored otherwise.
 */
export interface ApiClient {
  get<T extends KubeObject>(ref: ResourceRef, name: string, namespace?: string): Promise<T>;
  /** Like get, but resolves undefined on 404 instead of throwing. */
  tryGet<T extends KubeObject>(ref: ResourceRef, name: string, namespace?: string): Promise<T | undefined>;
  list<T extends KubeObject>(ref: ResourceRef, opts?: ListOptions): Promise<KubeList<T>>;
  create<T extends KubeObject>(ref: ResourceRef, obj: T, namespace?: string): Promise<T>;
  /** PUT; obj.metadata.resourceVersion makes it a compare-and-swap (409 on mismatch). */
  update<T extends KubeObject>(ref: ResourceRef, obj: T, namespace?: string): Promise<T>;
  /** PUT to the status subresource. */
  updateStatus<T extends KubeObject>(ref: ResourceRef, obj: T, namespace?: string): Promise<T>;
  patch<T extends KubeObject>(ref: ResourceRef, name: string, type: PatchType, patch: unknown, namespace?: string, subresource?: string): Promise<T>;
  delete(ref: ResourceRef, name: string, namespace?: string, opts?: DeleteOptions): Promise<void>;
  /** POST to a subresource, e.g. pods/binding. */
  createSubresource<T extends KubeObject>(ref: ResourceRef, name: string, subresource: string, body: KubeObject, namespace?: string): Promise<T>;
  watch<T extends KubeObject>(ref: ResourceRef, opts?: WatchOptions): Promise<WatchStream<T>>;
}
