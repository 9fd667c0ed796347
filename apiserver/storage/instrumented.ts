/**
 * A Storage decorator that times every call to the storage it wraps and
 * reports it to a sink, as kube-apiserver's etcd3 store records
 * `etcd_request_duration_seconds{operation, type}`: `operation` is the call
 * (get, list, create, update, delete, watch — the time to start it —,
 * reserve, release, reserved, currentRevision, compact) and `type` the
 * resource of the key (`/registry/<type>/…`; '' for calls on no key).
 * Failed calls are timed too. Behaviour is otherwise the inner storage's,
 * optional methods included.
 */
import type { KubeObject } from '../api/object.ts';
import type { ListOpts, ListResult, Storage, StorageError, StorageEvent, StorageWatch, TextListResult, WriteOpts } from './interface.ts';

/** Where the durations go. */
export interface StorageMetricsSink {
  /** One call of `operation` on `type` that took `seconds`. */
  observe(operation: string, type: string, seconds: number): void;
}

/** The resource segment of a `/registry/<resource>/…` key, or of a key relative to `/registry/` (reserve's). */
export function keyType(key: string): string {
  const rest = key.startsWith('/registry/') ? key.slice('/registry/'.length) : key.replace(/^\/+/, '');
  const slash = rest.indexOf('/');
  return slash < 0 ? rest : rest.slice(0, slash);
}

/** Times the calls of `inner` into `sink`. */
export class InstrumentedStorage implements Storage {
  readonly listText?: (prefix: string, opts?: ListOpts) => Promise<TextListResult>;
  private readonly inner: Storage;
  private readonly sink: StorageMetricsSink;

  constructor(inner: Storage, sink: StorageMetricsSink) {
    this.inner = inner;
    this.sink = sink;
    const listText = inner.listText?.bind(inner);
    if (listText) this.listText = (prefix, opts) => this.timed('list', keyType(prefix), () => listText(prefix, opts));
  }

  private async timed<T>(operation: string, type: string, fn: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await fn();
    } finally {
      this.sink.observe(operation, type, (performance.now() - start) / 1000);
    }
  }

  get(key: string): Promise<KubeObject | undefined> {
    return this.timed('get', keyType(key), () => this.inner.get(key));
  }

  create(key: string, obj: KubeObject, opts?: WriteOpts): Promise<KubeObject> {
    return this.timed('create', keyType(key), () => this.inner.create(key, obj, opts));
  }

  /** See Storage.sizeError (the inner storage's; no call to time). */
  sizeError(key: string, obj: KubeObject): StorageError | undefined {
    return this.inner.sizeError?.(key, obj);
  }

  /** See Storage.createdText (the inner storage's; no call to time). */
  createdText(obj: KubeObject): string | undefined {
    return this.inner.createdText?.(obj);
  }

  update(key: string, obj: KubeObject, expectedRev: string, opts?: WriteOpts): Promise<KubeObject> {
    return this.timed('update', keyType(key), () => this.inner.update(key, obj, expectedRev, opts));
  }

  delete(key: string, expectedRev: string): Promise<string> {
    return this.timed('delete', keyType(key), () => this.inner.delete(key, expectedRev));
  }

  list(prefix: string, opts?: ListOpts): Promise<ListResult> {
    return this.timed('list', keyType(prefix), () => this.inner.list(prefix, opts));
  }

  currentRevision(): Promise<string> {
    return this.timed('currentRevision', '', () => this.inner.currentRevision());
  }

  watch(prefix: string, startRevision: string, onEvent: (ev: StorageEvent) => void, onError: (err: StorageError) => void, onProgress?: (revision: string) => void): Promise<StorageWatch> {
    return this.timed('watch', keyType(prefix), () => this.inner.watch(prefix, startRevision, onEvent, onError, onProgress));
  }

  reserve(key: string, value: string): Promise<boolean> {
    return this.timed('reserve', keyType(key), () => this.inner.reserve(key, value));
  }

  release(key: string): Promise<void> {
    return this.timed('release', keyType(key), () => this.inner.release(key));
  }

  reserved(prefix: string): Promise<string[]> {
    return this.timed('reserved', keyType(prefix), () => this.inner.reserved(prefix));
  }

  compact(revision: string): Promise<void> {
    return this.timed('compact', '', () => this.inner.compact(revision));
  }
}
