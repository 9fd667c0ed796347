/**
 * The generic store: one per ResourceDef, like Kubernetes'
 * apiserver/pkg/registry/generic/registry/store.go. It turns REST verbs into
 * storage operations, running the resource's strategy hooks, and maps every
 * storage failure to a Status error in one place.
 */
import { randomUUID } from 'node:crypto';
import type { KubeList, KubeObject } from '../api/object.ts';
import { alreadyExists, badRequest, conflict, expired, forbidden, invalid, notFound, StatusError } from '../api/errors.ts';
import { applyPatch, type PatchKind } from '../api/patch/index.ts';
import { clone, jsonEqual } from '../api/patch/json-value.ts';
import { EtcdStorage, objectKey, StorageError } from '../storage/etcd.ts';
import { planDeletion, type DeleteParams } from './deletion.ts';
import { assertMetadataTypes, generatedName, rfc3339, validateMeta } from '../api/meta.ts';
import { buildMatcher, type Matcher, type SelectorOptions } from './matcher.ts';
import type { ResourceDef, StrategyContext } from './types.ts';

/** Options of a list. `continue` is the token from a previous page. */
export interface ListParams extends SelectorOptions {
  limit?: number;
  continue?: string;
  /** With `exact`, the list is read at this revision (410 if compacted). */
  resourceVersion?: string;
  /** resourceVersionMatch=Exact. */
  exact?: boolean;
}

export type { DeleteParams } from './deletion.ts';

/** Options of every write: `dryRun` runs defaulting and validation but stores nothing (dryRun=All). */
export interface WriteOptions {
  dryRun?: boolean;
}

/** The result of a delete: the object, and whether it is gone (false: pending finalizers or grace). */
export interface DeleteResult {
  obj: KubeObject;
  deleted: boolean;
}

/** Everything a store needs from the server. */
export interface StoreDeps {
  storage: EtcdStorage;
  ctx: StrategyContext;
  /** ms since epoch; injectable for tests. */
  now?: () => number;
  /** Objects expire this many seconds after their last write (events); unset = never. */
  ttlSeconds?: number;
}

const MAX_RETRIES = 8;

/** ObjectMeta without kubernetes-types' readonly markers: the server owns these fields. */
type Meta = { -readonly [K in keyof NonNullable<KubeObject['metadata']>]: NonNullable<KubeObject['metadata']>[K] };
const metaOf = (o: KubeObject): Meta => (o.metadata ??= {}) as Meta;

interface ContinueToken {
  rv: string;
  start: string;
}

/** Encodes a continue token: base64 of {rv, start}. */
export function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify(t)).toString('base64url');
}

/** Decodes a continue token; throws 400 if malformed. */
export function decodeContinue(s: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(s, 'base64url').toString()) as Partial<ContinueToken>;
    if (typeof t.rv === 'string' && typeof t.start === 'string') return { rv: t.rv, start: t.start };
  } catch {
    // fall through
  }
  throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}

/** CRUD, patch, delete and list for one resource, on etcd, with the resource's strategy. */
export class ResourceStore {
  readonly def: ResourceDef;
  readonly storage: EtcdStorage;
  private readonly ctx: StrategyContext;
  private readonly now: () => number;
  private readonly ttlSeconds?: number;
  /** Called after a delete left the object in place with deletionTimestamp set (e.g. to finalize a namespace). */
  onTerminating?: (obj: KubeObject) => void;

  constructor(def: ResourceDef, deps: StoreDeps) {
    this.def = def;
    this.storage = deps.storage;
    this.ctx = deps.ctx;
    this.now = deps.now ?? Date.now;
    this.ttlSeconds = deps.ttlSeconds;
  }

  /** apiVersion of the objects, e.g. 'apps/v1'. */
  get apiVersion(): string {
    return this.def.group ? `${this.def.group}/${this.def.version}` : this.def.version;
  }

  /** etcd key of an object. `namespace` is ignored for cluster-scoped resources. */
  key(namespace: string | undefined, name: string): string {
    return objectKey(this.def.resource, this.def.namespaced ? namespace ?? '' : undefined, name);
  }

  private target(name?: string): { group: string; resource: string; name?: string } {
    return { group: this.def.group, resource: this.def.resource, name };
  }

  /** Maps a StorageError to the Kubernetes Status error; rethrows anything else. */
  mapError(e: unknown, name?: string): never {
    if (e instanceof StorageError) {
      switch (e.kind) {
        case 'AlreadyExists': throw alreadyExists(this.target(name));
        case 'Conflict': throw conflict(this.target(name));
        case 'NotFound': throw notFound(this.target(name));
        case 'Compacted': throw expired(`too old resource version: ${e.message}`);
        case 'BadContinue': throw badRequest(e.message);
      }
    }
    throw e;
  }

  /** Builds the object filter for label/field selectors (400 on a bad selector). */
  matcher(opts: SelectorOptions): Matcher {
    return buildMatcher(this.def, opts);
  }

  /** Reads one object; 404 NotFound if absent. */
  async get(namespace: string | undefined, name: string): Promise<KubeObject> {
    const obj = await this.storage.get(this.key(namespace, name));
    if (!obj) throw notFound(this.target(name));
    return obj;
  }

  /**
   * Lists objects (one namespace, or all when `namespace` is undefined) at one
   * etcd revision, filtered by selectors, `limit` per page with a `continue`
   * token that resumes at the same revision (410 if it was compacted);
   * resourceVersionMatch=Exact reads at the given revision.
   */
  async list(namespace: string | undefined, params: ListParams = {}): Promise<KubeList<KubeObject>> {
    const match = this.matcher(params);
    const prefix = this.prefix(namespace);
    const limit = params.limit && params.limit > 0 ? params.limit : 0;
    let revision: string | undefined;
    let startKey: string | undefined;
    if (params.exact && params.resourceVersion && !params.continue) {
      if (!/^\d+$/.test(params.resourceVersion) || params.resourceVersion === '0') throw badRequest(`resourceVersionMatch=Exact needs a non-zero resourceVersion, got ${JSON.stringify(params.resourceVersion)}`);
      revision = params.resourceVersion;
    }
    if (params.continue) {
      const t = decodeContinue(params.continue);
      if (!t.start.startsWith(prefix)) throw badRequest('continue key is not valid: the key is not in this collection');
      revision = t.rv;
      startKey = t.start;
    }
    const items: KubeObject[] = [];
    let nextKey: string | undefined;
    try {
      for (;;) {
        const want = limit > 0 ? limit - items.length : 0;
        const page = await this.storage.list(prefix, { limit: want, startKey, revision });
        revision = page.revision;
        for (const o of page.items) if (match(o)) items.push(o);
        nextKey = page.nextKey;
        if (!nextKey || (limit > 0 && items.length >= limit)) break;
        startKey = nextKey;
      }
    } catch (e) {
      this.mapError(e);
    }
    const metadata: KubeList<KubeObject>['metadata'] = { resourceVersion: revision };
    if (nextKey && revision) metadata.continue = encodeContinue({ rv: revision, start: nextKey });
    return { apiVersion: this.apiVersion, kind: this.def.listKind, metadata, items };
  }

  /** Key prefix of the collection (one namespace, or all). */
  prefix(namespace: string | undefined): string {
    const base = `/registry/${this.def.resource}/`;
    return this.def.namespaced && namespace ? `${base}${namespace}/` : base;
  }

  /**
   * Creates an object: stamps uid, creationTimestamp, generation 1, resolves
   * generateName (retrying on a name collision), runs prepareForCreate,
   * validation (422 Invalid), beforeCreate (undone if the write fails) and the
   * create txn (409 AlreadyExists). Namespaced creates need the namespace (404).
   */
  async create(namespace: string | undefined, input: KubeObject, wo: WriteOptions = {}): Promise<KubeObject> {
    assertMetadataTypes(input, this.def.kind, this.def.group);
    const obj = clone(input);
    const meta = metaOf(obj);
    if (this.def.namespaced) {
      meta.namespace = namespace;
      const ns = namespace ? await this.storage.get(objectKey('namespaces', undefined, namespace)) : undefined;
      if (namespace && !ns) throw notFound({ group: '', resource: 'namespaces', name: namespace });
      if (ns?.metadata?.deletionTimestamp) {
        throw forbidden(this.target(meta.name ?? meta.generateName ?? ''), `unable to create new content in namespace ${namespace} because it is being terminated`);
      }
    } else {
      delete meta.namespace;
    }
    obj.kind = this.def.kind;
    obj.apiVersion = this.apiVersion;
    const generate = !meta.name && !!meta.generateName;
    for (let attempt = 0; ; attempt++) {
      if (generate) meta.name = generatedName(meta.generateName ?? '');
      try {
        return await this.createOnce(obj, wo);
      } catch (e) {
        if (generate && attempt < MAX_RETRIES && e instanceof StatusError && e.status.reason === 'AlreadyExists') continue;
        throw e;
      }
    }
  }

  private async createOnce(input: KubeObject, wo: WriteOptions): Promise<KubeObject> {
    const obj = clone(input);
    const meta = metaOf(obj);
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(this.now());
    meta.generation = 1;
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    this.def.strategy.prepareForCreate?.(obj);
    const name = meta.name ?? meta.generateName ?? '';
    const causes = [...validateMeta(obj, this.def.resource === 'namespaces'), ...(this.def.strategy.validate?.(obj) ?? [])];
    if (causes.length > 0) throw invalid(this.def.kind, this.def.group, name, causes);
    if (wo.dryRun) return obj;
    const undo = await this.def.strategy.beforeCreate?.(obj, this.ctx);
    try {
      return await this.storage.create(this.key(meta.namespace, name), obj, { ttlSeconds: this.ttlSeconds });
    } catch (e) {
      if (undo) await undo().catch(() => undefined);
      if (e instanceof StorageError && e.kind === 'AlreadyExists') throw alreadyExists(this.target(name));
      throw e;
    }
  }

  /**
   * PUT: replaces the object. With metadata.resourceVersion it is a
   * compare-and-swap (409 Conflict if stale); without, it applies to the
   * current version. `subresource` 'status' changes only `.status`. A no-op
   * update writes nothing and returns the stored object.
   */
  async update(namespace: string | undefined, name: string, input: KubeObject, subresource?: string, wo: WriteOptions = {}): Promise<KubeObject> {
    const wantRv = input.metadata?.resourceVersion;
    return this.guaranteedUpdate(namespace, name, (cur) => {
      if (wantRv && wantRv !== cur.metadata?.resourceVersion) throw conflict(this.target(name));
      return clone(input);
    }, subresource, !wantRv, wo);
  }

  /**
   * PATCH: applies a patch to the current object and writes it with CAS,
   * re-reading and re-applying on a conflict (a few times). A resourceVersion
   * inside the patch is a precondition. `apply` patches of a missing object
   * create it (server-side apply, approximated).
   */
  async patch(namespace: string | undefined, name: string, kind: PatchKind, patch: unknown, subresource?: string, wo: WriteOptions = {}): Promise<{ obj: KubeObject; created: boolean }> {
    if (kind === 'apply' && !subresource) {
      const existing = await this.storage.get(this.key(namespace, name));
      if (!existing) {
        const obj = applyPatch('apply', {}, patch) as KubeObject;
        assertMetadataTypes(obj, this.def.kind, this.def.group);
        metaOf(obj).name ??= name;
        if (metaOf(obj).name !== name) throw badRequest('the name of the object does not match the name on the URL');
        return { obj: await this.create(namespace, obj, wo), created: true };
      }
    }
    const obj = await this.guaranteedUpdate(namespace, name, (cur) => {
      const next = applyPatch(kind, cur, patch) as KubeObject;
      const patchedRv = next.metadata?.resourceVersion;
      if (patchedRv && patchedRv !== cur.metadata?.resourceVersion) throw conflict(this.target(name));
      return next;
    }, subresource, true, wo);
    return { obj, created: false };
  }

  /**
   * Read-modify-write with CAS on the key's mod_revision. `mutate` returns the
   * wanted object (it may throw a StatusError). Retries on conflict only when
   * `retry` (no caller-supplied resourceVersion).
   */
  async guaranteedUpdate(namespace: string | undefined, name: string, mutate: (cur: KubeObject) => KubeObject, subresource: string | undefined, retry: boolean, wo: WriteOptions = {}): Promise<KubeObject> {
    const key = this.key(namespace, name);
    for (let attempt = 0; ; attempt++) {
      const cur = await this.storage.get(key);
      if (!cur) throw notFound(this.target(name));
      const rv = cur.metadata!.resourceVersion!;
      const wanted = mutate(clone(cur));
      const next = this.prepareUpdate(wanted, cur, subresource);
      if (sameIgnoringRv(next, cur) || wo.dryRun) return next;
      try {
        const written = await this.storage.update(key, next, rv, { ttlSeconds: this.ttlSeconds });
        return await this.finishIfDone(key, written);
      } catch (e) {
        if (retry && attempt < MAX_RETRIES && e instanceof StorageError && e.kind === 'Conflict') continue;
        this.mapError(e, name);
      }
    }
  }

  /** Applies the update rules: immutable metadata, strategy hooks, generation, validation. */
  private prepareUpdate(wanted: KubeObject, cur: KubeObject, subresource: string | undefined): KubeObject {
    const name = cur.metadata?.name ?? '';
    assertMetadataTypes(wanted, this.def.kind, this.def.group);
    const wm = metaOf(wanted);
    if (wm.name !== undefined && wm.name !== name) throw badRequest(`the name of the object (${wm.name}) does not match the name on the URL (${name})`);
    if (this.def.namespaced && wm.namespace !== undefined && wm.namespace !== cur.metadata?.namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    if (wm.uid && wm.uid !== cur.metadata?.uid) {
      throw conflict(this.target(name), `Precondition failed: UID in precondition: ${wm.uid}, UID in object meta: ${cur.metadata?.uid ?? ''}`);
    }
    let next: KubeObject;
    if (subresource === 'status') {
      next = { ...clone(cur), status: (wanted as { status?: unknown }).status } as KubeObject;
      this.def.strategy.prepareForStatusUpdate?.(next, cur);
    } else {
      next = wanted;
      const nm = metaOf(next);
      const cm = cur.metadata ?? {};
      nm.name = cm.name;
      nm.namespace = cm.namespace;
      nm.uid = cm.uid;
      nm.creationTimestamp = cm.creationTimestamp;
      nm.generation = cm.generation;
      if (cm.deletionTimestamp) nm.deletionTimestamp = cm.deletionTimestamp;
      else delete nm.deletionTimestamp;
      if (cm.deletionGracePeriodSeconds !== undefined) nm.deletionGracePeriodSeconds = cm.deletionGracePeriodSeconds;
      else delete nm.deletionGracePeriodSeconds;
      if (cm.deletionTimestamp && (nm.finalizers ?? []).some((f) => !(cm.finalizers ?? []).includes(f))) {
        throw invalid(this.def.kind, this.def.group, name, [{ reason: 'FieldValueForbidden', field: 'metadata.finalizers', message: 'Forbidden: no new finalizers can be added if the object is being deleted' }]);
      }
      this.def.strategy.prepareForUpdate?.(next, cur);
      const spec = (o: KubeObject): unknown => (o as { spec?: unknown }).spec;
      if (this.def.strategy.bumpsGeneration && !jsonEqual(spec(next), spec(cur))) nm.generation = (cm.generation ?? 1) + 1;
    }
    next.kind = this.def.kind;
    next.apiVersion = this.apiVersion;
    metaOf(next).resourceVersion = cur.metadata?.resourceVersion;
    const causes = [...validateMeta(next, this.def.resource === 'namespaces'), ...(this.def.strategy.validateUpdate?.(next, cur) ?? this.def.strategy.validate?.(next) ?? [])];
    if (causes.length > 0) throw invalid(this.def.kind, this.def.group, name, causes);
    return next;
  }

  /** After an update: an object being deleted with no finalizers left and no grace pending is removed. */
  private async finishIfDone(key: string, written: KubeObject): Promise<KubeObject> {
    const m = written.metadata ?? {};
    const specFinalizers = isNamespace(this.def) ? ((written as { spec?: { finalizers?: string[] } }).spec?.finalizers ?? []) : [];
    if (m.deletionTimestamp && (m.finalizers ?? []).length === 0 && specFinalizers.length === 0 && (m.deletionGracePeriodSeconds ?? 0) === 0) {
      try {
        await this.storage.delete(key, m.resourceVersion!);
        await this.def.strategy.afterDelete?.(written, this.ctx);
      } catch (e) {
        if (!(e instanceof StorageError)) throw e;
      }
    }
    return written;
  }

  /**
   * Deletes an object as Kubernetes does: preconditions (409), pods bound to
   * a node with a grace period > 0 get deletionTimestamp (now + grace) and
   * deletionGracePeriodSeconds and stay; objects with finalizers (after adding
   * foregroundDeletion/orphan for those policies) get deletionTimestamp and
   * stay; anything else is removed and afterDelete runs.
   */
  async delete(namespace: string | undefined, name: string, opts: DeleteParams = {}, wo: WriteOptions = {}): Promise<DeleteResult> {
    const key = this.key(namespace, name);
    for (let attempt = 0; ; attempt++) {
      const cur = await this.storage.get(key);
      if (!cur) throw notFound(this.target(name));
      const meta = cur.metadata ?? {};
      const pre = opts.preconditions ?? {};
      if (pre.uid && pre.uid !== meta.uid) throw conflict(this.target(name), `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid ?? ''}`);
      if (pre.resourceVersion && pre.resourceVersion !== meta.resourceVersion) throw conflict(this.target(name), `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion ?? ''}`);
      try {
        const pending = planDeletion(this.def, cur, opts, this.now());
        if (wo.dryRun) return { obj: pending ?? cur, deleted: !pending };
        if (pending) {
          const written = sameIgnoringRv(pending, cur) ? cur : await this.storage.update(key, pending, meta.resourceVersion!);
          this.onTerminating?.(written);
          return { obj: written, deleted: false };
        }
        const rev = await this.storage.delete(key, meta.resourceVersion!);
        await this.def.strategy.afterDelete?.(cur, this.ctx);
        metaOf(cur).resourceVersion = rev;
        return { obj: cur, deleted: true };
      } catch (e) {
        if (attempt < MAX_RETRIES && e instanceof StorageError && e.kind === 'Conflict') continue;
        this.mapError(e, name);
      }
    }
  }
}

/** True for the core namespaces resource, whose spec.finalizers hold its deletion (Kubernetes' namespace lifecycle). */
function isNamespace(def: ResourceDef): boolean {
  return def.group === '' && def.resource === 'namespaces';
}

/** True if two objects differ at most in metadata.resourceVersion. */
function sameIgnoringRv(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject): KubeObject => ({ ...o, metadata: { ...(o.metadata ?? {}), resourceVersion: undefined } });
  return jsonEqual(JSON.parse(JSON.stringify(strip(a))), JSON.parse(JSON.stringify(strip(b))));
}
