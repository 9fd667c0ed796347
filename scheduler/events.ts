/**
 * The scheduler's event sink, shaped like client-go's event broadcaster
 * (tools/events): events are queued (at most `maxQueued`, kube's
 * maxQueuedEvents = 1000; newer ones are dropped when it is full, as
 * DropIfChannelFull) and written by one sequential writer, so that event
 * writes take a small, bounded share of the API server next to the
 * bindings instead of one extra write per binding in flight. Events are
 * best effort in Kubernetes; the drops are counted.
 */
import type { Logger } from '../apiserver/api/log.ts';
import type { EventRecorderExt } from '../apiserver/client/events.ts';
import type { KubeObject } from '../apiserver/api/object.ts';

/** kube's maxQueuedEvents. */
export const maxQueuedEvents = 1000;

/** Options of boundedRecorder. */
export interface BoundedRecorderOptions {
  /** Queue capacity (default 1000). */
  maxQueued?: number;
  log: Logger;
}

/** An EventRecorderExt that also reports how many events it dropped. */
export interface BoundedRecorder extends EventRecorderExt {
  dropped(): number;
}

interface Queued {
  obj: KubeObject;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/**
 * Wraps `inner` (which aggregates and writes) so that one event is handed to
 * it at a time, the next only after inner.flush() resolved. `event` never
 * blocks and never throws; `flush` resolves when the queue is empty and
 * every write has finished.
 */
export function boundedRecorder(inner: EventRecorderExt, opts: BoundedRecorderOptions): BoundedRecorder {
  const max = opts.maxQueued ?? maxQueuedEvents;
  const queue: Queued[] = [];
  let head = 0;
  let dropped = 0;
  let writer: Promise<void> | undefined;

  const drain = async (): Promise<void> => {
    while (head < queue.length) {
      const e = queue[head++];
      if (head > 1024 && head * 2 > queue.length) {
        queue.splice(0, head);
        head = 0;
      }
      inner.event(e.obj, e.type, e.reason, e.message);
      await inner.flush();
    }
    queue.length = 0;
    head = 0;
  };

  return {
    event(obj, type, reason, message) {
      if (queue.length - head >= max) {
        dropped++;
        if (dropped === 1 || dropped % 1000 === 0) opts.log.warn('event queue full, dropping events', { dropped, reason });
        return;
      }
      queue.push({ obj, type, reason, message });
      if (!writer) writer = drain().finally(() => { writer = undefined; });
    },
    async flush() {
      while (writer) await writer;
      await inner.flush();
    },
    dropped: () => dropped,
  };
}
