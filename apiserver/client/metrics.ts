/**
 * The per-component Prometheus registry and its `/metrics` answer, as every
 * Kubernetes component serves `/metrics` (k8s.io/component-base/metrics
 * legacyregistry, here one `prom-client` Registry per component composed in
 * its main, never prom-client's global default register).
 */
import type { ServerResponse } from 'node:http';
import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * A new Registry holding the process metrics (process_resident_memory_bytes,
 * process_cpu_seconds_total, nodejs_* …). Each call is independent; pass it
 * to the component's parts and to its healthz server.
 */
export function newComponentRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * Writes `registry` in the Prometheus text format (200) to `res`, or 500
 * with the error text if a collector throws. Never rejects.
 */
export async function writeMetrics(registry: Registry, res: ServerResponse): Promise<void> {
  try {
    const body = await registry.metrics();
    res.writeHead(200, { 'Content-Type': registry.contentType }).end(body);
  } catch (e) {
    res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`metrics failed: ${(e as Error).message}`);
  }
}
