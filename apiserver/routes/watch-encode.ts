/**
 * Encodes watch events once for every watcher: the cache hands the same
 * object to all its watchers, so the NDJSON line of (type, object) is
 * computed once and reused (as kube-apiserver's cachingObject caches the
 * serialization per object).
 */
import type { KubeObject } from '../api/object.ts';
import type { WatchEvent } from '../client/types.ts';

/** Memoizes `JSON.stringify(event) + '\n'` by the event's object identity and type. Objects must not change after they were encoded. */
export class WatchEncoder {
  private readonly lines = new WeakMap<object, Partial<Record<WatchEvent['type'], string>>>();

  /** The NDJSON line of `ev` (with its trailing newline). */
  line(ev: WatchEvent<KubeObject>): string {
    const obj = ev.object as object;
    let byType = this.lines.get(obj);
    const hit = byType?.[ev.type];
    if (hit !== undefined) return hit;
    const line = JSON.stringify(ev) + '\n';
    if (!byType) {
      byType = {};
      this.lines.set(obj, byType);
    }
    byType[ev.type] = line;
    return line;
  }
}
