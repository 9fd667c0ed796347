/**
 * Test and benchmark helper: one HTTP watch on a real socket, read as
 * newline-delimited JSON, each event handed to a callback as it arrives.
 */
import http from 'node:http';

/** One parsed watch event (the test inspects type and object fields). */
export interface StreamEvent {
  type: string;
  object: { kind?: string; code?: number; metadata?: { name?: string; resourceVersion?: string; annotations?: Record<string, string> } };
}

/** A running watch stream. */
export interface WatchStream {
  /** Resolves once the response headers arrived (status code). */
  connected: Promise<number>;
  /** Resolves when the server ends the stream or the socket closes. */
  ended: Promise<void>;
  /** Destroys the socket (idempotent). */
  close(): void;
}

/** GETs `url` (an http:// watch URL) and calls `onEvent` for every NDJSON line. Rejects `connected` on a socket error before headers. */
export function openWatch(url: string, onEvent: (ev: StreamEvent) => void, agent?: http.Agent): WatchStream {
  let resolveConnected!: (code: number) => void;
  let rejectConnected!: (e: Error) => void;
  let resolveEnded!: () => void;
  const connected = new Promise<number>((res, rej) => { resolveConnected = res; rejectConnected = rej; });
  const ended = new Promise<void>((res) => { resolveEnded = res; });
  const req = http.get(url, { agent }, (res) => {
    resolveConnected(res.statusCode ?? 0);
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.trim()) onEvent(JSON.parse(line) as StreamEvent);
      }
    });
    res.on('end', resolveEnded);
    res.on('close', resolveEnded);
  });
  req.on('error', (e) => { rejectConnected(e); resolveEnded(); });
  return { connected, ended, close: () => req.destroy() };
}
