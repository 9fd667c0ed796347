/**
 * The whole API server as one fastify app: the core (resource routes, Status
 * errors, health) plus discovery, OpenAPI, /version, /metrics, componentstatuses and
 * pods/log. Not listening; `runApiServer` (main.ts) listens.
 */
import type { FastifyInstance } from 'fastify';
import type { Etcd3 } from 'etcd3';
import { Registry as MetricsRegistry } from 'prom-client';
import type { Pod, Node } from 'kubernetes-types/core/v1';
import type { Logger } from './api/log.ts';
import { buildCoreApp, type CoreApp } from './routes/core.ts';
import { allResources } from './registry/resources/index.ts';
import type { ResourceDef } from './registry/types.ts';
import type { RegistryConfig } from './registry/registry.ts';
import { objectKey } from './storage/keys.ts';
import { registerDiscovery } from './discovery/index.ts';
import { registerOpenAPI } from './openapi/index.ts';
import { registerVersion } from './version.ts';
import { registerComponentStatuses } from './componentstatus.ts';
import { registerPodLog, type KubeletClientTLS } from './podlog.ts';
import { registerPodConnect } from './podconnect.ts';
import { registerCustomResourceDefinitions } from './crd.ts';
import type { KubeObject } from './api/object.ts';
import type { Storage } from './storage/interface.ts';
import { authenticationResources } from './auth/authn/api-resources.ts';
import { buildAuthn } from './auth/authn/config.ts';
import type { ObjectGetter } from './auth/authn/getter.ts';
import { registerAuthenticationRoutes } from './auth/authn/routes.ts';
import { registerCACerts } from './auth/authn/cacerts.ts';
import { httpsOptions, pemOrFile, type ApiServerTLS } from './auth/authn/tls-material.ts';
import { createAuthorization, type Authorization, type AuthorizationMode } from './auth/authz/install.ts';
import { standardAdmission } from './registry/admission/standard.ts';
import { EtcdStorage } from './storage/etcd.ts';
import { InstrumentedStorage } from './storage/instrumented.ts';
import { newApiServerMetrics } from './metrics/apiserver-metrics.ts';
import { instrumentRequests } from './metrics/instrument.ts';
import { servedResources } from './metrics/request-labels.ts';
import { registerMetricsRoute } from './metrics/route.ts';
import { metricsResources } from './metrics-api/resources.ts';
import { registerMetricsApi } from './metrics-api/routes.ts';
import { MetricsSampler } from './metrics-api/sampler.ts';
import { kubeletScraper } from './metrics-api/scrape.ts';
import { resourcePrefix } from './storage/keys.ts';

/** Options of buildApp. */
export interface AppOptions {
  /** A connected etcd3 client (closed by the caller). */
  etcd: Etcd3;
  /** Served resources; default allResources(). */
  defs?: ResourceDef[];
  /** e.g. '10.96.0.0/12'. */
  serviceCIDR: string;
  log: Logger;
  /** Watch bookmark period (ms, default 30 000). */
  bookmarkIntervalMs?: number;
  /** Serve watches from the watch cache (default true). */
  watchCache?: boolean;
  /** The admission chain (default: the standard one). */
  admission?: RegistryConfig['admission'];
  /**
   * Serve HTTPS and authenticate every request (x509 client certs against
   * `clientCA`, bootstrap and ServiceAccount tokens); anonymous requests get
   * 401 but for the health and version paths. Default: plain HTTP where
   * every request is the admin user.
   */
  tls?: ApiServerTLS;
  /** ms since epoch; injectable for tests. */
  now?: () => number;
  /** Dial kubelets (pods/log, exec, attach, portforward) over HTTPS with this CA and client cert; default plain HTTP. */
  kubeletClient?: KubeletClientTLS;
  /** Authorization mode (default AlwaysAllow: every request allowed, as the plain-HTTP loopback mode). */
  authorization?: AuthorizationMode;
  /**
   * The Prometheus registry `/metrics` serves and the server's metrics are
   * registered in (runApiServer passes one with the process metrics);
   * default a new empty one per server.
   */
  metrics?: MetricsRegistry;
  /** The resource metrics API (metrics.k8s.io): shortest CPU window and kubelet scrape timeout, ms (defaults 1000 and 5000). */
  resourceMetrics?: { minWindowMs?: number; scrapeTimeoutMs?: number };
}

/** The built server: the core pieces plus its authorization (for bootstrap) and its metrics registry. */
export interface ServerApp extends CoreApp {
  authorization: Authorization;
  metrics: MetricsRegistry;
}

/** Builds the full server and returns the app with its registry, storage and authorization (for bootstrap). */
export function buildServer(opts: AppOptions): ServerApp {
  const defs = opts.defs ?? [...allResources(), ...authenticationResources()];
  // The authenticators read Secrets, ServiceAccounts and Pods from the storage the core creates.
  const late: { reads?: Storage } = {};
  const get: ObjectGetter = async (resource, namespace, name) =>
    (await late.reads?.get(objectKey(resource, namespace, name))) as KubeObject | undefined;
  const tls = opts.tls;
  const authn = buildAuthn({
    clientCAPem: tls ? pemOrFile(tls.clientCA) : undefined,
    serviceAccountKeyPem: tls?.serviceAccountKey !== undefined ? pemOrFile(tls.serviceAccountKey) : undefined,
    get, now: opts.now ?? Date.now,
  });
  const metricsRegistry = opts.metrics ?? new MetricsRegistry();
  const metrics = newApiServerMetrics(metricsRegistry);
  const instrumentStorage = (s: Storage): Storage => new InstrumentedStorage(s, metrics.etcdRequests);
  const served = servedResources(defs);
  const authorization = createAuthorization(opts.authorization ?? 'AlwaysAllow', instrumentStorage(new EtcdStorage(opts.etcd)), opts.log);
  const admission = authorization.admission(opts.admission ?? standardAdmission);
  const core = buildCoreApp({
    etcd: opts.etcd, defs, serviceCIDR: opts.serviceCIDR, log: opts.log, bookmarkIntervalMs: opts.bookmarkIntervalMs, admission, watchCache: opts.watchCache,
    ...(tls ? { https: httpsOptions(tls), authenticator: authn.authenticator } : {}),
    instrumentRequests: (app) => instrumentRequests(app, metrics, served), instrumentStorage,
  });
  authorization.install(core.app, core.registry, opts.log);
  const { app, storage } = core;
  late.reads = storage;
  registerAuthenticationRoutes(app, { authn, get });
  // The serving cert and every client cert come from the one cluster CA (deploy/pki), so it is what joining agents must trust.
  if (tls) registerCACerts(app, pemOrFile(tls.clientCA));
  registerDiscovery(app, [...defs, ...metricsResources()]);
  registerOpenAPI(app, defs);
  registerVersion(app);
  registerMetricsRoute(app, metricsRegistry);
  registerComponentStatuses(app, {
    etcdHealthy: async () => {
      try {
        await storage.currentRevision();
        return true;
      } catch {
        return false;
      }
    },
  });
  registerCustomResourceDefinitions(app, { currentRevision: () => storage.currentRevision() });
  const kubelets = {
    getPod: async (namespace: string, name: string) => (await storage.get(objectKey('pods', namespace, name))) as Pod | undefined,
    getNode: async (name: string) => (await storage.get(objectKey('nodes', undefined, name))) as Node | undefined,
    kubeletClient: opts.kubeletClient && {
      ca: pemOrFile(opts.kubeletClient.ca), cert: pemOrFile(opts.kubeletClient.cert), key: pemOrFile(opts.kubeletClient.key),
    },
  };
  registerPodLog(app, kubelets);
  registerPodConnect(app, kubelets, opts.log.child('pod-connect'));
  const now = opts.now ?? Date.now;
  const sampler = new MetricsSampler({
    scrape: kubeletScraper(kubelets.getNode, { tls: kubelets.kubeletClient, timeoutMs: opts.resourceMetrics?.scrapeTimeoutMs, now }),
    now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)), minWindowMs: opts.resourceMetrics?.minWindowMs,
  });
  const listAll = async (prefix: string): Promise<KubeObject[]> => (await storage.list(prefix)).items;
  registerMetricsApi(app, {
    listNodes: async () => (await listAll(resourcePrefix('nodes'))) as Node[],
    getNode: kubelets.getNode,
    listPods: async (ns) => (await listAll(resourcePrefix('pods', ns))) as Pod[],
    getPod: kubelets.getPod,
    sampler, now,
  });
  return { ...core, authorization, metrics: metricsRegistry };
}

/** Builds the full server app (testable with app.inject). */
export function buildApp(opts: AppOptions): FastifyInstance {
  return buildServer(opts).app;
}
