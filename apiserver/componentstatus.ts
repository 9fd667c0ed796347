/**
 * The deprecated but still used `componentstatuses` API (`kubectl get cs`):
 * etcd-0, scheduler and controller-manager, each probed for real on every
 * request (etcd through the store, the others via their /healthz ports).
 */
import { request } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ComponentStatus } from 'kubernetes-types/core/v1';
import { notFound } from './api/errors.ts';
import { componentStatusesResource } from './registry/resources/leases.ts';
import { includeObjectOf, toTable, wantsTable } from './routes/table.ts';
import type { KubeObject } from './api/object.ts';
import type { ResourceDef } from './registry/types.ts';

/** What the component status routes need. */
export interface ComponentStatusDeps {
  /** Resolves true when etcd answers. */
  etcdHealthy(): Promise<boolean>;
  /** Probes a /healthz URL; defaults to an HTTP GET (2 s timeout) expecting 200. */
  fetchHealth?(url: string): Promise<boolean>;
}

/** One probe result: healthy with a message, or not with an error text. */
export interface ProbeResult {
  healthy: boolean;
  message?: string;
  error?: string;
}

/** Components and their health URLs (ports from docs/CONVENTIONS.md). */
export const componentProbes: Array<{ name: string; url?: string }> = [
  { name: 'controller-manager', url: 'http://127.0.0.1:10257/healthz' },
  { name: 'etcd-0' },
  { name: 'scheduler', url: 'http://127.0.0.1:10259/healthz' },
];

/** GETs `url` (timeout in ms); healthy on 200, with the body as message or the failure as error. */
export function httpProbe(url: string, timeoutMs = 2000): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { if (body.length < 1024) body += c; });
      res.on('end', () => {
        if (res.statusCode === 200) resolve({ healthy: true, message: body.trim() || 'ok' });
        else resolve({ healthy: false, error: `Get "${url}": unexpected status ${res.statusCode}: ${body.trim()}` });
      });
      res.on('error', (e) => resolve({ healthy: false, error: `Get "${url}": ${e.message}` }));
    });
    req.on('timeout', () => req.destroy(new Error('context deadline exceeded')));
    req.on('error', (e) => resolve({ healthy: false, error: `Get "${url}": ${e.message}` }));
    req.end();
  });
}

/** A ComponentStatus object from a probe result (condition type Healthy). */
export function toComponentStatus(name: string, r: ProbeResult): ComponentStatus {
  const cond: ComponentStatus['conditions'] = [{ type: 'Healthy', status: r.healthy ? 'True' : 'False' }];
  if (r.message) cond[0]!.message = r.message;
  if (r.error) cond[0]!.error = r.error;
  return { kind: 'ComponentStatus', apiVersion: 'v1', metadata: { name }, conditions: cond };
}

async function probe(name: string, url: string | undefined, deps: ComponentStatusDeps): Promise<ComponentStatus> {
  if (!url) {
    const ok = await deps.etcdHealthy().catch(() => false);
    return toComponentStatus(name, ok ? { healthy: true, message: '{"health":"true","reason":""}' } : { healthy: false, error: 'etcd is not healthy' });
  }
  if (deps.fetchHealth) {
    const ok = await deps.fetchHealth(url).catch(() => false);
    return toComponentStatus(name, ok ? { healthy: true, message: 'ok' } : { healthy: false, error: `Get "${url}": unhealthy` });
  }
  return toComponentStatus(name, await httpProbe(url));
}

/** The deprecation warning Kubernetes attaches to every componentstatuses answer (kubectl prints it). */
export const deprecationWarning = '299 - "v1 ComponentStatus is deprecated in v1.19+"';

function send(reply: FastifyReply, code: number, body: unknown): FastifyReply {
  return reply.code(code).header('content-type', 'application/json').header('warning', deprecationWarning).send(Buffer.from(JSON.stringify(body)));
}

function respond(req: FastifyRequest, reply: FastifyReply, def: ResourceDef, items: ComponentStatus[], list: boolean): FastifyReply {
  if (wantsTable(req.headers.accept)) {
    const q = req.query as Record<string, unknown>;
    return send(reply, 200, toTable(def, items as KubeObject[], { includeObject: includeObjectOf(q.includeObject) }));
  }
  if (!list) return send(reply, 200, items[0]);
  return send(reply, 200, { kind: 'ComponentStatusList', apiVersion: 'v1', metadata: {}, items });
}

/**
 * Mounts `GET /api/v1/componentstatuses` (ComponentStatusList or Table) and
 * `GET /api/v1/componentstatuses/:name` (404 Status for unknown names).
 * Probes run concurrently on each request; nothing is cached or stored.
 */
export function registerComponentStatuses(app: FastifyInstance, deps: ComponentStatusDeps): void {
  const def = componentStatusesResource() as unknown as ResourceDef;
  app.get('/api/v1/componentstatuses', async (req, reply) => {
    const items = await Promise.all(componentProbes.map((c) => probe(c.name, c.url, deps)));
    return respond(req, reply, def, items, true);
  });
  app.get<{ Params: { name: string } }>('/api/v1/componentstatuses/:name', async (req, reply) => {
    const c = componentProbes.find((x) => x.name === req.params.name);
    if (!c) return send(reply, 404, notFound({ group: '', resource: 'componentstatuses', name: req.params.name }).status);
    return respond(req, reply, def, [await probe(c.name, c.url, deps)], false);
  });
}
