/**
 * The REST routes of every stored resource: list/watch, create, get, update,
 * patch, delete, deletecollection, and the status, scale, binding and
 * eviction subresources, under /api/v1 and /apis/<group>/<version>.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { KubeObject } from '../api/object.ts';
import type { Logger } from '../api/log.ts';
import type { Status } from 'kubernetes-types/meta/v1';
import { badRequest, conflict, invalid, methodNotAllowed, routeNotFound, StatusError } from '../api/errors.ts';
import { applyPatch, decodePatch, patchKindOf } from '../api/patch/index.ts';
import { parseFieldValidation, warningHeader, type WriteOptionsKind } from '../api/schema/index.ts';
import { bindPod, type BindingBody } from '../registry/binding.ts';
import { evictFromRequest } from './eviction.ts';
import type { Registry } from '../registry/registry.ts';
import { checkWrite } from '../registry/schema-check.ts';
import type { ResourceStore, WriteOptions } from '../registry/store.ts';
import { checkKind, checkNamespace, decodeBody, mediaType, UndecodableBody } from './body.ts';
import { checkJsonDepth } from './body-limits.ts';
import { deleteOptionsOf, type DeleteRequestOptions } from './delete-options.ts';
import { deleteResponse } from './delete-response.ts';
import { boolParam, dryRunParam, firstValue, intParam as int64Param, type OptionsKind, type RawQuery } from './query.ts';
import { requireVerb, verbOf } from './verbs.ts';
import { fieldManagerOptions } from './field-manager.ts';
import { resolveResourcePath, type ResourceTarget } from './path.ts';
import { toScale, type Scale } from './scale.ts';
import { includeObjectOf, toTable, wantsTable } from './table.ts';
import { serveWatch } from './watch-http.ts';
import { WatchEncoder } from './watch-encode.ts';

/** Options of the resource routes. */
export interface ResourceRoutesOptions {
  log: Logger;
  /** Bookmark period for watches (ms, default 30 000). */
  bookmarkIntervalMs?: number;
  /** ms since epoch; injectable for tests. */
  now?: () => number;
}

const query = (req: FastifyRequest): RawQuery => (req.query ?? {}) as RawQuery;

/** The first value of query parameter `name` (Kubernetes' parameter codec reads the first). */
function q(req: FastifyRequest, name: string): string | undefined {
  return firstValue(query(req), name);
}

/** An int64 query parameter (400 when unreadable or below `min`). */
function intParam(req: FastifyRequest, name: string, min?: number): number | undefined {
  return int64Param(query(req), name, min);
}

/** A boolean query parameter as strconv.ParseBool (400 otherwise); absent = false. */
const flag = (req: FastifyRequest, name: string): boolean => boolParam(query(req), name) ?? false;

/** Mounts the generic resource routes for every store in `registry`. */
export function registerResourceRoutes(app: FastifyInstance, registry: Registry, opts: ResourceRoutesOptions): void {
  const methods: Array<'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'> = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
  const encoder = new WatchEncoder();
  // The router has already percent-decoded the path once (as Go's URL.Path); decoding again would turn %2525 into %.
  const split = (rest: string): string[] => rest.split('/').filter((s) => s !== '');
  app.route({
    method: methods,
    url: '/api/v1/*',
    handler: (req, reply) => dispatch(req, reply, '', 'v1', split((req.params as { '*': string })['*'])),
  });
  app.route({
    method: methods,
    url: '/apis/:group/:version/*',
    handler: (req, reply) => {
      const p = req.params as { group: string; version: string; '*': string };
      return dispatch(req, reply, p.group, p.version, split(p['*']));
    },
  });

  async function dispatch(req: FastifyRequest, reply: FastifyReply, group: string, version: string, segs: string[]): Promise<unknown> {
    if (group === '' && req.method === 'POST' && segs.length === 3 && segs[0] === 'namespaces' && segs[2] === 'bindings') {
      const pods = registry.find('', 'v1', 'pods');
      const body = decodeBody(req.headers['content-type'], req.body) as BindingBody | undefined;
      if (!pods || !body) throw badRequest('a Binding body is required');
      checkNamespace(body, segs[1]);
      await bindPod(pods, segs[1], body.metadata?.name ?? '', body, opts.now, dry(req, 'CreateOptions'));
      return reply.code(201).send(success());
    }
    const t = resolveResourcePath(segs, (r) => registry.find(group, version, r));
    if (!t) throw routeNotFound();
    // The legacy /watch/ paths serve only GET (Kubernetes registers nothing else there).
    if (t.watchPrefix && req.method !== 'GET') throw methodNotAllowed();
    if (!t.subresource) {
      const watching = t.watchPrefix || (req.method === 'GET' && t.name === undefined && flag(req, 'watch'));
      requireVerb(t.store.def, verbOf(req.method, t.name !== undefined, watching));
    }
    if (t.subresource) return subresource(req, reply, t);
    if (t.name === undefined) return collection(req, reply, t);
    return item(req, reply, t);
  }

  async function collection(req: FastifyRequest, reply: FastifyReply, t: ResourceTarget): Promise<unknown> {
    const { store, namespace } = t;
    switch (req.method) {
      case 'GET': {
        if (t.watchPrefix || flag(req, 'watch')) return watch(req, reply, t);
        // ListOptions are decoded whole, so a garbage watch-only parameter is 400 on a plain list too.
        flag(req, 'allowWatchBookmarks');
        flag(req, 'sendInitialEvents');
        intParam(req, 'timeoutSeconds', 0);
        const params = {
          labelSelector: q(req, 'labelSelector'),
          fieldSelector: q(req, 'fieldSelector'),
          limit: intParam(req, 'limit'),
          continue: q(req, 'continue'),
          resourceVersion: q(req, 'resourceVersion'),
          exact: q(req, 'resourceVersionMatch') === 'Exact',
        };
        const table = wantsTable(req.headers.accept);
        const text = table ? undefined : await store.listText(namespace, params);
        if (text !== undefined) return reply.type('application/json; charset=utf-8').send(text);
        const list = await store.list(namespace, params);
        if (table) {
          return reply.send(toTable(store.def, list.items, { includeObject: includeObjectOf(q(req, 'includeObject')), resourceVersion: list.metadata.resourceVersion, continue: list.metadata.continue, now: opts.now?.() }));
        }
        return reply.send(list);
      }
      case 'POST': {
        if (store.def.namespaced && namespace === undefined) throw methodNotAllowed();
        const body = requireBody(req);
        checkKind(body, store.def.kind, store.apiVersion);
        checkNamespace(body, namespace);
        const wo = writeOptions(req, 'CreateOptions');
        const created = await store.create(namespace, body, wo, freshJsonBody(req));
        // The stored text with the revision spliced in, when the storage kept it: no second serialization of the object.
        const text = store.createdText(created);
        if (text) return withWarnings(reply, wo).code(201).type('application/json; charset=utf-8').send(text);
        return withWarnings(reply, wo).code(201).send(created);
      }
      case 'DELETE': {
        // DELETE on the all-namespaces path of a namespaced resource would empty every namespace: Kubernetes has no such route.
        if (store.def.namespaced && namespace === undefined) throw methodNotAllowed();
        const del = deleteOptions(req, store);
        const pageSize = intParam(req, 'limit', 0);
        const selection = { labelSelector: q(req, 'labelSelector'), fieldSelector: q(req, 'fieldSelector') };
        return reply.send(await store.deleteCollection(namespace, selection, del.params, { dryRun: del.dryRun, user: req.user }, { pageSize: pageSize || undefined }));
      }
      default:
        throw methodNotAllowed();
    }
  }

  async function item(req: FastifyRequest, reply: FastifyReply, t: ResourceTarget): Promise<unknown> {
    const { store, namespace } = t;
    const name = t.name ?? '';
    if (t.watchPrefix) {
      if (req.method !== 'GET') throw methodNotAllowed();
      return watch(req, reply, t, name);
    }
    switch (req.method) {
      case 'GET': {
        const obj = await store.get(namespace, name);
        if (wantsTable(req.headers.accept)) {
          return reply.send(toTable(store.def, [obj], { includeObject: includeObjectOf(q(req, 'includeObject')), resourceVersion: obj.metadata?.resourceVersion, now: opts.now?.() }));
        }
        return reply.send(obj);
      }
      case 'PUT': {
        const body = requireBody(req);
        checkKind(body, store.def.kind, store.apiVersion);
        checkNamespace(body, namespace);
        if (body.metadata?.name !== undefined && body.metadata.name !== name) {
          throw badRequest(`the name of the object (${printable(body.metadata.name)}) does not match the name on the URL (${name})`);
        }
        const wo = writeOptions(req, 'UpdateOptions');
        const updated = await store.update(namespace, name, body, undefined, wo);
        return withWarnings(reply, wo).send(updated);
      }
      case 'PATCH': {
        const wo = writeOptions(req, 'PatchOptions');
        const { obj, created } = await patchObject(req, store, namespace, name, wo);
        return withWarnings(reply, wo).code(created ? 201 : 200).send(obj);
      }
      case 'DELETE': {
        const del = deleteOptions(req, store);
        const res = await store.delete(namespace, name, del.params, { dryRun: del.dryRun, user: req.user });
        return reply.code(200).send(deleteResponse(store.def, res));
      }
      default:
        throw methodNotAllowed();
    }
  }

  async function subresource(req: FastifyRequest, reply: FastifyReply, t: ResourceTarget): Promise<unknown> {
    const { store, namespace } = t;
    const name = t.name ?? '';
    switch (t.subresource) {
      case 'status':
        if (req.method === 'GET') return reply.send(await store.get(namespace, name));
        if (req.method === 'PUT') {
          const body = requireBody(req);
          checkKind(body, store.def.kind, store.apiVersion);
          checkNamespace(body, namespace);
          const wo = writeOptions(req, 'UpdateOptions');
          const updated = await store.update(namespace, name, body, 'status', wo);
          return withWarnings(reply, wo).send(updated);
        }
        if (req.method === 'PATCH') {
          const wo = writeOptions(req, 'PatchOptions');
          const { obj } = await patchObject(req, store, namespace, name, wo, 'status');
          return withWarnings(reply, wo).send(obj);
        }
        throw methodNotAllowed();
      case 'scale':
        return scale(req, reply, store, namespace, name);
      case 'binding': {
        if (req.method !== 'POST') throw methodNotAllowed();
        const body = requireBody(req) as BindingBody;
        checkNamespace(body, namespace);
        if (body.metadata?.name && body.metadata.name !== name) throw badRequest(`the name of the object (${printable(body.metadata.name)}) does not match the name on the URL (${name})`);
        await bindPod(store, namespace ?? '', name, body, opts.now, dry(req, 'CreateOptions'));
        return reply.code(201).send(success());
      }
      case 'eviction':
        if (req.method !== 'POST') throw methodNotAllowed();
        await evictFromRequest(registry, req, t, opts.now);
        return reply.code(201).send(success());
      default: {
        const own = store.def.subresourceStrategies?.[t.subresource ?? ''];
        if (!own) throw routeNotFound();
        if (req.method === 'GET') return reply.send(await store.get(namespace, name));
        const stale = (): StatusError => conflict({ group: store.def.group, resource: store.def.resource, name });
        if (req.method === 'PATCH') {
          const kind = patchKindOf(req.headers['content-type']);
          if (kind === 'apply') throw methodNotAllowed();
          const patch = decodePatch(kind, rawText(req, true));
          const wo = writeOptions(req, 'PatchOptions');
          const updated = await store.guaranteedUpdate(namespace, name, (cur) => {
            const next = applyPatch(kind, cur, patch) as KubeObject;
            if (next.metadata?.resourceVersion && next.metadata.resourceVersion !== cur.metadata?.resourceVersion) throw stale();
            return next;
          }, t.subresource, true, wo, own);
          return withWarnings(reply, wo).send(updated);
        }
        if (req.method !== 'PUT') throw methodNotAllowed();
        const body = requireBody(req);
        checkKind(body, store.def.kind, store.apiVersion);
        const wantRv = body.metadata?.resourceVersion;
        const wo = writeOptions(req, 'UpdateOptions');
        const updated = await store.guaranteedUpdate(namespace, name, (cur) => {
          if (wantRv && wantRv !== cur.metadata?.resourceVersion) throw stale();
          return structuredClone(body);
        }, t.subresource, !wantRv, wo, own);
        return withWarnings(reply, wo).send(updated);
      }
    }
  }

  async function scale(req: FastifyRequest, reply: FastifyReply, store: ResourceStore, namespace: string | undefined, name: string): Promise<unknown> {
    if (req.method === 'GET') return reply.send(toScale(await store.get(namespace, name)));
    let wanted: (cur: Scale) => Scale;
    let retry = true;
    const wo = writeOptions(req, req.method === 'PUT' ? 'UpdateOptions' : 'PatchOptions');
    if (req.method === 'PUT') {
      const body = checkScale(requireBody(req) as Scale, wo);
      checkKind(body, 'Scale', 'autoscaling/v1');
      if (body.metadata?.resourceVersion) retry = false;
      wanted = () => body;
    } else if (req.method === 'PATCH') {
      const kind = patchKindOf(req.headers['content-type']);
      const patch = decodePatch(kind, rawText(req, kind !== 'apply'));
      wanted = (cur) => checkScale(applyPatch(kind, cur, patch) as Scale, wo);
    } else {
      throw methodNotAllowed();
    }
    const updated = await store.guaranteedUpdate(namespace, name, (cur) => {
      const next = wanted(toScale(cur));
      const rv = next.metadata?.resourceVersion;
      if (rv && rv !== cur.metadata?.resourceVersion) throw conflict({ group: store.def.group, resource: store.def.resource, name });
      const replicas = next.spec?.replicas;
      if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
        throw invalid('Scale', 'autoscaling', name, [{ reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` }]);
      }
      const obj = cur as KubeObject & { spec?: { replicas?: number } };
      obj.spec = { ...(obj.spec ?? {}), replicas };
      return obj;
    }, undefined, retry, { ...wo, managedSubresource: 'scale' });
    return withWarnings(reply, wo).send(toScale(updated));
  }

  async function patchObject(req: FastifyRequest, store: ResourceStore, namespace: string | undefined, name: string, wo: WriteOptions, sub?: string): Promise<{ obj: KubeObject; created: boolean }> {
    const kind = patchKindOf(req.headers['content-type']);
    const patch = decodePatch(kind, rawText(req, kind !== 'apply'));
    return store.patch(namespace, name, kind, patch, sub, wo);
  }

  async function watch(req: FastifyRequest, reply: FastifyReply, t: ResourceTarget, name?: string): Promise<void> {
    let fieldSelector = q(req, 'fieldSelector');
    if (name !== undefined) fieldSelector = fieldSelector ? `${fieldSelector},metadata.name=${name}` : `metadata.name=${name}`;
    await serveWatch(req, reply, t.store, t.namespace, {
      labelSelector: q(req, 'labelSelector'),
      fieldSelector,
      resourceVersion: q(req, 'resourceVersion'),
      sendInitialEvents: flag(req, 'sendInitialEvents'),
      timeoutSeconds: intParam(req, 'timeoutSeconds', 0),
      allowWatchBookmarks: flag(req, 'allowWatchBookmarks'),
      asTable: wantsTable(req.headers.accept),
      includeObject: includeObjectOf(q(req, 'includeObject')),
      bookmarkIntervalMs: opts.bookmarkIntervalMs,
      log: opts.log,
      encoder,
    });
  }
}

/** The Status Success a binding or an eviction answers with (201). */
function success(): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
}

/** The raw patch body; JSON ones (`json` true) are refused past 10,000 levels of nesting before they are parsed. */
function rawText(req: FastifyRequest, json: boolean): string {
  const b = req.body;
  if (b instanceof UndecodableBody) throw b.error;
  if (b === undefined || b === null) throw badRequest('a patch body is required');
  const text = typeof b === 'string' ? b : JSON.stringify(b);
  if (json) checkJsonDepth(text);
  return text;
}

/**
 * True when decodeBody parsed the request's body with JSON.parse (a string
 * body that is not YAML; any other type was refused): a value only this
 * request holds, with no value in two places, which the store may build
 * the created object in (ResourceStore.create's handOver).
 */
function freshJsonBody(req: FastifyRequest): boolean {
  return typeof req.body === 'string' && mediaType(req.headers['content-type']) !== 'application/yaml';
}

function requireBody(req: FastifyRequest): KubeObject {
  const body = decodeBody(req.headers['content-type'], req.body);
  if (!body) throw badRequest('a request body is required');
  return body;
}

/** WriteOptions from the query: `dryRun=All` validates without storing; any other dryRun value is 422 naming `kind`. */
function dry(req: FastifyRequest, kind: OptionsKind): WriteOptions {
  // Built by assignment: a spread into a literal that already has members is a slow generic copy (writeOptions 2.5 us a call, against 0.23 us so).
  const wo: WriteOptions = { dryRun: dryRunParam(query(req), kind), user: req.user };
  return req.method === 'DELETE' ? wo : Object.assign(wo, fieldManagerOptions(req));
}

/** WriteOptions of a create/update/patch: dryRun, fieldValidation (422 on a bad value) and a warnings sink. */
function writeOptions(req: FastifyRequest, optionsKind: WriteOptionsKind): WriteOptions {
  const wo = dry(req, optionsKind);
  wo.fieldValidation = parseFieldValidation(q(req, 'fieldValidation'), optionsKind);
  wo.warnings = [];
  return wo;
}

/** Adds one `Warning: 299 - "<text>"` header per collected warning. */
function withWarnings(reply: FastifyReply, wo: WriteOptions): FastifyReply {
  const w = wo.warnings ?? [];
  if (w.length > 0) reply.header('warning', w.map(warningHeader));
  return reply;
}

/** Checks a Scale body (or patched Scale) against autoscaling/v1 Scale; unknown fields pruned as for any write. */
function checkScale(body: Scale, wo: WriteOptions): Scale {
  return checkWrite({ group: 'autoscaling', version: 'v1', kind: 'Scale' }, body, wo);
}

/** DeleteOptions from the query and the body (JSON or YAML), validated (400/422) before anything is read or deleted. */
function deleteOptions(req: FastifyRequest, store: ResourceStore): DeleteRequestOptions {
  return deleteOptionsOf(query(req), decodeBody(req.headers['content-type'], req.body), store.apiVersion);
}

/** A request value as text for a message: strings as they are, anything else as JSON (an object with a non-function `toString` cannot be interpolated). */
function printable(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v) ?? String(typeof v);
}
