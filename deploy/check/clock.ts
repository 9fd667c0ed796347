/**
 * Clock skew against the server: one anonymous `GET /version` (public in
 * Kubernetes' system:public-info-viewer role, and in Skiff's) whose HTTP
 * `Date` header is compared with the local clock around the request.
 * `Date` has 1 s resolution, so the skew is known only within bounds;
 * `skewBounds` turns a reading into the interval the true skew lies in.
 */
import { request } from 'node:https';

/** What the server's clock looked like, or why it could not be read. Times are ms since the epoch (local clock). */
export type ClockReading =
  | { server: string; sentAtMs: number; receivedAtMs: number; dateHeader: string | null }
  | { server: string; error: string };

/** Options of `readServerClock`. */
export interface ReadClockOptions {
  /**
   * PEM CA the server's cert must chain to. Without it the cert is not
   * verified: only the Date header is read and nothing is sent (no
   * credentials), so the worst a forger can do is fake the time.
   */
  ca?: string;
  /** Give up after this many ms (default 5000). */
  timeoutMs?: number;
  /** The local clock (ms since the epoch); default Date.now. */
  now?: () => number;
}

/**
 * GETs `<server>/version` over https and records the response's Date
 * header with the local times the request was sent and answered. Never
 * throws: a network, TLS or timeout failure comes back as `{ error }`.
 */
export function readServerClock(server: string, o: ReadClockOptions = {}): Promise<ClockReading> {
  const now = o.now ?? Date.now;
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL('/version', server);
    } catch {
      resolve({ server, error: `not a URL: ${server}` });
      return;
    }
    if (url.protocol !== 'https:') {
      resolve({ server, error: 'the server URL must be https://' });
      return;
    }
    const sentAtMs = now();
    const req = request(url, {
      method: 'GET', agent: false, timeout: o.timeoutMs ?? 5000,
      ...(o.ca !== undefined ? { ca: o.ca } : { rejectUnauthorized: false }),
    }, (res) => {
      const receivedAtMs = now();
      const date = res.headers.date;
      res.resume();
      resolve({ server, sentAtMs, receivedAtMs, dateHeader: typeof date === 'string' ? date : null });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${o.timeoutMs ?? 5000} ms`)));
    req.on('error', (err) => resolve({ server, error: err.message }));
    req.end();
  });
}

/** Interval (ms) the true skew `server clock − local clock` lies in; positive: the server is ahead. */
export interface SkewBounds {
  lowMs: number;
  highMs: number;
}

/**
 * The skew interval from one reading: the server stamped `Date` (whole
 * seconds, truncated) somewhere between `sentAtMs` and `receivedAtMs`, so
 * its clock read [D, D+1000) at a local time in [sent, received]. Null
 * when the header is missing or not an HTTP date. Pure.
 */
export function skewBounds(r: { sentAtMs: number; receivedAtMs: number; dateHeader: string | null }): SkewBounds | null {
  if (r.dateHeader === null) return null;
  const d = Date.parse(r.dateHeader);
  if (Number.isNaN(d)) return null;
  return { lowMs: d - r.receivedAtMs, highMs: d + 1000 - r.sentAtMs };
}

/** The smallest |skew| consistent with the bounds (0 when they straddle 0). Pure. */
export function minAbsSkewMs(b: SkewBounds): number {
  if (b.lowMs <= 0 && b.highMs >= 0) return 0;
  return Math.min(Math.abs(b.lowMs), Math.abs(b.highMs));
}
