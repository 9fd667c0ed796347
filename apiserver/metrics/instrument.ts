/**
 * Counts and times every request the app answers (kube's
 * InstrumentRouteFunc): a fastify onRequest hook, added before
 * authentication so that 401s and 403s are counted too, reads the request's
 * labels (request-labels.ts) and records them with the status code when the
 * response closes — for a watch, when the stream ends (watches hijack the
 * reply, so no fastify onResponse hook would see them).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiServerMetrics } from './apiserver-metrics.ts';
import { requestLabels, type RequestLabels, type RequestParts, type ServedResources } from './request-labels.ts';
import { decodedPath } from '../auth/authz/request-info.ts';

type Query = Record<string, string | string[] | undefined>;

function first(q: Query, name: string): string | undefined {
  const v = q[name];
  return Array.isArray(v) ? v[0] : v;
}

function all(q: Query, name: string): string[] | undefined {
  const v = q[name];
  return v === undefined ? undefined : Array.isArray(v) ? v : [v];
}

/** The parts the labels are read from. */
function partsOf(req: FastifyRequest): RequestParts {
  const q = (req.query ?? {}) as Query;
  const ct = req.headers['content-type'];
  return {
    method: req.method, path: decodedPath(req.url),
    watch: first(q, 'watch'), fieldSelector: first(q, 'fieldSelector'), dryRun: all(q, 'dryRun'),
    contentType: typeof ct === 'string' ? ct : undefined,
  };
}

/** Adds the hook to `app` (call before the authentication hook); `served` bounds the resource labels. */
export function instrumentRequests(app: FastifyInstance, metrics: ApiServerMetrics, served: ServedResources): void {
  app.addHook('onRequest', (req, reply, done) => {
    const start = performance.now();
    let labels: RequestLabels;
    try {
      labels = requestLabels(partsOf(req), served);
    } catch {
      // Never fail a request for its metrics: count it under fixed labels.
      labels = { verb: 'other', dry_run: '', group: '', version: '', resource: '', subresource: '', scope: '', component: 'apiserver' };
    }
    const res = reply.raw;
    res.once('close', () => metrics.observeRequest(labels, res.statusCode, (performance.now() - start) / 1000));
    done();
  });
}
