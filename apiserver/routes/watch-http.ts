/**
 * Serves a watch as Kubernetes does: 200 with headers flushed at once,
 * chunked newline-delimited JSON events, optional BOOKMARKs, `timeoutSeconds`,
 * and cleanup of the etcd watcher when the client goes away.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { KubeObject } from '../api/object.ts';
import type { WatchEvent } from '../client/types.ts';
import type { Logger } from '../api/log.ts';
import { watchStore, type WatchParams } from '../registry/watch.ts';
import type { ResourceStore } from '../registry/store.ts';
import { toTable, type IncludeObject } from './table.ts';
import type { WatchEncoder } from './watch-encode.ts';
import { clampTimerMs } from './query.ts';

/** How a watch response is shaped. */
export interface WatchHttpOptions extends WatchParams {
  /** Close the stream after this many seconds (clamped to Node's longest timer, about 24.8 days). */
  timeoutSeconds?: number;
  allowWatchBookmarks?: boolean;
  /** Every event's object becomes a one-row Table. */
  asTable?: boolean;
  includeObject?: IncludeObject;
  /** Bookmark period in ms (default 30 000). */
  bookmarkIntervalMs?: number;
  log?: Logger;
  /** Shares the encoding of an event among watchers (non-Table streams). */
  encoder?: WatchEncoder;
}

/**
 * Streams a watch of `store` to the client. Resolves once the stream has
 * started; it ends on timeout, compaction (after the ERROR event) or client
 * disconnect. Bad selectors/resourceVersion throw (400) before any byte is sent.
 */
export async function serveWatch(req: FastifyRequest, reply: FastifyReply, store: ResourceStore, namespace: string | undefined, opts: WatchHttpOptions): Promise<void> {
  const res = reply.raw;
  const buffered: WatchEvent<KubeObject>[] = [];
  let started = false;
  let closed = false;
  const timers: NodeJS.Timeout[] = [];
  const render = (ev: WatchEvent<KubeObject>): string => {
    if (opts.asTable && (ev.type === 'ADDED' || ev.type === 'MODIFIED' || ev.type === 'DELETED')) {
      const obj = ev.object as KubeObject;
      return JSON.stringify({ type: ev.type, object: toTable(store.def, [obj], { includeObject: opts.includeObject, resourceVersion: obj.metadata?.resourceVersion }) }) + '\n';
    }
    return opts.encoder ? opts.encoder.line(ev) : JSON.stringify(ev) + '\n';
  };
  let finish = (): void => undefined;
  let endRequested = false;
  // false = the socket's buffer is full: a cached watch holds further events until 'drain'.
  const write = (ev: WatchEvent<KubeObject>): boolean => {
    if (closed) return true;
    if (!started) {
      buffered.push(ev);
      return true;
    }
    const more = res.write(render(ev));
    if (ev.type === 'ERROR') finish();
    return more;
  };
  const w = await watchStore(store, namespace, opts, write, () => {
    endRequested = true;
    finish();
  });
  reply.hijack();
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  finish = (): void => {
    if (closed) return;
    closed = true;
    for (const t of timers) clearTimeout(t);
    void w.stop();
    res.end();
  };
  req.raw.on('close', finish);
  res.on('close', finish);
  if (req.raw.socket?.destroyed || res.destroyed) {
    finish();
    return;
  }
  if (w.resume) res.on('drain', () => w.resume?.());
  started = true;
  for (const ev of buffered.splice(0)) write(ev);
  // The cache closed the watch (consumer too slow) before the stream started.
  if (endRequested) finish();
  // An ERROR among the buffered events has already ended the stream: start no timers then.
  if (closed) return;
  // Clamped: Node fires a timer longer than 2^31-1 ms at once, which would end a long watch immediately.
  if (opts.timeoutSeconds && opts.timeoutSeconds > 0) timers.push(setTimeout(finish, clampTimerMs(opts.timeoutSeconds * 1000)));
  if (opts.allowWatchBookmarks) {
    const iv = setInterval(() => {
      if (closed) return;
      const bookmark = { kind: store.def.kind, apiVersion: store.apiVersion, metadata: { resourceVersion: w.revision() } };
      res.write(JSON.stringify({ type: 'BOOKMARK', object: bookmark }) + '\n');
    }, clampTimerMs(opts.bookmarkIntervalMs ?? 30000));
    timers.push(iv);
  }
}
