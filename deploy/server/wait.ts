/**
 * Readiness probes used while `skiff server` starts its parts: poll until a
 * check passes, an HTTP endpoint answers with an expected body, or a
 * containerd socket answers a CRI call.
 */
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
 * True when GET `url` answers 2xx within `timeoutMs` (default 1000) and, if
 * `bodyMatch` is given, the body matches it. Never throws.
 */
export async function httpReady(url: string, bodyMatch?: RegExp, timeoutMs = 1_000): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const body = await res.text();
    return res.ok && (bodyMatch === undefined || bodyMatch.test(body));
  } catch {
    return false;
  }
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
