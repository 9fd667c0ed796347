/**
 * FakeClient: an ApiClient for unit tests of other components that is the
 * API server's own registry (registry/registry.ts with allResources()) over
 * MemoryStorage. Defaulting, validation, patch rules, resourceVersions,
 * selectors, graceful deletion, finalizers, binding and watch semantics are
 * the server's; only where bytes are kept differs. Like a fresh server, it
 * has the system namespaces (default, kube-system, kube-public,
 * kube-node-lease) plus any named in `namespaces`; others must be created.
 *
 * Test helpers on top: every call is appended to `actions`; `failOn` injects
 * errors; watches can be closed, paused, expired or sent bookmarks; `compact`
 * drops history (later watches from before it get ERROR 410).
 * Errors are ApiErrors carrying the server's Status.
 */
import type { Status } from 'kubernetes-types/meta/v1';
import type { KubeList, KubeObject } from '../api/object.ts';
import { badRequest, routeNotFound, StatusError } from '../api/errors.ts';
import type { PatchKind } from '../api/patch/index.ts';
import { quietLogger } from '../../testutil/log.ts';
import { Chan } from '../client/chan.ts';
import type { ResourceRef } from '../client/resources.ts';
import { ApiError, undefinedIfNotFound, type ApiClient, type DeleteOptions, type ListOptions, type PatchType, type WatchEvent, type WatchOptions, type WatchStream } from '../client/types.ts';
import { SYSTEM_NAMESPACES } from '../bootstrap.ts';
import { bindPod, type BindingBody } from '../registry/binding.ts';
import { Registry } from '../registry/registry.ts';
import { allResources } from '../registry/resources/index.ts';
import type { ResourceStore } from '../registry/store.ts';
import { watchStore, expiredEvent, type StoreWatch } from '../registry/watch.ts';
import { checkKind, checkNamespace } from '../routes/body.ts';
import { MemoryStorage } from '../storage/memory.ts';

/** One recorded call. */
export interface FakeAction {
  verb: 'get' | 'list' | 'create' | 'update' | 'patch' | 'delete' | 'watch';
  /** Plural resource, e.g. 'pods'. */
  resource: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  patchType?: PatchType;
  /** The object, patch or delete options sent. */
  body?: unknown;
}

interface InjectedError {
  verb: FakeAction['verb'];
  resource: string;
  subresource?: string;
  err: Error;
  times: number;
}

interface OpenWatch {
  chan: Chan<WatchEvent>;
  store: ResourceStore;
  bookmarks: boolean;
  deaf: boolean;
  handle?: StoreWatch;
}

/** Options of FakeClient. */
export interface FakeClientOptions {
  /** ms since epoch, for timestamps; default Date.now. */
  now?: () => number;
  /** Namespaces to create besides the system ones. */
  namespaces?: string[];
  /** The service CIDR ClusterIPs are allocated from (default '10.96.0.0/12'). */
  serviceCIDR?: string;
}

/** Builds a meta/v1 Status and the ApiError carrying it (for `failOn`). */
export function fakeApiError(code: number, reason: string, message: string, details?: Status['details']): ApiError {
  return new ApiError({ apiVersion: 'v1', kind: 'Status', status: 'Failure', code, reason, message, details });
}

const patchKinds: Record<PatchType, PatchKind> = { merge: 'merge', json: 'json', strategic: 'strategic' };

/** The real registry over memory storage, as an ApiClient (see file doc). */
export class FakeClient implements ApiClient {
  /** Every call made, in order. */
  readonly actions: FakeAction[] = [];
  readonly storage = new MemoryStorage();
  readonly registry: Registry;
  private readonly ready: Promise<void>;
  private readonly watches = new Set<OpenWatch>();
  private injected: InjectedError[] = [];

  constructor(opts: FakeClientOptions = {}) {
    this.registry = new Registry(allResources(), this.storage, { serviceCIDR: opts.serviceCIDR ?? '10.96.0.0/12', now: opts.now, log: quietLogger('fake-apiserver') });
    this.ready = this.seed([...SYSTEM_NAMESPACES, ...(opts.namespaces ?? [])]);
  }

  private async seed(namespaces: string[]): Promise<void> {
    const store = this.registry.find('', 'v1', 'namespaces');
    for (const name of new Set(namespaces)) await store?.create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }

  // ---------- test helpers ----------

  /** Resolves once the namespaces are created (every call waits for this itself). */
  whenReady(): Promise<void> {
    return this.ready;
  }

  /** The current global resourceVersion (as the server's list would report). */
  currentResourceVersion(): string {
    return this.storage.revisionNow();
  }

  /** Makes the next `times` calls of `verb` on `resource` (and subresource, if given) throw `err`. */
  failOn(verb: FakeAction['verb'], resource: string, err: Error, opts: { subresource?: string; times?: number } = {}): void {
    this.injected.push({ verb, resource, subresource: opts.subresource, err, times: opts.times ?? 1 });
  }

  /** Compacts history at the current revision (effective at once): a later watch from an older resourceVersion gets an ERROR 410 event. */
  compact(): Promise<void> {
    return this.storage.compact(this.storage.revisionNow()).catch(() => undefined);
  }

  /** Ends every open watch stream, as a server-side timeout would. */
  closeWatches(): void {
    for (const w of [...this.watches]) this.endWatch(w);
  }

  /** Open watches stop receiving events (a partitioned connection); close them with closeWatches. */
  pauseWatches(): void {
    for (const w of this.watches) w.deaf = true;
  }

  /** Sends an ERROR 410 event to every open watch and ends them. */
  expireWatches(): void {
    for (const w of [...this.watches]) {
      w.chan.push(expiredEvent('too old resource version'));
      this.endWatch(w);
    }
  }

  /** Sends a BOOKMARK with the current resourceVersion to watches that asked for bookmarks. */
  sendBookmarks(): void {
    for (const w of this.watches) {
      if (!w.bookmarks || w.deaf) continue;
      w.chan.push({ type: 'BOOKMARK', object: { kind: w.store.def.kind, apiVersion: w.store.apiVersion, metadata: { resourceVersion: this.storage.revisionNow() } } });
    }
  }

  /** Number of open watch streams (e.g. to wait until an informer is watching). */
  openWatchCount(): number {
    return this.watches.size;
  }

  /** Clears the action log. */
  clearActions(): void {
    this.actions.length = 0;
  }

  // ---------- ApiClient ----------

  async get<T extends KubeObject>(ref: ResourceRef, name: string, namespace?: string): Promise<T> {
    const ns = nsOf(ref, namespace);
    return this.call({ verb: 'get', resource: ref.resource, namespace: ns, name }, async () => (await this.store(ref).get(ns, name)) as T);
  }

  async tryGet<T extends KubeObject>(ref: ResourceRef, name: string, namespace?: string): Promise<T | undefined> {
    return undefinedIfNotFound(this.get<T>(ref, name, namespace));
  }

  async list<T extends KubeObject>(ref: ResourceRef, opts: ListOptions = {}): Promise<KubeList<T>> {
    const ns = ref.namespaced ? opts.namespace || undefined : undefined;
    return this.call({ verb: 'list', resource: ref.resource, namespace: opts.namespace, body: opts }, async () => {
      const list = await this.store(ref).list(ns, { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, limit: opts.limit, continue: opts.continue, resourceVersion: opts.resourceVersion });
      return list as KubeList<T>;
    });
  }

  async create<T extends KubeObject>(ref: ResourceRef, obj: T, namespace?: string): Promise<T> {
    const ns = ref.namespaced ? namespace ?? obj.metadata?.namespace ?? 'default' : undefined;
    return this.call({ verb: 'create', resource: ref.resource, namespace: ns, name: obj.metadata?.name, body: copy(obj) }, async () => {
      const store = this.store(ref);
      checkKind(obj, store.def.kind, store.apiVersion);
      checkNamespace(obj, ns);
      return (await store.create(ns, copy(obj))) as T;
    });
  }

  async update<T extends KubeObject>(ref: ResourceRef, obj: T, namespace?: string): Promise<T> {
    return this.put(ref, obj, namespace, undefined);
  }

  async updateStatus<T extends KubeObject>(ref: ResourceRef, obj: T, namespace?: string): Promise<T> {
    return this.put(ref, obj, namespace, 'status');
  }

  private async put<T extends KubeObject>(ref: ResourceRef, obj: T, namespace: string | undefined, subresource: string | undefined): Promise<T> {
    const name = obj.metadata?.name ?? '';
    const ns = nsOf(ref, namespace ?? obj.metadata?.namespace);
    return this.call({ verb: 'update', resource: ref.resource, namespace: ns, name, subresource, body: copy(obj) }, async () => {
      const store = this.store(ref);
      checkKind(obj, store.def.kind, store.apiVersion);
      checkNamespace(obj, ns);
      return (await store.update(ns, name, copy(obj), subresource)) as T;
    });
  }

  async patch<T extends KubeObject>(ref: ResourceRef, name: string, type: PatchType, patch: unknown, namespace?: string, subresource?: string): Promise<T> {
    const ns = nsOf(ref, namespace);
    return this.call({ verb: 'patch', resource: ref.resource, namespace: ns, name, subresource, patchType: type, body: copy(patch) }, async () => {
      if (subresource && subresource !== 'status') throw routeNotFound();
      return (await this.store(ref).patch(ns, name, patchKinds[type], copy(patch), subresource)).obj as T;
    });
  }

  async delete(ref: ResourceRef, name: string, namespace?: string, opts: DeleteOptions = {}): Promise<void> {
    const ns = nsOf(ref, namespace);
    await this.call({ verb: 'delete', resource: ref.resource, namespace: ns, name, body: copy(opts) }, () => this.store(ref).delete(ns, name, copy(opts)));
  }

  async createSubresource<T extends KubeObject>(ref: ResourceRef, name: string, subresource: string, body: KubeObject, namespace?: string): Promise<T> {
    const ns = nsOf(ref, namespace);
    return this.call({ verb: 'create', resource: ref.resource, namespace: ns, name, subresource, body: copy(body) }, async () => {
      const store = this.store(ref);
      if (subresource !== 'binding' || !store.def.subresources.includes('binding')) throw routeNotFound();
      checkNamespace(body, ns);
      if (body.metadata?.name && body.metadata.name !== name) throw badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`);
      await bindPod(store, ns ?? '', name, copy(body) as BindingBody);
      return { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Success', code: 201 } as KubeObject as T;
    });
  }

  async watch<T extends KubeObject>(ref: ResourceRef, opts: WatchOptions = {}): Promise<WatchStream<T>> {
    const ns = ref.namespaced ? opts.namespace || undefined : undefined;
    return this.call({ verb: 'watch', resource: ref.resource, namespace: opts.namespace, body: opts }, async () => {
      const store = this.store(ref);
      const w: OpenWatch = { chan: new Chan<WatchEvent>(), store, bookmarks: Boolean(opts.allowWatchBookmarks), deaf: false };
      this.watches.add(w);
      try {
        w.handle = await watchStore(store, ns, { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, resourceVersion: opts.resourceVersion }, (ev) => {
          if (w.deaf || w.chan.isClosed()) return;
          w.chan.push(ev);
          if (ev.type === 'ERROR') this.endWatch(w);
        });
      } catch (e) {
        this.watches.delete(w);
        throw e;
      }
      if (w.chan.isClosed()) void w.handle.stop();
      const chan = w.chan;
      return {
        stop: () => {
          chan.abort();
          this.watches.delete(w);
          void w.handle?.stop();
        },
        [Symbol.asyncIterator]: () => chan[Symbol.asyncIterator]() as AsyncIterator<WatchEvent<T>>,
      };
    });
  }

  // ---------- internals ----------

  /** Records the action, applies injected errors, runs `fn` and turns Status errors into ApiErrors. */
  private async call<T>(a: FakeAction, fn: () => Promise<T>): Promise<T> {
    this.actions.push(a);
    const i = this.injected.findIndex((x) => x.verb === a.verb && x.resource === a.resource && (x.subresource === undefined || x.subresource === a.subresource));
    if (i >= 0) {
      const inj = this.injected[i];
      if (--inj.times <= 0) this.injected.splice(i, 1);
      throw inj.err;
    }
    await this.ready;
    try {
      return await fn();
    } catch (e) {
      if (e instanceof StatusError) throw new ApiError(e.status);
      throw e;
    }
  }

  private store(ref: ResourceRef): ResourceStore {
    const s = this.registry.find(ref.group, ref.version, ref.resource);
    if (!s) throw routeNotFound();
    return s;
  }

  private endWatch(w: OpenWatch): void {
    w.chan.close();
    this.watches.delete(w);
    void w.handle?.stop();
  }
}

function nsOf(ref: ResourceRef, namespace: string | undefined): string | undefined {
  return ref.namespaced ? namespace || 'default' : undefined;
}

function copy<T>(o: T): T {
  return o === undefined ? o : (JSON.parse(JSON.stringify(o)) as T);
}
