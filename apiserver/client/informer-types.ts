/**
 * Contracts of the shared informer and work queue (implemented in informer.ts
 * and workqueue.ts). One informer per resource per process; controllers read
 * from it and write only through the ApiClient.
 */
import type { KubeObject } from '../api/object.ts';

export interface InformerHandlers<T extends KubeObject> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  /** obj is the last known state. */
  onDelete?(obj: T): void;
}

/**
 * List+watch cache of one resource. Keys are 'namespace/name' for namespaced
 * objects and 'name' otherwise (see `objectKey`). On a 410 Gone it relists; on
 * transport errors it retries with backoff. Handlers run synchronously in
 * event order.
 */
export interface Informer<T extends KubeObject> {
  /** Starts list+watch; runs until `signal` aborts. Resolves once started (not synced). */
  start(signal: AbortSignal): void;
  /** Resolves after the first list has been loaded into the cache. */
  synced(): Promise<void>;
  hasSynced(): boolean;
  addHandlers(h: InformerHandlers<T>): void;
  get(key: string): T | undefined;
  list(): T[];
  /** Registers an index; `fn` returns the index values of an object. Call before start. */
  addIndex(name: string, fn: (obj: T) => string[]): void;
  byIndex(name: string, value: string): T[];
}

/** Injected clock so queues and backoff can be tested without sleeping. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): { cancel(): void };
}

/**
 * The one work queue (client-go workqueue semantics): a key is never processed
 * by two workers at once; a key added while being processed is re-queued on
 * `done`; `addRateLimited` backs off per key (exponential, base..max ms) until
 * `forget`.
 */
export interface WorkQueue<K = string> {
  add(key: K): void;
  addAfter(key: K, delayMs: number): void;
  addRateLimited(key: K): void;
  forget(key: K): void;
  /** Next key, or undefined once shut down. */
  get(): Promise<K | undefined>;
  done(key: K): void;
  len(): number;
  shutDown(): void;
}

/** Hands out one shared informer per resource (and namespace) per process. */
export interface InformerFactory {
  /** The shared informer for `ref` (all namespaces unless opts narrow it; same opts → same informer). */
  for<T extends KubeObject>(ref: import('./resources.ts').ResourceRef, opts?: { namespace?: string; fieldSelector?: string; labelSelector?: string }): Informer<T>;
  /** Starts every informer handed out so far (and later ones on creation). */
  start(signal: AbortSignal): void;
  /** Resolves when every informer handed out so far has synced. */
  synced(): Promise<void>;
}

/** Records core/v1 Events about an object (events.ts). Never throws; failures are logged. */
export interface EventRecorder {
  event(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void;
}
