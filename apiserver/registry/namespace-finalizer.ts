/**
 * Namespace deletion, done inside the API server (Kubernetes does it in the
 * namespace controller): once a namespace is Terminating, delete everything
 * in it through each store's deleteCollection (paged, so a namespace larger
 * than one etcd response goes too), wait (watching, not polling) until it is
 * empty, then drop the `kubernetes` spec finalizer through the namespaces
 * store's `finalize` subresource, which removes the namespace once no
 * finalizer is left.
 */
import type { KubeObject } from '../api/object.ts';
import type { Logger } from '../api/log.ts';
import { StatusError } from '../api/errors.ts';
import type { StorageWatch } from '../storage/interface.ts';
import type { ResourceStore } from './store.ts';
import type { SubresourceStrategy } from './types.ts';

type NsObject = KubeObject & { spec?: { finalizers?: string[] } };

/** The finalizer this component owns in a namespace's spec.finalizers. */
export const KUBERNETES_FINALIZER = 'kubernetes';

/**
 * namespaces/finalize (Kubernetes namespaceFinalizeStrategy): the status is
 * kept from the stored namespace; spec.finalizers (and metadata) may change.
 */
export const finalizeStrategy: SubresourceStrategy = {
  prepareForUpdate(next, cur) {
    const status = (cur as { status?: unknown }).status;
    if (status === undefined) delete (next as { status?: unknown }).status;
    else (next as { status?: unknown }).status = structuredClone(status);
  },
  validateUpdate: () => undefined,
};

/** Options of a finalizer: list page size and deletes in flight (defaults 500 and 16). */
export interface NamespaceFinalizerOptions {
  pageSize?: number;
  concurrency?: number;
}

/** Finalizes terminating namespaces; one run per namespace at a time. */
export class NamespaceFinalizer {
  private readonly namespaces: ResourceStore;
  private readonly contents: ResourceStore[];
  private readonly log: Logger;
  private readonly running = new Map<string, Promise<void>>();
  private readonly wakers = new Set<() => void>();
  private readonly opts: NamespaceFinalizerOptions;
  private closed = false;

  /** `namespaces` is the namespaces store; `contents` every namespaced store. */
  constructor(namespaces: ResourceStore, contents: ResourceStore[], log: Logger, opts: NamespaceFinalizerOptions = {}) {
    this.namespaces = namespaces;
    this.contents = contents;
    this.log = log;
    this.opts = opts;
  }

  /** Starts (or joins) the finalization of namespace `name`; resolves when it is gone or the finalizer closed. */
  finalize(name: string): Promise<void> {
    const existing = this.running.get(name);
    if (existing) return existing;
    const p = this.run(name).catch((e: unknown) => this.log.error('namespace finalization failed', { namespace: name, err: e })).finally(() => this.running.delete(name));
    this.running.set(name, p);
    return p;
  }

  /** Resumes every namespace left Terminating (e.g. after a restart). */
  async resumeAll(): Promise<void> {
    const list = await this.namespaces.list(undefined);
    for (const ns of list.items) if (ns.metadata?.deletionTimestamp && ns.metadata.name) void this.finalize(ns.metadata.name);
  }

  /** Wakes waiting runs and resolves when every run has ended. */
  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.wakers) w();
    await Promise.all([...this.running.values()]);
  }

  /** Passes until the namespace is gone; a failed pass is retried after a backoff (1 s doubling to 30 s). */
  private async run(name: string): Promise<void> {
    let backoff = 1000;
    while (!this.closed) {
      try {
        const { remaining, revision } = await this.deleteContents(name);
        if (remaining === 0) {
          await this.removeNamespace(name);
          return;
        }
        this.log.debug('namespace not empty yet', { namespace: name, remaining });
        await this.waitForChange(name, revision);
        backoff = 1000;
      } catch (e) {
        this.log.warn('namespace finalization pass failed, retrying', { namespace: name, err: e, backoffMs: backoff });
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, 30000);
      }
    }
  }

  /** Waits `ms`, or less if the finalizer closes. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(t);
        this.wakers.delete(wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  /**
   * Deletes every object in the namespace (each store's deleteCollection,
   * listing in pages); returns how many were there and the revision of the
   * first list, so that waiting from it also sees the deletes made here
   * (which then trigger another pass). Objects already terminating are left
   * as they are by the store's delete.
   */
  private async deleteContents(name: string): Promise<{ remaining: number; revision: string }> {
    let remaining = 0;
    let revision: string | undefined;
    for (const store of this.contents) {
      const done = await store.deleteCollection(name, {}, { propagationPolicy: 'Background' }, {}, this.opts);
      revision ??= done.metadata.resourceVersion;
      remaining += done.items.length;
    }
    return { remaining, revision: revision ?? '0' };
  }

  /** Resolves at the first change in any store of the namespace after `revision` (or on close). */
  private async waitForChange(name: string, revision: string): Promise<void> {
    let wake!: () => void;
    const woke = new Promise<void>((resolve) => { wake = resolve; });
    this.wakers.add(wake);
    const started: StorageWatch[] = [];
    try {
      for (const store of this.contents) {
        try {
          started.push(await store.storage.watch(store.prefix(name), String(Number(revision) + 1), () => wake(), () => wake()));
        } catch {
          wake();
        }
      }
      if (this.closed) wake();
      await woke;
    } finally {
      this.wakers.delete(wake);
      await Promise.all(started.map((w) => w.stop().catch(() => undefined)));
    }
  }

  /** Drops the `kubernetes` spec finalizer (namespaces/finalize); the store removes the namespace when no finalizer remains. */
  private async removeNamespace(name: string): Promise<void> {
    try {
      await this.namespaces.guaranteedUpdate(undefined, name, (cur) => {
        const ns = cur as NsObject;
        ns.spec = { ...(ns.spec ?? {}), finalizers: (ns.spec?.finalizers ?? []).filter((f) => f !== KUBERNETES_FINALIZER) };
        return ns;
      }, 'finalize', true, {}, finalizeStrategy);
      this.log.info('namespace finalized', { namespace: name });
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) return;
      throw e;
    }
  }
}
