/**
 * An upgrade-aware hop for streaming requests (exec, attach, port-forward):
 * forwards one HTTP/1.1 request that asks to switch protocols (SPDY/3.1 by
 * POST, or WebSocket by GET) to an upstream URL and, when the upstream
 * answers 101, splices the client's socket and the upstream's socket byte
 * for byte, in both directions, until either side closes. This is the job of
 * Kubernetes' apimachinery UpgradeAwareHandler, which kube-apiserver (to the
 * kubelet) and the kubelet (to the runtime's streaming server) both use.
 *
 * Used by the apiserver's pods/{exec,attach,portforward} and by the kubelet's
 * /exec, /attach and /portForward.
 */
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';

/** Where an upgrade goes: an http(s) URL, and for https the trust and client identity (PEM texts). */
export interface UpgradeTarget {
  url: string;
  tls?: { ca: string; cert: string; key: string };
}

/** What became of a forwarded upgrade. */
export type UpgradeOutcome =
  /** The upstream switched protocols; the sockets are spliced (and closed together later). */
  | { upgraded: true }
  /** The upstream answered without switching: its status and body (at most 64 KiB); nothing was written to the client. */
  | { upgraded: false; status: number; body: string }
  /** The upstream could not be reached (or timed out before answering); nothing was written to the client. */
  | { upgraded: false; error: Error };

/**
 * Request headers never sent upstream: the caller's own credentials and
 * identity claims (the hop authenticates as itself), and `host` (set from the
 * URL). Lower-case names.
 */
const DROPPED = new Set(['authorization', 'host', 'proxy-authorization', 'cookie']);

/**
 * The headers to send upstream: the client's request headers (so `Upgrade`,
 * `Connection`, `Sec-WebSocket-*` and `X-Stream-Protocol-Version` pass
 * through unchanged) minus DROPPED and every `impersonate-*` /
 * `x-remote-*` header. Pure.
 */
export function upstreamHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || DROPPED.has(name) || name.startsWith('impersonate-') || name.startsWith('x-remote-')) continue;
    out[name] = value;
  }
  return out;
}

/** The bytes of a 101 response with the upstream's status text and raw header pairs. Pure. */
export function switchingProtocolsHead(statusMessage: string | undefined, rawHeaders: readonly string[]): string {
  let s = `HTTP/1.1 101 ${statusMessage || 'Switching Protocols'}\r\n`;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) s += `${rawHeaders[i]}: ${rawHeaders[i + 1]}\r\n`;
  return `${s}\r\n`;
}

/**
 * Pipes two sockets into each other and ties their lifetimes together:
 * either one closing or failing destroys the other, and a side that ends
 * (sends FIN) ends both, since the HTTP servers' sockets are half-open by
 * default and neither SPDY nor WebSocket streams use TCP half-close.
 */
function splice(a: Duplex, b: Duplex): void {
  const close = (): void => {
    a.destroy();
    b.destroy();
  };
  const finish = (): void => {
    a.end();
    b.end();
  };
  for (const s of [a, b]) {
    s.on('error', close);
    s.on('close', close);
    s.on('end', finish);
  }
  a.pipe(b);
  b.pipe(a);
}

/** Reads up to `max` bytes of a response body as text (the rest is drained). */
function readBody(res: IncomingMessage, max = 65_536): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      if (size < max) chunks.push(c.subarray(0, max - size));
      size += c.length;
    });
    const done = (): void => resolve(Buffer.concat(chunks).toString('utf8'));
    res.on('end', done);
    res.on('error', done);
    res.on('aborted', done);
  });
}

/**
 * Forwards the upgrade request `req` (whose socket `socket` the caller owns,
 * with `head` the bytes already read past the request head) to `target`
 * with the same method and upgrade headers (see upstreamHeaders), and
 * resolves once the upstream has answered:
 * - 101: writes the upstream's 101 head to `socket`, then splices the two
 *   connections (bytes the upstream sent after its head go first); resolves
 *   `{ upgraded: true }`.
 * - any other status: resolves its status and body; `socket` is untouched,
 *   so the caller answers (e.g. with a Kubernetes Status).
 * - unreachable, or no answer in `timeoutMs` (default 30,000): resolves
 *   `{ error }`; `socket` is untouched.
 * Never rejects. A client that goes away before the upstream answers
 * aborts the upstream request.
 */
export function proxyUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: UpgradeTarget, timeoutMs = 30_000): Promise<UpgradeOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (o: UpgradeOutcome): void => {
      if (settled) return;
      settled = true;
      socket.off('close', onClientGone);
      resolve(o);
    };
    const options = { method: req.method ?? 'GET', headers: upstreamHeaders(req.headers), agent: false as const, timeout: timeoutMs };
    const tls = target.tls;
    const up = tls ? httpsRequest(target.url, { ...options, ca: tls.ca, cert: tls.cert, key: tls.key }) : httpRequest(target.url, options);
    const onClientGone = (): void => {
      up.destroy();
      settle({ upgraded: false, error: new Error('client went away') });
    };
    socket.once('close', onClientGone);
    up.on('timeout', () => up.destroy(new Error(`no answer from ${new URL(target.url).host} in ${timeoutMs} ms`)));
    up.on('error', (e) => settle({ upgraded: false, error: e }));
    up.on('response', (res) => {
      void readBody(res).then((body) => settle({ upgraded: false, status: res.statusCode ?? 502, body }));
    });
    up.on('upgrade', (res, upSocket, upHead) => {
      if (settled) {
        upSocket.destroy();
        return;
      }
      if (socket.destroyed) {
        upSocket.destroy();
        settle({ upgraded: false, error: new Error('client went away') });
        return;
      }
      settle({ upgraded: true });
      upSocket.setTimeout(0);
      socket.write(switchingProtocolsHead(res.statusMessage, res.rawHeaders));
      if (upHead.length > 0) socket.write(upHead);
      if (head.length > 0) upSocket.write(head);
      splice(socket, upSocket);
    });
    up.end();
  });
}
