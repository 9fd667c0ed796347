/**
 * FakeClient: an in-memory ApiClient for unit tests of other components.
 *
 * Behaves like the API server where tests usually care: one global,
 * monotonically increasing resourceVersion; uid/creationTimestamp/generation
 * set on create; generateName; 409 AlreadyExists and 409 Conflict (stale
 * resourceVersion); 404 NotFound; label and field selectors; merge, JSON and
 * (simplified) strategic patches; status subresource (for pods, nodes,
 * services, deployments, replicasets, namespaces the main PUT/PATCH keeps the
 * stored status and the status PUT/PATCH keeps everything else); pods/binding
 * (sets spec.nodeName and the PodScheduled condition, 409 if already bound);
 * graceful deletion of bound pods and finalizers (deletionTimestamp first);
 * watches that replay history from a resourceVersion and answer an ERROR 410
 * Status for a compacted one. Differences: create keeps a given status (handy
 * to seed nodes), namespaces need not exist, no admission or validation.
 *
 * Every call is appended to `actions` for assertions. Objects are deep-copied
 * in and out, so callers never alias the store.
 */
import { randomUUID } from 'node:crypto';
import type { Status } from 'kubernetes-types/meta/v1';
import { Chan } from './chan.ts';
import { applyJsonPatch, mergePatch, strategicMergePatch } from './patch.ts';
import { apiVersionOf, type ResourceRef } from './resources.ts';
import { compileSelectors } from '../api/selectors.ts';
import { generatedName } from '../api/meta.ts';
import type { KubeList, KubeObject } from '../api/object.ts';
import { ApiError, undefinedIfNotFound, type ApiClient, type DeleteOptions, type ListOptions, type PatchType, type WatchEvent, type WatchOptions, type WatchStream } from './types.ts';

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

interface HistoryEntry {
  rv: number;
  resKey: string;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  obj: KubeObject;
  old?: KubeObject;
}

interface Watcher {
  resKey: string;
  namespace?: string;
  match: (o: KubeObject) => boolean;
  bookmarks: boolean;
  chan: Chan<WatchEvent>;
  deaf: boolean;
}

interface InjectedError {
  verb: FakeAction['verb'];
  resource: string;
  subresource?: string;
  err: Error;
  times: number;
}

const statusSubresourceOf = new Set(['pods', 'nodes', 'services', 'deployments', 'replicasets', 'namespaces']);

/** ObjectMeta with its server-set (readonly in kubernetes-types) fields writable. */
type Meta = { -readonly [K in keyof NonNullable<KubeObject['metadata']>]: NonNullable<KubeObject['metadata']>[K] };

/** Builds a meta/v1 Status and the ApiError carrying it. */
export function fakeApiError(code: number, reason: string, message: string, details?: Status['details']): ApiError {
  return new ApiError({ apiVersion: 'v1', kind: 'Status', status: 'Failure', code, reason, message, details });
}

/** In-memory ApiClient (see file doc). `now` (ms) drives timestamps; defaults to Date.now. */
export class FakeClient implements ApiClient {
  /** Every call made, in order. */
  readonly actions: FakeAction[] = [];
  private rv = 0;
  private compactedRv = 0;
  private readonly stores = new Map<string, Map<string, KubeObject>>();
  private history: HistoryEntry[] = [];
  private readonly watchers = new Set<Watcher>();
  private injected: InjectedError[] = [];
  private readonly now: () => number;

  constructor(opts: { now?: () => number } = {}) {
    this.now = opts.now ?? Date.now;
  }

  // ---------- test helpers ----------

  /** The current global resourceVersion (as the server's list would report). */
  currentResourceVersion(): string {
    return String(this.rv);
  }

  /** Makes the next `times` calls of `verb` on `resource` (and subresource, if given) throw `err`. */
  failOn(verb: FakeAction['verb'], resource: string, err: Error, opts: { subresource?: string; times?: number } = {}): void {
    this.injected.push({ verb, resource, subresource: opts.subresource, err, times: opts.times ?? 1 });
  }

  /** Forgets history: a later watch from an older resourceVersion gets an ERROR 410 event. */
  compact(): void {
    this.compactedRv = this.rv;
    this.history = [];
  }

  /** Ends every open watch stream, as a server-side timeout would. */
  closeWatches(): void {
    for (const w of this.watchers) w.chan.close();
    this.watchers.clear();
  }

  /** Open watches stop receiving events (a partitioned connection); close them with closeWatches. */
  pauseWatches(): void {
    for (const w of this.watchers) w.deaf = true;
  }

  /** Sends an ERROR 410 event to every open watch and ends them. */
  expireWatches(): void {
    for (const w of this.watchers) {
      w.chan.push({ type: 'ERROR', object: goneStatus('too old resource version') });
      w.chan.close();
    }
    this.watchers.clear();
  }

  /** Sends a BOOKMARK with the current resourceVersion to watches that asked for bookmarks. */
  sendBookmarks(): void {
    for (const w of this.watchers) {
      if (!w.bookmarks || w.deaf) continue;
      w.chan.push({ type: 'BOOKMARK', object: { metadata: { resourceVersion: String(this.rv) } } });
    }
  }

  /** Number of open watch streams (e.g. to wait until an informer is watching). */
  openWatchCount(): number {
    return this.watchers.size;
  }

  /** Clears the action log. */
  clearActions(): void {
    this.actions.length = 0;
  }

  // ---------- ApiClient ----------

  async get<T extends KubeObject>(ref: ResourceRef, name: string, namespace?: string): Promise<T> {
    const ns = nsOf(ref, namespace);
    this.record({ verb: 'get', resource: ref.resource, namespace: ns, name });
    return clone(this.mustGet(ref, name, ns)) as T;
  }

  async tryGet<T extends KubeObject>(ref: ResourceRef, name: string, namespace?: string): Promise<T | undefined> {
    return undefinedIfNotFound(this.get<T>(ref, name, namespace));
  }

  async list<T extends KubeObject>(ref: ResourceRef, opts: ListOptions = {}): Promise<KubeList<T>> {
    this.record({ verb: 'list', resource: ref.resource, namespace: opts.namespace, body: opts });
    const match = selectorsOrBadRequest(opts);
    const items = [...this.store(ref).entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, o]) => o)
      .filter((o) => (!ref.namespaced || !opts.namespace || o.metadata?.namespace === opts.namespace) && match(o));
    const start = opts.continue ? Number(opts.continue) : 0;
    const end = opts.limit ? start + opts.limit : items.length;
    const page = items.slice(start, end);
    return {
      apiVersion: apiVersionOf(ref),
      kind: `${ref.kind}List`,
      metadata: { resourceVersion: String(this.rv), ...(end < items.length ? { continue: String(end) } : {}) },
      items: page.map((o) => clone(o) as T),
    };
  }

  async create<T extends KubeObject>(ref: ResourceRef, obj: T, namespace?: string): Promise<T> {
    const ns = ref.namespaced ? namespace ?? obj.metadata?.namespace ?? 'default' : undefined;
    this.record({ verb: 'create', resource: ref.resource, namespace: ns, name: obj.metadata?.name, body: clone(obj) });
    if (ref.namespaced && obj.metadata?.namespace && obj.metadata.namespace !== ns) {
      throw fakeApiError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
    }
    const o = clone(obj) as KubeObject;
    const meta = (o.metadata ??= {}) as Meta;
    // Like the API server (Kubernetes >= 1.30 RetryGenerateName): a generated name that collides is drawn again.
    if (!meta.name && meta.generateName) {
      for (let attempt = 0; attempt < 8; attempt++) {
        meta.name = generatedName(meta.generateName);
        if (!this.store(ref).has(key(ns, meta.name))) break;
      }
    }
    if (!meta.name) throw fakeApiError(422, 'Invalid', `${ref.kind} "" is invalid: metadata.name: Required value: name or generateName is required`);
    if (this.store(ref).has(key(ns, meta.name))) {
      throw fakeApiError(409, 'AlreadyExists', `${ref.resource} "${meta.name}" already exists`, { name: meta.name, kind: ref.resource });
    }
    o.apiVersion = apiVersionOf(ref);
    o.kind = ref.kind;
    if (ns !== undefined) meta.namespace = ns;
    meta.uid = randomUUID();
    meta.creationTimestamp = this.timestamp();
    meta.generation = 1;
    delete meta.deletionTimestamp;
    this.commit(ref, 'ADDED', o, undefined);
    return clone(o) as T;
  }

  async update<T extends KubeObject>(ref: ResourceRef, obj: T, namespace?: string): Promise<T> {
    return this.put(ref, obj, namespace, false);
  }

  async updateStatus<T extends KubeObject>(ref: ResourceRef, obj: T, namespace?: string): Promise<T> {
    return this.put(ref, obj, namespace, true);
  }

  private async put<T extends KubeObject>(ref: ResourceRef, obj: T, namespace: string | undefined, status: boolean): Promise<T> {
    const name = obj.metadata?.name ?? '';
    const ns = nsOf(ref, namespace ?? obj.metadata?.namespace);
    this.record({ verb: 'update', resource: ref.resource, namespace: ns, name, subresource: status ? 'status' : undefined, body: clone(obj) });
    const cur = this.mustGet(ref, name, ns);
    const wantRv = obj.metadata?.resourceVersion;
    if (wantRv && wantRv !== cur.metadata?.resourceVersion) throw conflict(ref, name);
    return clone(this.applyChange(ref, cur, clone(obj) as KubeObject, status)) as T;
  }

  async patch<T extends KubeObject>(ref: ResourceRef, name: string, type: PatchType, patch: unknown, namespace?: string, subresource?: string): Promise<T> {
    const ns = nsOf(ref, namespace);
    this.record({ verb: 'patch', resource: ref.resource, namespace: ns, name, subresource, patchType: type, body: clone(patch) });
    if (subresource && subresource !== 'status') throw fakeApiError(404, 'NotFound', `${ref.resource}/${subresource} is not supported by the fake`);
    const cur = this.mustGet(ref, name, ns);
    let next: unknown;
    try {
      next = type === 'json' ? applyJsonPatch(cur, patch) : type === 'merge' ? mergePatch(cur, patch) : strategicMergePatch(cur, patch);
    } catch (e) {
      throw fakeApiError(422, 'Invalid', `patch failed: ${(e as Error).message}`);
    }
    const n = next as KubeObject;
    const wantRv = n.metadata?.resourceVersion;
    if (wantRv && wantRv !== cur.metadata?.resourceVersion) throw conflict(ref, name);
    return clone(this.applyChange(ref, cur, n, subresource === 'status')) as T;
  }

  async delete(ref: ResourceRef, name: string, namespace?: string, opts: DeleteOptions = {}): Promise<void> {
    const ns = nsOf(ref, namespace);
    this.record({ verb: 'delete', resource: ref.resource, namespace: ns, name, body: clone(opts) });
    const cur = this.mustGet(ref, name, ns);
    const meta = cur.metadata ?? {};
    const pre = opts.preconditions;
    if ((pre?.uid && pre.uid !== meta.uid) || (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion)) {
      throw fakeApiError(409, 'Conflict', `Precondition failed for ${ref.resource} "${name}"`);
    }
    const hasFinalizers = (meta.finalizers ?? []).length > 0;
    const spec = (cur as { spec?: { nodeName?: string; terminationGracePeriodSeconds?: number } }).spec;
    const grace = ref.resource === 'pods' && spec?.nodeName ? opts.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30 : 0;
    if (hasFinalizers || grace > 0) {
      if (meta.deletionTimestamp && (hasFinalizers || grace >= (meta.deletionGracePeriodSeconds ?? 0))) return;
      const next = clone(cur) as KubeObject;
      const m = (next.metadata ??= {}) as Meta;
      m.deletionTimestamp = this.timestamp(grace * 1000);
      m.deletionGracePeriodSeconds = grace;
      this.commit(ref, 'MODIFIED', next, cur);
      return;
    }
    this.remove(ref, cur);
  }

  async createSubresource<T extends KubeObject>(ref: ResourceRef, name: string, subresource: string, body: KubeObject, namespace?: string): Promise<T> {
    const ns = nsOf(ref, namespace);
    this.record({ verb: 'create', resource: ref.resource, namespace: ns, name, subresource, body: clone(body) });
    if (ref.resource === 'pods' && subresource === 'binding') return this.bind(ref, name, ns, body) as T;
    if (ref.resource === 'pods' && subresource === 'eviction') {
      await this.delete(ref, name, ns);
      return success(201) as T;
    }
    throw fakeApiError(404, 'NotFound', `the fake does not support ${ref.resource}/${subresource}`);
  }

  async watch<T extends KubeObject>(ref: ResourceRef, opts: WatchOptions = {}): Promise<WatchStream<T>> {
    this.record({ verb: 'watch', resource: ref.resource, namespace: opts.namespace, body: opts });
    const w: Watcher = {
      resKey: resKeyOf(ref),
      namespace: ref.namespaced ? opts.namespace : undefined,
      match: selectorsOrBadRequest(opts),
      bookmarks: Boolean(opts.allowWatchBookmarks),
      chan: new Chan<WatchEvent>(),
      deaf: false,
    };
    const from = opts.resourceVersion;
    if (from === undefined || from === '' || from === '0') {
      for (const o of this.store(ref).values()) if (this.visible(w, o)) w.chan.push({ type: 'ADDED', object: clone(o) });
    } else if (Number(from) < this.compactedRv) {
      w.chan.push({ type: 'ERROR', object: goneStatus(`too old resource version: ${from} (${this.compactedRv})`) });
      w.chan.close();
    } else {
      for (const h of this.history) if (h.rv > Number(from) && h.resKey === w.resKey) this.deliver(w, h);
    }
    if (!w.chan.isClosed()) this.watchers.add(w);
    const chan = w.chan;
    return {
      stop: () => {
        chan.abort();
        this.watchers.delete(w);
      },
      [Symbol.asyncIterator]: () => chan[Symbol.asyncIterator]() as AsyncIterator<WatchEvent<T>>,
    };
  }

  // ---------- internals ----------

  private record(a: FakeAction): void {
    this.actions.push(a);
    const i = this.injected.findIndex((x) => x.verb === a.verb && x.resource === a.resource && (x.subresource === undefined || x.subresource === a.subresource));
    if (i < 0) return;
    const inj = this.injected[i];
    if (--inj.times <= 0) this.injected.splice(i, 1);
    throw inj.err;
  }

  private store(ref: ResourceRef): Map<string, KubeObject> {
    const k = resKeyOf(ref);
    let s = this.stores.get(k);
    if (!s) this.stores.set(k, (s = new Map()));
    return s;
  }

  private mustGet(ref: ResourceRef, name: string, ns: string | undefined): KubeObject {
    const o = this.store(ref).get(key(ns, name));
    if (!o) throw fakeApiError(404, 'NotFound', `${ref.resource} "${name}" not found`, { name, kind: ref.resource });
    return o;
  }

  private timestamp(offsetMs = 0): string {
    return new Date(this.now() + offsetMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  /** Merges a new version into the store following update rules; returns the stored object. */
  private applyChange(ref: ResourceRef, cur: KubeObject, next: KubeObject, statusOnly: boolean): KubeObject {
    const withStatus = statusSubresourceOf.has(ref.resource);
    let out: KubeObject;
    if (statusOnly) {
      out = { ...clone(cur), status: (next as { status?: unknown }).status } as KubeObject;
    } else {
      out = next;
      if (withStatus) (out as { status?: unknown }).status = clone((cur as { status?: unknown }).status);
    }
    const cm = cur.metadata ?? {};
    const m = (out.metadata ??= {}) as Meta;
    m.name = cm.name;
    if (cm.namespace !== undefined) m.namespace = cm.namespace;
    m.uid = cm.uid;
    m.creationTimestamp = cm.creationTimestamp;
    m.deletionTimestamp = cm.deletionTimestamp;
    m.deletionGracePeriodSeconds = cm.deletionGracePeriodSeconds;
    if (m.deletionTimestamp === undefined) delete m.deletionTimestamp;
    if (m.deletionGracePeriodSeconds === undefined) delete m.deletionGracePeriodSeconds;
    out.apiVersion = apiVersionOf(ref);
    out.kind = ref.kind;
    m.resourceVersion = cm.resourceVersion;
    const specOf = (o: KubeObject): string => JSON.stringify((o as { spec?: unknown }).spec ?? null);
    m.generation = (cm.generation ?? 1) + (specOf(out) !== specOf(cur) ? 1 : 0);
    if (deepEqual(out, cur)) return cur;
    if (m.deletionTimestamp && (m.finalizers ?? []).length === 0 && m.deletionGracePeriodSeconds === 0) {
      this.remove(ref, out);
      return out;
    }
    this.commit(ref, 'MODIFIED', out, cur);
    return out;
  }

  private bind(ref: ResourceRef, name: string, ns: string | undefined, body: KubeObject): KubeObject {
    const cur = this.mustGet(ref, name, ns);
    const target = (body as { target?: { name?: string } }).target?.name;
    if (!target) throw fakeApiError(422, 'Invalid', 'Binding: target.name: Required value');
    const spec = (cur as { spec?: { nodeName?: string } }).spec ?? {};
    if (spec.nodeName) throw fakeApiError(409, 'Conflict', `Operation cannot be fulfilled on pods/binding "${name}": pod ${name} is already assigned to node "${spec.nodeName}"`);
    if (cur.metadata?.deletionTimestamp) throw fakeApiError(409, 'Conflict', `pod ${name} is being deleted, cannot be assigned to a host`);
    type Cond = { type: string; status: string; lastTransitionTime?: string };
    const next = clone(cur) as KubeObject & { spec?: { nodeName?: string }; status?: { conditions?: Cond[] } };
    (next.spec ??= {}).nodeName = target;
    const st = (next.status ??= {});
    const conds = (st.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
    conds.push({ type: 'PodScheduled', status: 'True', lastTransitionTime: this.timestamp() });
    st.conditions = conds;
    this.commit(ref, 'MODIFIED', next, cur);
    return success(201);
  }

  private remove(ref: ResourceRef, cur: KubeObject): void {
    const gone = clone(cur) as KubeObject;
    this.commit(ref, 'DELETED', gone, cur);
  }

  private commit(ref: ResourceRef, type: HistoryEntry['type'], obj: KubeObject, old: KubeObject | undefined): void {
    this.rv += 1;
    const meta = (obj.metadata ??= {}) as Meta;
    meta.resourceVersion = String(this.rv);
    const k = key(meta.namespace, meta.name ?? '');
    if (type === 'DELETED') this.store(ref).delete(k);
    else this.store(ref).set(k, obj);
    const h: HistoryEntry = { rv: this.rv, resKey: resKeyOf(ref), type, obj: clone(obj), old: old && clone(old) };
    this.history.push(h);
    for (const w of this.watchers) if (w.resKey === h.resKey && !w.deaf) this.deliver(w, h);
  }

  private visible(w: Watcher, o: KubeObject): boolean {
    return (w.namespace === undefined || o.metadata?.namespace === w.namespace) && w.match(o);
  }

  /** Sends one history entry to a watcher, translating selector transitions like the server does. */
  private deliver(w: Watcher, h: HistoryEntry): void {
    const now = this.visible(w, h.obj);
    const before = h.old !== undefined && this.visible(w, h.old);
    let type: WatchEvent['type'] | undefined;
    if (h.type === 'DELETED') type = before || now ? 'DELETED' : undefined;
    else if (h.type === 'ADDED') type = now ? 'ADDED' : undefined;
    else type = now && before ? 'MODIFIED' : now ? 'ADDED' : before ? 'DELETED' : undefined;
    if (type) w.chan.push({ type, object: clone(h.obj) });
  }
}

function resKeyOf(ref: ResourceRef): string {
  return `${ref.group}/${ref.resource}`;
}

function key(ns: string | undefined, name: string): string {
  return ns ? `${ns}/${name}` : name;
}

function nsOf(ref: ResourceRef, namespace: string | undefined): string | undefined {
  return ref.namespaced ? namespace || 'default' : undefined;
}

function clone<T>(o: T): T {
  return o === undefined ? o : (JSON.parse(JSON.stringify(o)) as T);
}

/** Structural equality of JSON values, ignoring key order. */
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra).filter((k) => ra[k] !== undefined);
  const kb = Object.keys(rb).filter((k) => rb[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => deepEqual(ra[k], rb[k]));
}


function conflict(ref: ResourceRef, name: string): ApiError {
  return fakeApiError(409, 'Conflict', `Operation cannot be fulfilled on ${ref.resource} "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, kind: ref.resource });
}

function goneStatus(message: string): Status {
  return { apiVersion: 'v1', kind: 'Status', status: 'Failure', code: 410, reason: 'Expired', message };
}

function success(code: number): KubeObject {
  return { apiVersion: 'v1', kind: 'Status', status: 'Success', code } as KubeObject;
}

function selectorsOrBadRequest(opts: ListOptions): (o: KubeObject) => boolean {
  try {
    return compileSelectors(opts.labelSelector, opts.fieldSelector);
  } catch (e) {
    throw fakeApiError(400, 'BadRequest', (e as Error).message);
  }
}
