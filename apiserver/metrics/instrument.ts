/**
 * Counts and times every request the app answers (kube's
 * InstrumentRouteFunc): a fastify onRequest hook, added before
 * authentication so that 401s and 403s are counted too, finds the series of
 * the request's labels (request-labels.ts) and records the status code and
 * duration on it when the response closes — for a watch, when the stream
 * ends (watches hijack the reply, so no fastify onResponse hook would see
 * them).
 *
 * The labels are a pure function of the method, the URL (path and query)
 * and the Content-Type, so the series of recent such triples are kept in a
 * bounded map (SeriesByRequest): the many creates into one namespace find
 * theirs without reading the URL again.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiServerMetrics, RequestSeries } from './apiserver-metrics.ts';
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

/** The labels of `req`; fixed ones if reading them throws (a request never fails for its metrics). */
function labelsOf(req: FastifyRequest, served: ServedResources): RequestLabels {
  try {
    return requestLabels(partsOf(req), served);
  } catch {
    return { verb: 'other', dry_run: '', group: '', version: '', resource: '', subresource: '', scope: '', component: 'apiserver' };
  }
}

/** At most this many request shapes are remembered; when full, the map starts over. */
export const maxRequestShapes = 4096;
/** Longer method + URL + Content-Type keys are not remembered (their labels are read every time). */
export const maxRequestShapeLength = 512;

/**
 * The series of requests by method, URL and Content-Type, for one app: at
 * most `maxRequestShapes` keys of at most `maxRequestShapeLength` characters
 * (so at most a few MB however hostile the URLs), emptied when full.
 */
export class SeriesByRequest {
  private readonly byKey = new Map<string, RequestSeries>();

  constructor(private readonly metrics: ApiServerMetrics, private readonly served: ServedResources) {}

  /** The series of `req` (its labels are read on a miss only). */
  seriesOf(req: FastifyRequest): RequestSeries {
    let key: string;
    try {
      const ct = req.headers['content-type'];
      // Neither a method nor a URL holds a newline, so the key is unambiguous.
      key = `${req.method}\n${req.url}\n${typeof ct === 'string' ? ct : ''}`;
    } catch {
      return this.metrics.requestSeries(labelsOf(req, this.served));
    }
    let s = this.byKey.get(key);
    if (s) return s;
    s = this.metrics.requestSeries(labelsOf(req, this.served));
    if (key.length <= maxRequestShapeLength) {
      if (this.byKey.size >= maxRequestShapes) this.byKey.clear();
      this.byKey.set(key, s);
    }
    return s;
  }

  /** How many request shapes are remembered (for tests). */
  get size(): number {
    return this.byKey.size;
  }
}

/** Adds the hook to `app` (call before the authentication hook); `served` bounds the resource labels. */
export function instrumentRequests(app: FastifyInstance, metrics: ApiServerMetrics, served: ServedResources): void {
  const cache = new SeriesByRequest(metrics, served);
  app.addHook('onRequest', (req, reply, done) => {
    const start = performance.now();
    const series = cache.seriesOf(req);
    const res = reply.raw;
    res.once('close', () => series.observe(res.statusCode, (performance.now() - start) / 1000));
    done();
  });
}
