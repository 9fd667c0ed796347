/**
 * kube-proxy's service health server (pkg/proxy/healthcheck/service_health.go):
 * for every LoadBalancer Service with externalTrafficPolicy Local, an HTTP
 * listener on its healthCheckNodePort that tells an external load balancer
 * whether this node has a local endpoint to send traffic to.
 */
import http from 'node:http';
import type { Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import type { Logger } from '../apiserver/api/log.ts';
import { SERVICE_NAME_LABEL, SERVICE_PROXY_NAME_LABEL } from './model.ts';

/** One health-checked Service: who it is and how many ready endpoints this node has. */
export interface HealthTarget {
  namespace: string;
  name: string;
  localEndpoints: number;
}

/**
 * healthCheckNodePort → target, for each Service of type LoadBalancer with
 * externalTrafficPolicy Local and a healthCheckNodePort (IPv4, not owned by
 * another proxy). localEndpoints counts distinct addresses of endpoints on
 * `nodeName` whose ready condition is not false (kube-proxy's
 * LocalReadyEndpoints). Pure.
 */
export function serviceHealthTargets(services: readonly Service[], slices: readonly EndpointSlice[], nodeName: string): Map<number, HealthTarget> {
  const local = new Map<string, Set<string>>();
  for (const s of slices) {
    const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!svc || s.addressType !== 'IPv4') continue;
    const key = `${s.metadata?.namespace ?? ''}/${svc}`;
    for (const ep of s.endpoints ?? []) {
      const ip = ep.addresses?.[0];
      if (!ip || ep.nodeName !== nodeName || ep.conditions?.ready === false) continue;
      const set = local.get(key) ?? new Set<string>();
      set.add(ip);
      local.set(key, set);
    }
  }
  const out = new Map<number, HealthTarget>();
  for (const svc of services) {
    const spec = svc.spec;
    const port = spec?.healthCheckNodePort;
    if (!spec || !port || spec.type !== 'LoadBalancer' || spec.externalTrafficPolicy !== 'Local') continue;
    if (svc.metadata?.labels?.[SERVICE_PROXY_NAME_LABEL] !== undefined) continue;
    const namespace = svc.metadata?.namespace ?? 'default';
    const name = svc.metadata?.name ?? '';
    out.set(port, { namespace, name, localEndpoints: local.get(`${namespace}/${name}`)?.size ?? 0 });
  }
  return out;
}

/**
 * The answer for one target, as kube-proxy's hcHandler: 200 when the node
 * has a local endpoint and the proxy itself is healthy, else 503; headers
 * Content-Type application/json, X-Content-Type-Options nosniff and
 * X-Load-Balancing-Endpoint-Weight <localEndpoints>; body
 * {"service":{"namespace","name"},"localEndpoints","serviceProxyHealthy"}.
 */
export function healthAnswer(t: HealthTarget, proxyHealthy: boolean): { code: number; headers: Record<string, string>; body: string } {
  return {
    code: t.localEndpoints > 0 && proxyHealthy ? 200 : 503,
    headers: { 'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff', 'X-Load-Balancing-Endpoint-Weight': String(t.localEndpoints) },
    body: JSON.stringify({ service: { namespace: t.namespace, name: t.name }, localEndpoints: t.localEndpoints, serviceProxyHealthy: proxyHealthy }),
  };
}

/**
 * Keeps one HTTP listener per healthCheckNodePort. `sync(targets)` opens
 * listeners for new ports, closes those no longer wanted and updates counts
 * (answers always use the latest). A port that can't be bound is logged and
 * tried again on the next sync. `close()` stops everything.
 */
export class ServiceHealthServer {
  private readonly servers = new Map<number, http.Server>();
  private targets = new Map<number, HealthTarget>();

  /** `host` is the bind address ('0.0.0.0' in production); `proxyHealthy` is read per request. */
  constructor(private readonly host: string, private readonly proxyHealthy: () => boolean, private readonly log: Logger) {}

  /** Makes the listeners match `targets`; resolves once new listeners are bound or have failed. Never rejects. */
  async sync(targets: ReadonlyMap<number, HealthTarget>): Promise<void> {
    this.targets = new Map(targets);
    for (const [port, server] of this.servers) {
      if (targets.has(port)) continue;
      this.servers.delete(port);
      server.close();
      server.closeAllConnections();
    }
    await Promise.all([...targets.keys()].filter((p) => !this.servers.has(p)).map((p) => this.listen(p)));
  }

  /** The ports currently listened on, sorted. */
  ports(): number[] {
    return [...this.servers.keys()].sort((a, b) => a - b);
  }

  private listen(port: number): Promise<void> {
    const server = http.createServer((req, res) => {
      const t = this.targets.get(port);
      if (!t) { res.writeHead(503).end(); return; }
      const a = healthAnswer(t, this.proxyHealthy());
      res.writeHead(a.code, a.headers).end(a.body);
    });
    return new Promise((resolve) => {
      server.once('error', (err) => {
        this.log.warn('cannot serve health check node port; retrying on the next sync', { port, err });
        resolve();
      });
      server.listen(port, this.host, () => {
        this.servers.set(port, server);
        this.log.info('serving health check node port', { port, service: `${this.targets.get(port)?.namespace}/${this.targets.get(port)?.name}` });
        resolve();
      });
    });
  }

  /** Closes every listener. */
  close(): void {
    for (const s of this.servers.values()) { s.close(); s.closeAllConnections(); }
    this.servers.clear();
  }
}
