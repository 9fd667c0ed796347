/**
 * GET `/metrics/resource` from one kubelet (the address podlog.ts finds:
 * InternalIP, else ExternalIP, and the daemon endpoint port), over HTTPS
 * with the apiserver's kubelet client cert when configured. Bounded: the
 * whole request must finish within `timeoutMs` and the body within
 * `maxBytes`; anything else rejects.
 */
import { request, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Node } from 'kubernetes-types/core/v1';
import { kubeletEndpoint, type KubeletClientTLS } from '../podlog.ts';
import { parseResourceMetrics, type KubeletSample } from './kubelet-text.ts';

/** Options of fetchResourceMetrics. */
export interface ScrapeOptions {
  /** Whole-request budget, ms (default 5000). */
  timeoutMs?: number;
  /** Largest body accepted, bytes (default 16 MiB). */
  maxBytes?: number;
  /** HTTPS with this CA and client identity; default plain HTTP. */
  tls?: KubeletClientTLS;
}

/** The `/metrics/resource` URL of a kubelet at host:port. Pure. */
export function resourceMetricsURL(host: string, port: number, scheme: 'http' | 'https'): string {
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}/metrics/resource`;
}

/** Fetches the body of `url`; rejects on a non-200 answer, a timeout, an oversized body or a connection error. */
export function fetchResourceMetrics(url: string, o: ScrapeOptions = {}): Promise<string> {
  const timeoutMs = o.timeoutMs ?? 5000;
  const maxBytes = o.maxBytes ?? 16 * 2 ** 20;
  return new Promise((resolve, reject) => {
    const signal = AbortSignal.timeout(timeoutMs);
    const onRes = (res: IncomingMessage): void => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBytes) {
          req.destroy(new Error(`kubelet answer larger than ${maxBytes} bytes`));
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`GET ${url}: kubelet answered ${res.statusCode}`));
        else resolve(Buffer.concat(chunks).toString('utf8'));
      });
      res.on('error', reject);
    };
    const tls = o.tls;
    const req = tls ? httpsRequest(url, { method: 'GET', agent: false, ca: tls.ca, cert: tls.cert, key: tls.key, signal }, onRes) : request(url, { method: 'GET', agent: false, signal }, onRes);
    req.on('error', reject);
    req.end();
  });
}

/**
 * A sampler `scrape` for the node named: reads the Node, dials its kubelet
 * (https when `tls` is set) and parses the answer; rejects when the node is
 * gone, has no address, or its kubelet fails.
 */
export function kubeletScraper(getNode: (name: string) => Promise<Node | undefined>, o: ScrapeOptions & { now: () => number }): (name: string) => Promise<KubeletSample> {
  return async (name) => {
    const node = await getNode(name);
    const ep = node && kubeletEndpoint(node);
    if (!ep) throw new Error(`node ${name} has no kubelet address`);
    const text = await fetchResourceMetrics(resourceMetricsURL(ep.host, ep.port, o.tls ? 'https' : 'http'), o);
    return parseResourceMetrics(text, o.now());
  };
}
