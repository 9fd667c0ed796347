/**
 * The kubelet's streaming endpoints, `/exec/{ns}/{pod}/{container}`,
 * `/attach/{ns}/{pod}/{container}` and `/portForward/{ns}/{pod}`: the
 * request is parsed here, the runtime's one-time URL comes from the
 * StreamResolver (CRI Exec / Attach / PortForward), and then
 * - an upgrade request (SPDY/3.1 or WebSocket, what the apiserver forwards)
 *   is proxied to that URL on the node and the connection spliced, as the
 *   Kubernetes kubelet does since it dropped `--redirect-container-streaming`:
 *   the runtime's streaming server listens on the node's loopback only;
 * - a plain request gets a 302 to the URL (reachable on the node itself).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../apiserver/api/log.ts';
import { proxyUpgrade } from '../../apiserver/api/upgrade-proxy.ts';
import { checkAccess, type KubeletAuth } from './filter.ts';

/** Streaming request of `/exec/{ns}/{pod}/{container}` (query command=…&stdin=&stdout=&stderr=&tty=). */
export interface ExecQuery {
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** A streaming request: exec/attach name a container; portForward names ports. */
export interface StreamRequest {
  kind: 'exec' | 'attach' | 'portForward';
  namespace: string;
  pod: string;
  container?: string;
  /** exec: argv and streams; attach: streams. */
  query?: ExecQuery;
  /** portForward: ports (query `port=80&port=443`). */
  ports?: number[];
}

/** Asks the runtime for a one-time streaming URL; undefined when the pod/container is unknown. */
export type StreamResolver = (r: StreamRequest) => Promise<string | undefined>;

/**
 * Parses the exec / attach query (pure): repeated `command` parameters form
 * argv; each stream flag is read from Kubernetes' kubelet parameter
 * (`input`, `output`, `error`, `tty`: "1" or "true"; api/core/v1
 * ExecStdinParam etc., what the apiserver sends), else from the older
 * `stdin` / `stdout` / `stderr` names, else defaults to stdout and stderr on.
 */
export function parseExecQuery(search: URLSearchParams): ExecQuery {
  const on = (k: string): boolean => search.get(k) === 'true' || search.get(k) === '1';
  const flag = (kube: string, old: string, dflt: boolean): boolean => (search.has(kube) ? on(kube) : search.has(old) ? on(old) : dflt);
  return { command: search.getAll('command'), stdin: flag('input', 'stdin', false), stdout: flag('output', 'stdout', true), stderr: flag('error', 'stderr', true), tty: flag('tty', 'tty', false) };
}

/** A plain-text HTTP answer: status code and body. */
export interface TextAnswer {
  code: number;
  body: string;
}

/**
 * Parses a streaming path and query: the StreamRequest, a 400 answer (exec
 * without `command`), or undefined when `url` is not a streaming path. Pure.
 */
export function parseStreamRequest(url: URL): StreamRequest | TextAnswer | undefined {
  const x = /^\/(exec|attach)\/([^/]+)\/([^/]+)\/([^/]+)\/?$/.exec(url.pathname) ?? /^\/(portForward)\/([^/]+)\/([^/]+)\/?$/.exec(url.pathname);
  if (!x) return undefined;
  let parts: string[];
  try {
    parts = x.slice(2).map(decodeURIComponent);
  } catch {
    return { code: 400, body: 'malformed path\n' };
  }
  const [ns, pod, container] = parts as [string, string, string | undefined];
  const kind = x[1] as StreamRequest['kind'];
  const query = parseExecQuery(url.searchParams);
  if (kind === 'exec' && query.command.length === 0) return { code: 400, body: 'missing command\n' };
  const ports = url.searchParams.getAll('port').map(Number).filter((n) => Number.isInteger(n) && n > 0 && n < 65536);
  return { kind, namespace: ns, pod, ...(container !== undefined ? { container } : {}), query, ports };
}

/** The 404 text for a stream target the runtime does not know. Pure. */
export function notFoundText(r: StreamRequest): string {
  return r.container !== undefined
    ? `container "${r.container}" in pod "${r.pod}" (namespace "${r.namespace}") not found\n`
    : `pod "${r.pod}" (namespace "${r.namespace}") not found\n`;
}

/** Writes a complete plain-text HTTP/1.1 answer to a raw socket and closes it. */
export function answerRaw(socket: Duplex, a: TextAnswer): void {
  const reason: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error', 502: 'Bad Gateway' };
  const body = Buffer.from(a.body);
  socket.end(`HTTP/1.1 ${a.code} ${reason[a.code] ?? 'Error'}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${a.body}`);
}

/** What handleStreamUpgrade needs. */
export interface StreamUpgradeDeps {
  resolveStream?: StreamResolver;
  auth?: KubeletAuth;
  log: Logger;
}

/**
 * Handles the server's `upgrade` event: auth filter first (as every kubelet
 * request), then the runtime URL, then the proxied upgrade. Every failure is
 * a plain-text answer on the socket (401/403 from the filter, 400, 404, 502
 * when the runtime's streaming server can't be reached, or the runtime's own
 * non-101 answer relayed with its status). Never throws.
 */
export async function handleStreamUpgrade(d: StreamUpgradeDeps, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  socket.on('error', () => socket.destroy());
  try {
    if (d.auth) {
      const out = await checkAccess(d.auth, req);
      if (!out.serve) {
        answerRaw(socket, { code: out.code, body: out.body });
        return;
      }
    }
    const url = new URL(req.url ?? '/', 'http://kubelet');
    const parsed = parseStreamRequest(url);
    if (parsed === undefined || !d.resolveStream) return answerRaw(socket, { code: 404, body: '404 page not found\n' });
    if ('code' in parsed) return answerRaw(socket, parsed);
    const target = await d.resolveStream(parsed);
    if (!target) return answerRaw(socket, { code: 404, body: notFoundText(parsed) });
    const out = await proxyUpgrade(req, socket, head, { url: target });
    if (out.upgraded) return;
    if ('error' in out) {
      d.log.warn('streaming server unreachable', { kind: parsed.kind, pod: parsed.pod, error: out.error });
      return answerRaw(socket, { code: 502, body: `error dialing the runtime's streaming server: ${out.error.message}\n` });
    }
    answerRaw(socket, { code: out.status, body: out.body });
  } catch (e) {
    d.log.warn('streaming request failed', { path: new URL(req.url ?? '/', 'http://kubelet').pathname, error: e });
    if (!socket.destroyed) answerRaw(socket, { code: 500, body: `${e instanceof Error ? e.message : String(e)}\n` });
  }
}
