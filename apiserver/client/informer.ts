/**
 * Shared informer (client-go SharedInformer semantics, simplified): list, then
 * watch from the list's resourceVersion with bookmarks; track the last seen
 * resourceVersion and rewatch from it when a watch ends; on 410 Gone relist
 * and emit the difference as add/update/delete; on transport errors retry
 * with exponential backoff (200 ms .. 10 s). Keeps a cache with indexes.
 */
import type { Status } from 'kubernetes-types/meta/v1';
import type { Logger } from '../api/log.ts';
import type { Informer, InformerFactory, InformerHandlers } from './informer-types.ts';
import type { ResourceRef } from './resources.ts';
import type { KubeObject } from '../api/object.ts';
import { isGone, type ApiClient, type WatchStream } from './types.ts';

/** Cache key of an object: 'namespace/name' for namespaced objects, 'name' otherwise. */
export function objectKey(obj: KubeObject): string {
  const ns = obj.metadata?.namespace;
  const name = obj.metadata?.name ?? '';
  return ns ? `${ns}/${name}` : name;
}

/** Narrowing of an informer: one namespace and/or server-side selectors. */
export interface InformerOptions {
  namespace?: string;
  fieldSelector?: string;
  labelSelector?: string;
  /** Retry backoff bounds in ms (defaults 200 and 10 000). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Watch timeoutSeconds asked of the server (default: random 300..600 s, like client-go). */
  watchTimeoutSeconds?: number;
}

/** An Informer plus the last resourceVersion it has seen (useful in tests and debugging). */
export interface InformerExt<T extends KubeObject> extends Informer<T> {
  lastResourceVersion(): string;
}

class GoneError extends Error {}

interface Index<T> {
  fn: (obj: T) => string[];
  byValue: Map<string, Set<string>>;
  valuesOf: Map<string, string[]>;
}

/** Creates an informer for `ref` (see file doc). Handlers never break the loop: their throws are logged. */
export function createInformer<T extends KubeObject>(client: ApiClient, ref: ResourceRef, opts: InformerOptions, log: Logger): InformerExt<T> {
  const cache = new Map<string, T>();
  const handlers: InformerHandlers<T>[] = [];
  const indexes = new Map<string, Index<T>>();
  let lastRv = '';
  let synced = false;
  let started = false;
  let resolveSynced: () => void = () => {};
  const syncedP = new Promise<void>((r) => { resolveSynced = r; });
  const minBackoff = opts.minBackoffMs ?? 200;
  const maxBackoff = opts.maxBackoffMs ?? 10_000;
  const sel = { namespace: opts.namespace, fieldSelector: opts.fieldSelector, labelSelector: opts.labelSelector };

  const call = (what: string, fn: () => void): void => {
    try {
      fn();
    } catch (e) {
      log.error(`informer ${ref.resource}: ${what} handler threw`, { err: e });
    }
  };

  const indexAdd = (k: string, obj: T): void => {
    for (const idx of indexes.values()) {
      const vals = idx.fn(obj);
      idx.valuesOf.set(k, vals);
      for (const v of vals) {
        let s = idx.byValue.get(v);
        if (!s) idx.byValue.set(v, (s = new Set()));
        s.add(k);
      }
    }
  };
  const indexRemove = (k: string): void => {
    for (const idx of indexes.values()) {
      for (const v of idx.valuesOf.get(k) ?? []) {
        const s = idx.byValue.get(v);
        s?.delete(k);
        if (s && s.size === 0) idx.byValue.delete(v);
      }
      idx.valuesOf.delete(k);
    }
  };

  const upsert = (obj: T): void => {
    const k = objectKey(obj);
    const old = cache.get(k);
    if (old) indexRemove(k);
    cache.set(k, obj);
    indexAdd(k, obj);
    if (old) {
      if (old.metadata?.resourceVersion === obj.metadata?.resourceVersion) return;
      for (const h of handlers) if (h.onUpdate) call('update', () => h.onUpdate?.(old, obj));
    } else {
      for (const h of handlers) if (h.onAdd) call('add', () => h.onAdd?.(obj));
    }
  };

  const remove = (obj: T): void => {
    const k = objectKey(obj);
    const old = cache.get(k);
    if (!old) return;
    indexRemove(k);
    cache.delete(k);
    for (const h of handlers) if (h.onDelete) call('delete', () => h.onDelete?.(obj));
  };

  /** Replaces the cache with a fresh list, emitting the diff. */
  const replace = (items: T[]): void => {
    const seen = new Set<string>();
    for (const o of items) {
      seen.add(objectKey(o));
      upsert(o);
    }
    for (const [k, o] of [...cache.entries()]) if (!seen.has(k)) remove(o);
  };

  const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done);
    });

  const listAll = async (): Promise<void> => {
    const items: T[] = [];
    let cont: string | undefined;
    let rv = '';
    do {
      const page = await client.list<T>(ref, { ...sel, limit: 500, continue: cont });
      items.push(...page.items);
      cont = page.metadata.continue || undefined;
      rv = page.metadata.resourceVersion ?? rv;
    } while (cont);
    replace(items);
    lastRv = rv;
    if (!synced) {
      synced = true;
      resolveSynced();
    }
  };

  /** Watches from lastRv until the stream ends; throws GoneError on 410. Resolves the number of events seen. */
  const watchOnce = async (signal: AbortSignal): Promise<number> => {
    let seen = 0;
    const timeoutSeconds = opts.watchTimeoutSeconds ?? 300 + Math.floor(Math.random() * 300);
    const stream: WatchStream<T> = await client.watch<T>(ref, { ...sel, resourceVersion: lastRv, allowWatchBookmarks: true, timeoutSeconds });
    const onAbort = (): void => stream.stop();
    signal.addEventListener('abort', onAbort);
    try {
      for await (const ev of stream) {
        if (signal.aborted) return seen;
        seen++;
        if (ev.type === 'ERROR') {
          const st = ev.object as Status;
          if (st.code === 410) throw new GoneError(st.message ?? 'resource version too old');
          throw new Error(`watch error: ${st.message ?? JSON.stringify(st)}`);
        }
        const obj = ev.object as T;
        const rv = obj.metadata?.resourceVersion;
        if (ev.type === 'ADDED' || ev.type === 'MODIFIED') upsert(obj);
        else if (ev.type === 'DELETED') remove(obj);
        if (rv) lastRv = rv;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      stream.stop();
    }
    return seen;
  };

  const run = async (signal: AbortSignal): Promise<void> => {
    let needList = true;
    let backoff = minBackoff;
    while (!signal.aborted) {
      try {
        if (needList) {
          await listAll();
          needList = false;
        }
        const began = Date.now();
        const seen = await watchOnce(signal);
        if (seen === 0 && Date.now() - began < 100) {
          // A server that closes watches at once must not make us spin.
          await sleep(backoff, signal);
          backoff = Math.min(maxBackoff, backoff * 2);
        } else {
          backoff = minBackoff;
        }
      } catch (e) {
        if (signal.aborted) break;
        if (e instanceof GoneError || isGone(e)) {
          log.info(`informer ${ref.resource}: resourceVersion expired, relisting`, { rv: lastRv });
          needList = true;
          continue;
        }
        log.warn(`informer ${ref.resource}: list/watch failed, retrying in ${backoff} ms`, { err: e });
        await sleep(backoff, signal);
        backoff = Math.min(maxBackoff, backoff * 2);
      }
    }
  };

  return {
    start(signal) {
      if (started) return;
      started = true;
      void run(signal);
    },
    synced: () => syncedP,
    hasSynced: () => synced,
    addHandlers(h) {
      handlers.push(h);
      if (h.onAdd) for (const o of cache.values()) call('add', () => h.onAdd?.(o));
    },
    get: (k) => cache.get(k),
    list: () => [...cache.values()],
    addIndex(name, fn) {
      const idx: Index<T> = { fn, byValue: new Map(), valuesOf: new Map() };
      indexes.set(name, idx);
      for (const [k, o] of cache) {
        const vals = fn(o);
        idx.valuesOf.set(k, vals);
        for (const v of vals) {
          let s = idx.byValue.get(v);
          if (!s) idx.byValue.set(v, (s = new Set()));
          s.add(k);
        }
      }
    },
    byIndex(name, value) {
      const idx = indexes.get(name);
      if (!idx) throw new Error(`informer ${ref.resource}: no index named ${name}`);
      return [...(idx.byValue.get(value) ?? [])].map((k) => cache.get(k)).filter((o): o is T => o !== undefined);
    },
    lastResourceVersion: () => lastRv,
  };
}

/**
 * Creates the per-process informer factory: one informer per (resource,
 * namespace, selectors); informers created after `start` start at once.
 */
export function createInformerFactory(client: ApiClient, log: Logger): InformerFactory {
  const informers = new Map<string, Informer<KubeObject>>();
  let signal: AbortSignal | undefined;
  return {
    for<T extends KubeObject>(ref: ResourceRef, opts: { namespace?: string; fieldSelector?: string; labelSelector?: string } = {}): Informer<T> {
      const k = [ref.group, ref.version, ref.resource, opts.namespace ?? '', opts.fieldSelector ?? '', opts.labelSelector ?? ''].join('|');
      let inf = informers.get(k);
      if (!inf) {
        inf = createInformer<KubeObject>(client, ref, opts, log.child(`informer-${ref.resource}`));
        informers.set(k, inf);
        if (signal) inf.start(signal);
      }
      return inf as unknown as Informer<T>;
    },
    start(s) {
      signal = s;
      for (const inf of informers.values()) inf.start(s);
    },
    async synced() {
      await Promise.all([...informers.values()].map((i) => i.synced()));
    },
  };
}
