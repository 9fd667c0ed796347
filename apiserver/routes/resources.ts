/**
 * The REST routes of every stored resource: list/watch, create, get, update,
 * patch, delete, deletecollection, and the status, scale and binding
 * subresources, under /api/v1 and /apis/<group>/<version>.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { KubeObject } from '../api/object.ts';
import type { Logger } from '../api/log.ts';
import type { Status } from 'kubernetes-types/meta/v1';
import { badRequest, conflict, invalid, methodNotAllowed, routeNotFound, StatusError } from '../api/errors.ts';
import { applyPatch, decodePatch, patchKindOf } from '../api/patch/index.ts';
import { bindPod, type BindingBody } from '../registry/binding.ts';
import type { Registry } from '../registry/registry.ts';
import type { DeleteParams, ResourceStore, WriteOptions } from '../registry/store.ts';
import { checkKind, checkNamespace, decodeBody, UndecodableBody } from './body.ts';
import { deleteResponse } from './delete-response.ts';
import { fieldManagerOptions } from './field-manager.ts';
import { resolveResourcePath, type ResourceTarget } from './path.ts';
import { toScale, type Scale } from './scale.ts';
import { includeObjectOf, toTable, wantsTable } from './table.ts';
import { serveWatch } from './watch-http.ts';

/** Options of the resource routes. */
export interface ResourceRoutesOptions {
  log: Logger;
  /** Bookmark period for watches (ms, default 30 000). */
  bookmarkIntervalMs?: number;
  /** ms since epoch; injectable for tests. */
  now?: () => number;
}

type Query = Record<string, string | string[] | undefined>;

function q(req: FastifyRequest, name: string): string | undefined {
  const v = (req.query as Query)[name];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

function intParam(req: FastifyRequest, name: string): number | undefined {
  const v = q(req, name);
  if (v === undefined || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw badRequest(`invalid value for ${name}: ${JSON.stringify(v)}`);
  return Number(v);
}

const isTrue = (v: string | undefined): boolean => v === 'true' || v === '1';

/** Mounts the generic resource routes for every store in `registry`. */
export function registerResourceRoutes(app: FastifyInstance, registry: Registry, opts: ResourceRoutesOptions): void {
  const methods: Array<'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'> = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
  const split = (rest: string): string[] => rest.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
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
      await bindPod(pods, segs[1], body.metadata?.name ?? '', body, opts.now);
      return reply.code(201).send(success());
    }
    const t = resolveResourcePath(segs, (r) => registry.find(group, version, r));
    if (!t) throw routeNotFound();
    if (t.subresource) return subresource(req, reply, t);
    if (t.name === undefined) return collection(req, reply, t);
    return item(req, reply, t);
  }

  async function collection(req: FastifyRequest, reply: FastifyReply, t: ResourceTarget): Promise<unknown> {
    const { store, namespace } = t;
    switch (req.method) {
      case 'GET': {
        if (t.watchPrefix || isTrue(q(req, 'watch'))) return watch(req, reply, t);
        const list = await store.list(namespace, {
          labelSelector: q(req, 'labelSelector'),
          fieldSelector: q(req, 'fieldSelector'),
          limit: intParam(req, 'limit'),
          continue: q(req, 'continue'),
          resourceVersion: q(req, 'resourceVersion'),
          exact: q(req, 'resourceVersionMatch') === 'Exact',
        });
        if (wantsTable(req.headers.accept)) {
          return reply.send(toTable(store.def, list.items, { includeObject: includeObjectOf(q(req, 'includeObject')), resourceVersion: list.metadata.resourceVersion, continue: list.metadata.continue, now: opts.now?.() }));
        }
        return reply.send(list);
      }
      case 'POST': {
        if (store.def.namespaced && namespace === undefined) throw methodNotAllowed();
        const body = requireBody(req);
        checkKind(body, store.def.kind, store.apiVersion);
        checkNamespace(body, namespace);
        return reply.code(201).send(await store.create(namespace, body, dry(req)));
      }
      case 'DELETE': {
        const del = deleteParams(req);
        const list = await store.list(namespace, { labelSelector: q(req, 'labelSelector'), fieldSelector: q(req, 'fieldSelector') });
        const items: KubeObject[] = [];
        for (const o of list.items) {
          try {
            items.push((await store.delete(o.metadata?.namespace, o.metadata?.name ?? '', del)).obj);
          } catch (e) {
            if (!(e instanceof StatusError && e.code === 404)) throw e;
          }
        }
        return reply.send({ ...list, items });
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
          throw badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`);
        }
        return reply.send(await store.update(namespace, name, body, undefined, dry(req)));
      }
      case 'PATCH': {
        const { obj, created } = await patchObject(req, store, namespace, name);
        return reply.code(created ? 201 : 200).send(obj);
      }
      case 'DELETE': {
        const res = await store.delete(namespace, name, deleteParams(req), dry(req));
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
          return reply.send(await store.update(namespace, name, body, 'status', dry(req)));
        }
        if (req.method === 'PATCH') return reply.send((await patchObject(req, store, namespace, name, 'status')).obj);
        throw methodNotAllowed();
      case 'scale':
        return scale(req, reply, store, namespace, name);
      case 'binding': {
        if (req.method !== 'POST') throw methodNotAllowed();
        const body = requireBody(req) as BindingBody;
        checkNamespace(body, namespace);
        if (body.metadata?.name && body.metadata.name !== name) throw badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`);
        await bindPod(store, namespace ?? '', name, body, opts.now);
        return reply.code(201).send(success());
      }
      default:
        throw routeNotFound();
    }
  }

  async function scale(req: FastifyRequest, reply: FastifyReply, store: ResourceStore, namespace: string | undefined, name: string): Promise<unknown> {
    if (req.method === 'GET') return reply.send(toScale(await store.get(namespace, name)));
    let wanted: (cur: Scale) => Scale;
    let retry = true;
    if (req.method === 'PUT') {
      const body = requireBody(req) as Scale;
      checkKind(body, 'Scale', 'autoscaling/v1');
      if (body.metadata?.resourceVersion) retry = false;
      wanted = () => body;
    } else if (req.method === 'PATCH') {
      const kind = patchKindOf(req.headers['content-type']);
      const patch = decodePatch(kind, rawText(req));
      wanted = (cur) => applyPatch(kind, cur, patch) as Scale;
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
    }, undefined, retry, { ...dry(req), managedSubresource: 'scale' });
    return reply.send(toScale(updated));
  }

  async function patchObject(req: FastifyRequest, store: ResourceStore, namespace: string | undefined, name: string, sub?: string): Promise<{ obj: KubeObject; created: boolean }> {
    const kind = patchKindOf(req.headers['content-type']);
    const patch = decodePatch(kind, rawText(req));
    return store.patch(namespace, name, kind, patch, sub, dry(req));
  }

  async function watch(req: FastifyRequest, reply: FastifyReply, t: ResourceTarget, name?: string): Promise<void> {
    let fieldSelector = q(req, 'fieldSelector');
    if (name !== undefined) fieldSelector = fieldSelector ? `${fieldSelector},metadata.name=${name}` : `metadata.name=${name}`;
    await serveWatch(req, reply, t.store, t.namespace, {
      labelSelector: q(req, 'labelSelector'),
      fieldSelector,
      resourceVersion: q(req, 'resourceVersion'),
      sendInitialEvents: isTrue(q(req, 'sendInitialEvents')),
      timeoutSeconds: intParam(req, 'timeoutSeconds'),
      allowWatchBookmarks: isTrue(q(req, 'allowWatchBookmarks')),
      asTable: wantsTable(req.headers.accept),
      includeObject: includeObjectOf(q(req, 'includeObject')),
      bookmarkIntervalMs: opts.bookmarkIntervalMs,
      log: opts.log,
    });
  }
}

/** The Status Success a binding answers with (201). */
function success(): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
}

function rawText(req: FastifyRequest): string {
  const b = req.body;
  if (b instanceof UndecodableBody) throw b.error;
  if (typeof b === 'string') return b;
  if (b === undefined || b === null) throw badRequest('a patch body is required');
  return JSON.stringify(b);
}

function requireBody(req: FastifyRequest): KubeObject {
  const body = decodeBody(req.headers['content-type'], req.body);
  if (!body) throw badRequest('a request body is required');
  return body;
}

/** WriteOptions from the query: `dryRun=All` validates without storing. */
function dry(req: FastifyRequest): WriteOptions {
  const v = q(req, 'dryRun');
  if (v !== undefined && v !== '' && v !== 'All') throw badRequest(`unsupported dryRun value: ${JSON.stringify(v)} (only "All")`);
  return { dryRun: v === 'All', ...(req.method === 'DELETE' ? {} : fieldManagerOptions(req)) };
}

/** DeleteOptions from the body (JSON) and the query string; the body wins. */
function deleteParams(req: FastifyRequest): DeleteParams {
  const out: DeleteParams = {};
  const grace = intParam(req, 'gracePeriodSeconds');
  if (grace !== undefined) out.gracePeriodSeconds = grace;
  const policy = q(req, 'propagationPolicy');
  const orphan = q(req, 'orphanDependents');
  if (orphan !== undefined) out.propagationPolicy = isTrue(orphan) ? 'Orphan' : 'Background';
  if (policy !== undefined) out.propagationPolicy = checkPolicy(policy);
  const body = decodeBody(req.headers['content-type'], req.body) as (KubeObject & DeleteParams & { orphanDependents?: boolean }) | undefined;
  if (body) {
    if (typeof body.gracePeriodSeconds === 'number') out.gracePeriodSeconds = body.gracePeriodSeconds;
    if (typeof body.orphanDependents === 'boolean') out.propagationPolicy = body.orphanDependents ? 'Orphan' : 'Background';
    if (body.propagationPolicy !== undefined) out.propagationPolicy = checkPolicy(body.propagationPolicy);
    if (body.preconditions) out.preconditions = body.preconditions;
  }
  return out;
}

function checkPolicy(p: string): DeleteParams['propagationPolicy'] {
  if (p === 'Background' || p === 'Foreground' || p === 'Orphan') return p;
  throw invalid('DeleteOptions', '', '', [{ reason: 'FieldValueNotSupported', field: 'propagationPolicy', message: `Unsupported value: "${p}": supported values: "Foreground", "Background", "Orphan"` }]);
}
