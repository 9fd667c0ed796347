/**
 * The fastify app with everything the core serves: JSON-only body handling,
 * Status errors for every failure (fastify's own included), health endpoints
 * and the generic resource routes. server.ts adds discovery, OpenAPI and the
 * other per-resource extras on top.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type ServerOptions as HttpsOptions } from 'node:https';
import type { Etcd3 } from 'etcd3';
import type { Logger } from '../api/log.ts';
import { unsupportedMediaType } from '../api/errors.ts';
import { decodeKubernetesProtobuf } from '../api/protobuf/decode.ts';
import { EtcdStorage } from '../storage/etcd.ts';
import { Cacher, type CacherOptions } from '../storage/cacher.ts';
import type { Storage } from '../storage/interface.ts';
import { Registry } from '../registry/registry.ts';
import type { ResourceDef } from '../registry/types.ts';
import type { RegistryConfig } from '../registry/registry.ts';
import { UndecodableBody } from './body.ts';
import { registerResourceRoutes } from './resources.ts';
import { registerAuthentication } from '../auth/authn/hook.ts';
import type { Authenticator } from '../auth/authn/types.ts';
import { clientErrorHandler, frameworkErrorHandler, routeErrorStatus, unmatchedRouteStatus } from './router-errors.ts';

/** Options of buildCoreApp. */
export interface CoreAppOptions {
  etcd: Etcd3;
  defs: ResourceDef[];
  serviceCIDR: string;
  log: Logger;
  /** Watch bookmark period (ms, default 30 000). */
  bookmarkIntervalMs?: number;
  /** ms since epoch; injectable for tests. */
  now?: () => number;
  /** Event lifetime in seconds (default 3600). */
  eventTTLSeconds?: number;
  /** Serve watches (and rv=0 lists) from a watch cache over etcd (default true); options tune it. */
  watchCache?: boolean | CacherOptions;
  /** The admission chain (default: the standard one). */
  admission?: RegistryConfig['admission'];
  /** Serve HTTPS with these options (default: plain HTTP). */
  https?: HttpsOptions;
  /** Authenticates every request (default: none, every request is the admin user; see auth/authn/hook.ts). */
  authenticator?: Authenticator;
  /** Adds request instrumentation hooks to the app before authentication (so 401s are seen too); default none. */
  instrumentRequests?: (app: FastifyInstance) => void;
  /** Wraps the etcd storage (under the watch cache), e.g. to time its calls; default as is. */
  instrumentStorage?: (etcd: Storage) => Storage;
}

/** The app and the pieces other routes may need. */
export interface CoreApp {
  app: FastifyInstance;
  registry: Registry;
  /** The watch cache over etcd, or etcd itself when the cache is off. */
  storage: Storage;
}

/** Request bodies up to 3 MiB, as Kubernetes' default. */
const BODY_LIMIT = 3 * 1024 * 1024;

/**
 * Builds the core app (not listening). Bodies arrive as raw strings and are
 * decoded by the routes (JSON/YAML); protobuf bodies of the kinds kubectl sends
 * that way are decoded here (others → 415). Every error response is
 * a meta/v1 Status.
 */
export function buildCoreApp(opts: CoreAppOptions): CoreApp {
  const app = Fastify({
    logger: false, bodyLimit: BODY_LIMIT, forceCloseConnections: true, routerOptions: { ignoreTrailingSlash: true },
    // The router's and the HTTP parser's own errors leave as Status too.
    frameworkErrors: frameworkErrorHandler, clientErrorHandler,
    // fastify types its instance by the raw server; an https.Server serves the same request/response objects.
    ...(opts.https ? { serverFactory: (handler: Parameters<typeof createHttpsServer>[1]) => createHttpsServer(opts.https ?? {}, handler) as unknown as HttpServer } : {}),
  });
  const etcd = new EtcdStorage(opts.etcd);
  const etcdStorage = opts.instrumentStorage ? opts.instrumentStorage(etcd) : etcd;
  const cacheOpts = opts.watchCache ?? true;
  const cacher = cacheOpts === false ? undefined : new Cacher(etcdStorage, { log: opts.log.child('watch-cache'), ...(cacheOpts === true ? {} : cacheOpts) });
  const storage: Storage = cacher ?? etcdStorage;
  const registry = new Registry(opts.defs, storage, { serviceCIDR: opts.serviceCIDR, now: opts.now, log: opts.log, eventTTLSeconds: opts.eventTTLSeconds, admission: opts.admission });
  app.addHook('onClose', async () => {
    await registry.namespaceFinalizer?.close();
    await cacher?.stop();
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/vnd.kubernetes.protobuf', { parseAs: 'buffer' }, (_req, body, done) => {
    try {
      done(null, decodeKubernetesProtobuf(body as Buffer));
    } catch (e) {
      // Raised when the route reads the body, so an unknown path still answers 404.
      done(null, new UndecodableBody(e));
    }
  });
  app.addContentTypeParser('*', { parseAs: 'string' }, (req, body, done) => {
    const ct = (req.headers['content-type'] ?? '').toLowerCase();
    if (ct.includes('protobuf')) {
      done(unsupportedMediaType(ct.split(';')[0]), undefined);
      return;
    }
    done(null, body);
  });
  app.setErrorHandler((err, req, reply) => {
    const se = routeErrorStatus(err, BODY_LIMIT);
    if (se.code >= 500) opts.log.error('request failed', { method: req.method, url: req.url, err });
    else opts.log.debug('request rejected', { method: req.method, url: req.url, code: se.code, msg: se.message });
    void reply.code(se.code).type('application/json').send(se.status);
  });
  app.setNotFoundHandler((req, reply) => {
    const se = unmatchedRouteStatus(app, req.method, req.url);
    void reply.code(se.code).type('application/json').send(se.status);
  });
  opts.instrumentRequests?.(app);
  registerAuthentication(app, opts.authenticator, opts.log);
  const ok = (): string => 'ok';
  app.get('/healthz', ok);
  app.get('/livez', ok);
  app.get('/readyz', async (_req, reply) => {
    try {
      await storage.currentRevision();
      return 'ok';
    } catch (e) {
      return reply.code(500).type('text/plain').send(`[-]etcd failed: ${(e as Error).message}\nreadyz check failed`);
    }
  });
  registerResourceRoutes(app, registry, { log: opts.log, bookmarkIntervalMs: opts.bookmarkIntervalMs, now: opts.now });
  return { app, registry, storage };
}
