/**
 * `GET /metrics`: the API server's Registry in the Prometheus text format.
 * Not a public path: like any non-resource URL it needs a user that RBAC
 * allows `get` on `/metrics` (system:masters, or the system:monitoring
 * group through the default ClusterRole of that name).
 */
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { internalError } from '../api/errors.ts';

/** Mounts GET /metrics on `app`; a failing collector answers 500 Status with its message. */
export function registerMetricsRoute(app: FastifyInstance, registry: Registry): void {
  app.get('/metrics', async (_req, reply) => {
    let body: string;
    try {
      body = await registry.metrics();
    } catch (e) {
      throw internalError(`metrics failed: ${(e as Error).message}`);
    }
    return reply.type(registry.contentType).send(body);
  });
}
