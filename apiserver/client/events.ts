/**
 * Event recorder (client-go record.EventRecorder, simplified): POSTs core/v1
 * Events about an object and aggregates repeats of the same (object, reason,
 * message) within 10 minutes into one Event by PATCHing count and
 * lastTimestamp, as the Kubernetes event correlator does. Never throws.
 */
import type { Event, ObjectReference } from 'kubernetes-types/core/v1';
import type { EventRecorder } from './informer-types.ts';
import type { Logger } from '../api/log.ts';
import { Events } from './resources.ts';
import type { KubeObject } from '../api/object.ts';
import { isNotFound, type ApiClient } from './types.ts';
import { rfc3339 } from '../api/time.ts';

/** Options of createEventRecorder. `now` (ms) is injectable for tests. */
export interface EventRecorderOptions {
  /** source.host, e.g. the node name for the kubelet. */
  host?: string;
  now?: () => number;
  /** Aggregation window in ms (default 600 000). */
  windowMs?: number;
}

/** An EventRecorder whose in-flight writes can be awaited (tests, shutdown). */
export interface EventRecorderExt extends EventRecorder {
  /** Resolves when every event recorded so far has been written (or failed). */
  flush(): Promise<void>;
}

interface Seen {
  name: string;
  namespace: string;
  count: number;
  firstMs: number;
  /** Write chain: aggregated writes for one key go out in order. */
  chain: Promise<void>;
}

const maxCached = 4096;

/** Creates an EventRecorder writing as `component` (source.component). */
export function createEventRecorder(client: ApiClient, component: string, log: Logger, opts: EventRecorderOptions = {}): EventRecorderExt {
  const now = opts.now ?? Date.now;
  const windowMs = opts.windowMs ?? 600_000;
  const seen = new Map<string, Seen>();
  const inflight = new Set<Promise<void>>();
  let seq = 0;


  const track = (p: Promise<void>): Promise<void> => {
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
    return p;
  };

  const create = async (obj: KubeObject, type: string, reason: string, message: string, s: Seen): Promise<void> => {
    const m = obj.metadata ?? {};
    const involved: ObjectReference = {
      kind: obj.kind,
      apiVersion: obj.apiVersion,
      namespace: m.namespace,
      name: m.name,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
    };
    const t = rfc3339(s.firstMs);
    const ev: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: s.name, namespace: s.namespace },
      involvedObject: involved,
      reason,
      message,
      type,
      source: { component, ...(opts.host ? { host: opts.host } : {}) },
      firstTimestamp: t,
      lastTimestamp: t,
      count: 1,
      reportingComponent: component,
      reportingInstance: opts.host ?? '',
    };
    await client.create<Event>(Events, ev, s.namespace);
  };

  const write = async (obj: KubeObject, type: string, reason: string, message: string, s: Seen, first: boolean): Promise<void> => {
    try {
      if (first) {
        await create(obj, type, reason, message, s);
        return;
      }
      try {
        await client.patch<Event>(Events, s.name, 'merge', { count: s.count, lastTimestamp: rfc3339(now()) }, s.namespace);
      } catch (e) {
        if (!isNotFound(e)) throw e;
        s.count = 1;
        s.firstMs = now();
        await create(obj, type, reason, message, s);
      }
    } catch (e) {
      log.warn('could not write event', { reason, object: `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`, err: e });
    }
  };

  return {
    event(obj, type, reason, message) {
      try {
        const m = obj.metadata ?? {};
        const k = [obj.kind ?? '', m.namespace ?? '', m.name ?? '', m.uid ?? '', reason, message].join('\u0000');
        const t = now();
        let s = seen.get(k);
        const first = !s || t - s.firstMs > windowMs;
        if (!s || first) {
          const suffix = (BigInt(t) * 1_000_000n + BigInt(seq++ % 1_000_000)).toString(16);
          s = { name: `${m.name ?? 'unknown'}.${suffix}`, namespace: m.namespace || 'default', count: 1, firstMs: t, chain: Promise.resolve() };
          seen.delete(k);
          seen.set(k, s);
          if (seen.size > maxCached) seen.delete(seen.keys().next().value as string);
        } else {
          s.count += 1;
        }
        const cur = s;
        cur.chain = track(cur.chain.then(() => write(obj, type, reason, message, cur, first)));
      } catch (e) {
        log.warn('event recorder failed', { err: e });
      }
    },
    async flush() {
      while (inflight.size > 0) await Promise.all([...inflight]);
    },
  };
}
