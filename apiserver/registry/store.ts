/**
 * The generic store: one per ResourceDef, like Kubernetes'
 * apiserver/pkg/registry/generic/registry/store.go, and the one write path.
 * Every write (create, update, patch, apply, delete, deletecollection,
 * status, scale, binding, namespace finalization, bootstrap) runs
 * checkWrite (schema check/prune) → system metadata → strategy defaulting → mutating admission
 * → validation → validating admission → before-hook → one etcd txn →
 * after-hook, undoing the before-hook's allocations if the txn fails; dryRun
 * stops before the before-hook. Every storage failure maps to a Status error
 * in one place.
 */
import { randomUUID } from 'node:crypto';
import type { KubeList, KubeObject } from '../api/object.ts';
import type { Logger } from '../api/log.ts';
import { alreadyExists, badRequest, conflict, expired, invalid, notFound, StatusError } from '../api/errors.ts';
import { applyPatch, type PatchKind } from '../api/patch/index.ts';
import { clone, isObject, jsonEqual } from '../api/patch/json-value.ts';
import { StorageError, type Storage } from '../storage/interface.ts';
import type { UserInfo } from '../api/user.ts';
import { objectKey } from '../storage/keys.ts';
import { cachedList } from './cached-reads.ts';
import { listAsText } from './list-text.ts';
import { isCacher, type Cacher } from '../storage/cacher.ts';
import { planDeletion, type DeleteParams } from './deletion.ts';
import { assertMetadataTypes, generatedName, validateMeta } from '../api/meta.ts';
import { decodeContinue, encodeContinue } from './continue.ts';
import { buildMatcher, type Matcher, type SelectorOptions } from './matcher.ts';
import { checkWrite, type SchemaCheckOptions } from './schema-check.ts';
import { admit, admitAll, runAdmission, type AdmissionAttributes, type AdmissionChain, type AdmissionOperation } from './admission/chain.ts';
import { deleteCollection, type CollectionTuning } from './delete-collection.ts';
import { admissionAttributes } from './admission-attributes.ts';
import { apiVersionOf, metaOf, prepareCreate, stampCreate } from './create-meta.ts';
import { finalizerAddError, keepSystemMeta, nextGeneration, stampKindAndRv, updateMetaError } from './update-meta.ts';
import type { ResourceDef, StrategyContext, SubresourceStrategy, Undo } from './types.ts';
import { applyToObject, kindListTypes, stampManagedFields, WriteMemo, type FieldManagerOptions, type WriteTarget } from '../api/managedfields/index.ts';

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

/**
 * Options of every write: `dryRun` runs defaulting and validation but stores
 * nothing (dryRun=All); `fieldValidation` and `warnings` drive the schema
 * check (schema-check.ts); the field-manager options say who writes (managedFields).
 */
export interface WriteOptions extends SchemaCheckOptions, FieldManagerOptions {
  dryRun?: boolean;
  /** Who writes (the authenticated user); handed to admission. */
  user?: UserInfo;
}

/** The result of a delete: the object, and whether it is gone (false: pending finalizers or grace). */
export interface DeleteResult {
  obj: KubeObject;
  deleted: boolean;
}

/** Everything a store needs from the server. */
export interface StoreDeps {
  storage: Storage;
  ctx: StrategyContext;
  /** ms since epoch; injectable for tests. */
  now?: () => number;
  /** Objects expire this many seconds after their last write (events); unset = never. */
  ttlSeconds?: number;
  /** Admission plugins run on every write; default none (the Registry passes the server's chain). */
  admission?: AdmissionChain;
  /** Where a failed undo or after-hook (a leaked allocation) is reported. */
  log?: Logger;
}

const MAX_RETRIES = 8;


export { decodeContinue, encodeContinue } from './continue.ts';

/** CRUD, patch, delete and list for one resource, on a Storage, with the resource's strategy. */
export class ResourceStore {
  readonly def: ResourceDef;
  readonly storage: Storage;
  private readonly ctx: StrategyContext;
  private readonly now: () => number;
  private readonly ttlSeconds?: number;
  private readonly admission: AdmissionChain;
  private readonly log?: Logger;
  /** What this store's writes recompute for field management (list types, user-agent managers, the second's timestamp); made on first use. */
  private writeMemo?: WriteMemo;
  /** Called after a delete left the object in place with deletionTimestamp set (e.g. to finalize a namespace). */
  onTerminating?: (obj: KubeObject) => void;

  constructor(def: ResourceDef, deps: StoreDeps) {
    this.def = def;
    this.storage = deps.storage;
    this.ctx = deps.ctx;
    this.now = deps.now ?? Date.now;
    this.ttlSeconds = deps.ttlSeconds;
    this.admission = deps.admission ?? admitAll;
    this.log = deps.log;
  }

  /** apiVersion of the objects, e.g. 'apps/v1'. */
  get apiVersion(): string {
    return apiVersionOf(this.def);
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

  /** The watch cache this store's storage is, if it is one (watches are then served from it). */
  watchCache(): Cacher | undefined {
    return isCacher(this.storage) ? this.storage : undefined;
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
    const cached = await cachedList(this.storage, prefix, params);
    if (cached) return { apiVersion: this.apiVersion, kind: this.def.listKind, metadata: { resourceVersion: cached.revision }, items: cached.items.filter(match) };
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

  /** `list` as the response's JSON text (UTF-8 bytes) when no object is needed (list-text.ts); undefined: call `list`. */
  listText(namespace: string | undefined, params: ListParams = {}): Promise<Buffer | undefined> {
    return listAsText(this, this.storage, namespace, params);
  }

  /** Key prefix of the collection (one namespace, or all). */
  prefix(namespace: string | undefined): string {
    const base = `/registry/${this.def.resource}/`;
    return this.def.namespaced && namespace ? `${base}${namespace}/` : base;
  }

  /**
   * Creates an object through the write path: schema check, system metadata
   * (uid, creationTimestamp, generation 1; generateName resolved, retried on
   * a name collision), the strategy's defaulting, mutating admission (e.g. a
   * missing namespace is 404, a terminating one 403), validation (422
   * Invalid), validating admission, beforeCreate (undone if the write fails)
   * and the create txn (409 AlreadyExists). dryRun stops before any side effect.
   * `handOver`: the caller gives `input` away (no one reads or changes it
   * afterwards) and it holds no value twice, as a JSON.parse result (a YAML
   * alias is one value in two places): the object is then built in it
   * rather than in a copy. Otherwise `input` is never changed.
   */
  async create(namespace: string | undefined, input: KubeObject, wo: WriteOptions = {}, handOver = false): Promise<KubeObject> {
    // No copy here: checkWrite and assertMetadataTypes do not mutate `input`, and prepareCreate copies before it changes anything.
    const obj = checkWrite(this.def, input, wo);
    assertMetadataTypes(obj, this.def.kind, this.def.group);
    const generate = !obj.metadata?.name && !!obj.metadata?.generateName;
    for (let attempt = 0; ; attempt++) {
      const name = generate ? generatedName(obj.metadata?.generateName ?? '') : undefined;
      const stamp = { nowMs: this.now(), uid: randomUUID(), name };
      // A generated name may be retried from `obj` as it was, so that case keeps copying.
      const prepared = handOver && !generate ? stampCreate(this.def, obj, namespace, stamp) : prepareCreate(this.def, obj, namespace, stamp);
      try {
        return await this.createOnce(prepared, wo);
      } catch (e) {
        if (generate && attempt < MAX_RETRIES && e instanceof StatusError && e.status.reason === 'AlreadyExists') continue;
        throw e;
      }
    }
  }

  private async createOnce(obj: KubeObject, wo: WriteOptions): Promise<KubeObject> {
    const meta = metaOf(obj);
    const name = meta.name ?? meta.generateName ?? '';
    this.def.strategy.prepareForCreate?.(obj, wo.user);
    stampManagedFields(undefined, obj, wo, this.fieldTarget());
    const attrs = this.attributes('CREATE', obj, undefined, undefined, wo);
    await this.admitPhase(this.admission.mutating, attrs);
    const causes = [...validateMeta(obj, isNamespace(this.def), this.def.nameErrors), ...(this.def.strategy.validate?.(obj) ?? [])];
    if (causes.length > 0) throw invalid(this.def.kind, this.def.group, name, causes);
    await this.admitPhase(this.admission.validating, attrs);
    if (wo.dryRun) return obj;
    const key = this.key(meta.namespace, name);
    // A create that can only fail (AlreadyExists, too large) must not allocate (and release) first: a rejected request writes nothing.
    if (this.def.strategy.beforeCreate) {
      const tooLarge = this.storage.sizeError?.(key, obj);
      if (tooLarge) this.mapError(tooLarge, name);
      if (await this.storage.get(key)) throw alreadyExists(this.target(name));
    }
    const undo = await this.def.strategy.beforeCreate?.(obj, this.ctx);
    try {
      return await this.storage.create(key, obj, { ttlSeconds: this.ttlSeconds });
    } catch (e) {
      if (undo) await this.undo(undo, name);
      if (e instanceof StorageError && e.kind === 'AlreadyExists') throw alreadyExists(this.target(name));
      throw e;
    }
  }

  /**
   * The JSON text of an object `create` just resolved, from the text the
   * storage wrote (Storage.createdText), so that the response
   * need not serialize it again; undefined when the storage kept none (a
   * dryRun, memory storage). Use it before anything changes the object.
   */
  createdText(obj: KubeObject): string | undefined {
    return this.storage.createdText?.(obj);
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
    // An applied configuration is a (partial) typed object: wrong types are a 400 before any merge reads it, as kube decodes it.
    if (kind === 'apply' && isObject(patch)) {
      patch = checkWrite(subresource === 'scale' ? { group: 'autoscaling', version: 'v1', kind: 'Scale' } : this.def, patch, wo);
      // metadata of the wrong type (e.g. `false`) is a 422 before the field manager writes into it.
      if (!subresource) assertMetadataTypes(patch, this.def.kind, this.def.group);
    }
    if (kind === 'apply' && !subresource) {
      const existing = await this.storage.get(this.key(namespace, name));
      if (!existing) {
        const obj = applyToObject(undefined, patch, wo, this.fieldTarget());
        assertMetadataTypes(obj, this.def.kind, this.def.group);
        metaOf(obj).name ??= name;
        if (metaOf(obj).name !== name) throw badRequest('the name of the object does not match the name on the URL');
        if (this.def.namespaced && metaOf(obj).namespace !== undefined && metaOf(obj).namespace !== namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
        return { obj: await this.create(namespace, obj, { ...wo, operation: 'Apply' }), created: true };
      }
    }
    if (kind === 'apply') wo = { ...wo, operation: 'Apply' };
    const obj = await this.guaranteedUpdate(namespace, name, (cur) => {
      const next = (kind === 'apply' ? applyToObject(cur, patch, wo, this.fieldTarget(subresource)) : applyPatch(kind, cur, patch)) as KubeObject;
      const patchedRv = next.metadata?.resourceVersion;
      if (patchedRv && patchedRv !== cur.metadata?.resourceVersion) throw conflict(this.target(name));
      return next;
    }, subresource, true, wo);
    return { obj, created: false };
  }

  /**
   * Read-modify-write through the write path, with CAS on the key's
   * mod_revision: `mutate` returns the wanted object (it may throw a
   * StatusError); prepareUpdate turns it into the object to store; then, for
   * the main resource (subresource undefined), the strategy's beforeUpdate
   * (allocations, undone if the txn fails), the txn, afterUpdate (releases),
   * and removal of an object whose last finalizer went. A no-op or dryRun
   * write has no side effect. Retries on conflict only when `retry` (no
   * caller-supplied resourceVersion). `own` replaces the resource's update
   * strategy for a subresource with its own rules (binding, finalize).
   */
  async guaranteedUpdate(namespace: string | undefined, name: string, mutate: (cur: KubeObject) => KubeObject, subresource: string | undefined, retry: boolean, wo: WriteOptions = {}, own?: SubresourceStrategy): Promise<KubeObject> {
    const key = this.key(namespace, name);
    for (let attempt = 0; ; attempt++) {
      const cur = await this.storage.get(key);
      if (!cur) throw notFound(this.target(name));
      const wanted = mutate(clone(cur));
      const next = await this.prepareUpdate(wanted, cur, subresource, wo, own);
      if (!own?.keepManagedFields) stampManagedFields(cur, next, wo, this.fieldTarget(subresource), wanted);
      if (sameIgnoringRv(next, cur) || wo.dryRun) return next;
      const hooks = subresource === undefined ? this.def.strategy : undefined;
      if (hooks?.beforeUpdate) {
        const tooLarge = this.storage.sizeError?.(key, next);
        if (tooLarge) this.mapError(tooLarge, name);
      }
      const undo = await hooks?.beforeUpdate?.(next, cur, this.ctx);
      let written: KubeObject;
      try {
        written = await this.storage.update(key, next, cur.metadata!.resourceVersion!, { ttlSeconds: this.ttlSeconds });
      } catch (e) {
        if (undo) await this.undo(undo, name);
        if (retry && attempt < MAX_RETRIES && e instanceof StorageError && e.kind === 'Conflict') continue;
        this.mapError(e, name);
      }
      if (hooks?.afterUpdate) await this.after('afterUpdate', name, () => hooks.afterUpdate!(written, cur, this.ctx));
      return await this.finishIfDone(key, written);
    }
  }

  /** What the field manager needs to know about a write to this resource (managedFields). */
  private fieldTarget(subresource?: string): WriteTarget {
    this.writeMemo ??= new WriteMemo(kindListTypes(this.def.group, this.def.version, this.def.kind));
    return { kind: this.def.kind, group: this.def.group, apiVersion: this.apiVersion, subresource, hasStatus: this.def.subresources.includes('status'), now: this.now(), memo: this.writeMemo };
  }

  /**
   * The one place the object an update stores is computed (before the
   * allocation hooks): schema check, metadata rules (400/409, system fields
   * kept), the update strategy (main resource: finalizers, defaulting,
   * generation; status: only `.status` changes; `own`: its own rules), then
   * mutating admission, validation (422, or `own`'s error) and validating
   * admission.
   */
  private async prepareUpdate(wanted: KubeObject, cur: KubeObject, subresource: string | undefined, wo: WriteOptions, own?: SubresourceStrategy): Promise<KubeObject> {
    const name = cur.metadata?.name ?? '';
    wanted = checkWrite(this.def, wanted, wo);
    assertMetadataTypes(wanted, this.def.kind, this.def.group);
    const metaError = updateMetaError(this.def, wanted, cur);
    if (metaError) throw metaError;
    let next: KubeObject;
    if (own) {
      next = wanted;
      keepSystemMeta(this.def, next, cur);
      own.prepareForUpdate?.(next, cur);
    } else if (subresource === 'status') {
      next = { ...clone(cur), status: (wanted as { status?: unknown }).status } as KubeObject;
      stampKindAndRv(this.def, next, cur);
      this.def.strategy.prepareForStatusUpdate?.(next, cur);
    } else {
      next = wanted;
      keepSystemMeta(this.def, next, cur);
      const finalizerError = finalizerAddError(this.def, next, cur);
      if (finalizerError) throw finalizerError;
      this.def.strategy.prepareForUpdate?.(next, cur);
      metaOf(next).generation = nextGeneration(this.def, next, cur);
    }
    const attrs = this.attributes(own?.operation ?? 'UPDATE', next, cur, subresource, wo);
    await this.admitPhase(this.admission.mutating, attrs);
    if (own) {
      const err = own.validateUpdate(next, cur);
      if (err) throw err;
    } else {
      const causes = [...validateMeta(next, isNamespace(this.def), this.def.nameErrors), ...(this.def.strategy.validateUpdate?.(next, cur) ?? this.def.strategy.validate?.(next) ?? [])];
      if (causes.length > 0) throw invalid(this.def.kind, this.def.group, name, causes);
    }
    await this.admitPhase(this.admission.validating, attrs);
    return next;
  }

  /** After an update: an object being deleted with no finalizers left and no grace pending is removed. */
  private async finishIfDone(key: string, written: KubeObject): Promise<KubeObject> {
    const m = written.metadata ?? {};
    const specFinalizers = isNamespace(this.def) ? ((written as { spec?: { finalizers?: string[] } }).spec?.finalizers ?? []) : [];
    if (m.deletionTimestamp && (m.finalizers ?? []).length === 0 && specFinalizers.length === 0 && (m.deletionGracePeriodSeconds ?? 0) === 0) {
      try {
        await this.storage.delete(key, m.resourceVersion!);
      } catch (e) {
        if (!(e instanceof StorageError)) throw e;
        return written;
      }
      if (this.def.strategy.afterDelete) await this.after('afterDelete', m.name ?? '', () => this.def.strategy.afterDelete!(written, this.ctx));
    }
    return written;
  }

  /**
   * Deletes an object as Kubernetes does: preconditions (409), admission
   * (e.g. 403 for an immortal namespace), then pods bound to a node with a
   * grace period > 0 get deletionTimestamp (now + grace) and
   * deletionGracePeriodSeconds and stay; objects with finalizers (after adding
   * foregroundDeletion/orphan for those policies) get deletionTimestamp and
   * stay; anything else is removed and afterDelete runs. dryRun writes nothing.
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
      const rejected = await admit(this.admission, this.attributes('DELETE', cur, cur, undefined, wo));
      if (rejected) throw rejected;
      const pending = planDeletion(this.def, cur, opts, this.now());
      if (wo.dryRun) return { obj: pending ?? cur, deleted: !pending };
      let rev: string;
      try {
        if (pending) {
          const written = sameIgnoringRv(pending, cur) ? cur : await this.storage.update(key, pending, meta.resourceVersion!);
          this.onTerminating?.(written);
          return { obj: written, deleted: false };
        }
        rev = await this.storage.delete(key, meta.resourceVersion!);
      } catch (e) {
        if (attempt < MAX_RETRIES && e instanceof StorageError && e.kind === 'Conflict') continue;
        this.mapError(e, name);
      }
      if (this.def.strategy.afterDelete) await this.after('afterDelete', name, () => this.def.strategy.afterDelete!(cur, this.ctx));
      metaOf(cur).resourceVersion = rev;
      return { obj: cur, deleted: true };
    }
  }

  /**
   * DELETE on a collection (delete-collection.ts deleteCollection: pages of
   * `pageSize`, default 500, at one revision; up to `concurrency`, default
   * 16, deletes at once; every page admitted before any of it is deleted).
   * Returns what each delete answered, in list order.
   */
  deleteCollection(namespace: string | undefined, select: SelectorOptions = {}, opts: DeleteParams = {}, wo: WriteOptions = {}, tuning: CollectionTuning = {}): Promise<KubeList<KubeObject>> {
    return deleteCollection(this, namespace, select, opts, wo, tuning);
  }

  /** Runs DELETE admission for `obj`; returns the rejection, if any (used before a collection delete touches anything). */
  admitDelete(obj: KubeObject, wo: WriteOptions): Promise<StatusError | undefined> {
    return admit(this.admission, this.attributes('DELETE', obj, obj, undefined, wo));
  }

  /** Admission attributes of a write on this resource (admission-attributes.ts). */
  private attributes(operation: AdmissionOperation, object: KubeObject, oldObject: KubeObject | undefined, subresource: string | undefined, wo: WriteOptions): AdmissionAttributes {
    return admissionAttributes(this.def, operation, object, oldObject, subresource, wo);
  }

  /** Runs one admission phase; throws its rejection. */
  private async admitPhase(plugins: AdmissionChain['mutating'], attrs: AdmissionAttributes): Promise<void> {
    const err = await runAdmission(plugins, attrs);
    if (err) throw err;
  }

  /** Runs an undo after a failed write; a failing undo is logged (the claim leaks) and never hides the write's error. */
  private async undo(undo: Undo, name: string): Promise<void> {
    try {
      await undo();
    } catch (e) {
      this.log?.warn('undo after a failed write failed', { resource: this.def.resource, name, err: e });
    }
  }

  /** Runs an after-hook of a write that succeeded; a failure is logged, never turned into an error for the client. */
  private async after(hook: string, name: string, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (e) {
      this.log?.warn(`${hook} failed`, { resource: this.def.resource, name, err: e });
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
