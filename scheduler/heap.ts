/**
 * A binary min-heap over a caller's ordering (kube-scheduler's
 * internal/heap, without the key index: callers that remove entries mark
 * them stale and skip them on pop, which keeps every operation O(log n)).
 */

/** A binary heap; `less(a, b)` true means `a` comes out first. Not stable by itself: put a sequence number in the ordering. */
export class Heap<T> {
  private readonly items: T[] = [];

  constructor(private readonly less: (a: T, b: T) => boolean) {}

  /** Number of entries (stale ones included). */
  get size(): number {
    return this.items.length;
  }

  /** Adds an entry; O(log n). */
  push(item: T): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(a[i], a[parent])) break;
      [a[i], a[parent]] = [a[parent], a[i]];
      i = parent;
    }
  }

  /** The first entry without removing it, or undefined when empty. */
  peek(): T | undefined {
    return this.items[0];
  }

  /** Removes and returns the first entry, or undefined when empty; O(log n). */
  pop(): T | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop() as T;
    if (a.length > 0) {
      a[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  /** Every entry, in no particular order (tests and debugging). */
  values(): readonly T[] {
    return this.items;
  }

  /** Keeps only the entries `keep` accepts and restores the heap order; O(n). */
  retain(keep: (item: T) => boolean): void {
    const kept = this.items.filter(keep);
    this.items.length = 0;
    this.items.push(...kept);
    for (let i = (this.items.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private siftDown(i: number): void {
    const a = this.items;
    const n = a.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < n && this.less(a[l], a[best])) best = l;
      if (r < n && this.less(a[r], a[best])) best = r;
      if (best === i) return;
      [a[i], a[best]] = [a[best], a[i]];
      i = best;
    }
  }
}
