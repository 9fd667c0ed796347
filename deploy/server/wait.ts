/**
 * Readiness probes used while `skiff server` starts its parts: poll until a
 * check passes, an HTTP(S) endpoint answers with an expected body, or a
 * containerd socket answers a CRI call.
 */
import { get as httpGet, type ClientRequest, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import * as grpc from '@grpc/grpc-js';

/** Options of `pollUntil`; times in ms. */
export interface PollOptions {
  timeoutMs: number;
  intervalMs?: number;
  signal?: AbortSignal;
}

/**
 * Calls `check` every `intervalMs` (default 200) until it resolves true.
 * Resolves true on success, false on timeout or abort. A check that throws
 * counts as "not yet".
 */
export async function pollUntil(check: () => Promise<boolean>, o: PollOptions): Promise<boolean> {
  const end = Date.now() + o.timeoutMs;
  const interval = o.intervalMs ?? 200;
  while (!o.signal?.aborted) {
    try {
      if (await check()) return true;
    } catch {
      // not ready yet
    }
    if (Date.now() + interval > end) return false;
    await sleep(interval, o.signal);
  }
  return false;
}

/**
 * TLS material for an https probe, PEM text: `ca` replaces the system roots
 * (the server's cert must chain to it and name the URL's host), `cert` and
 * `key` are a client cert to present.
 */
export interface HttpTLS {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
}

/** Options of httpReady. */
export interface HttpReadyOptions {
  /** Whole-request deadline in ms (default 1000). */
  timeoutMs?: number;
  /** Used only for https URLs. */
  tls?: HttpTLS;
}

/** The most of a probe's body httpReady reads (64 KiB); a longer body is cut there before matching. */
const MAX_PROBE_BODY_BYTES = 64 * 1024;

/**
 * True when GET `url` (http or https) answers 2xx within `o.timeoutMs`
 * (default 1000) and, if `bodyMatch` is given, the body matches it. An https
 * URL is checked against `o.tls.ca` (default the system roots) and presents
 * `o.tls.cert`/`key` when given. Each probe uses its own connection (no
 * agent pool). Never throws: a refused connection, a failed handshake or a
 * timeout is false.
 */
export function httpReady(url: string, bodyMatch?: RegExp, o: HttpReadyOptions = {}): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    let req: ClientRequest | undefined;
    let timer: NodeJS.Timeout | undefined;
    const done = (ok: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req?.destroy();
      resolve(ok);
    };
    const onResponse = (res: IncomingMessage): void => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < MAX_PROBE_BODY_BYTES) chunks.push(c);
        size += c.length;
      });
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const body = Buffer.concat(chunks).subarray(0, MAX_PROBE_BODY_BYTES).toString();
        done(status >= 200 && status < 300 && (bodyMatch === undefined || bodyMatch.test(body)));
      });
      res.on('error', () => done(false));
    };
    try {
      req = url.startsWith('https:')
        ? httpsGet(url, { agent: false, ca: o.tls?.ca, cert: o.tls?.cert, key: o.tls?.key }, onResponse)
        : httpGet(url, { agent: false }, onResponse);
    } catch {
      done(false);
      return;
    }
    req.on('error', () => done(false));
    timer = setTimeout(() => done(false), o.timeoutMs ?? 1_000);
  });
}

/**
 * True when the containerd at unix socket `socket` answers the CRI
 * `runtime.v1.RuntimeService/Version` call (so the CRI plugin is loaded, not
 * just the socket open). Never throws; gives up after `timeoutMs`.
 */
export function criReady(socket: string, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const client = new grpc.Client(`unix://${socket}`, grpc.credentials.createInsecure());
    const deadline = new Date(Date.now() + timeoutMs);
    const pass = (b: Buffer): Buffer => b;
    client.makeUnaryRequest('/runtime.v1.RuntimeService/Version', pass, pass, Buffer.alloc(0), { deadline }, (err) => {
      client.close();
      resolve(!err);
    });
  });
}

/** Resolves after `ms`, or early when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
