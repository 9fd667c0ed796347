/**
 * A tiny unbounded async channel: producers `push`, one consumer iterates.
 * Iteration ends after `close()` once buffered items are drained.
 */
export class Chan<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private waiter?: (r: IteratorResult<T>) => void;
  private closed = false;

  /** Queues an item (ignored after close). */
  push(item: T): void {
    if (this.closed) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: item, done: false });
    } else {
      this.items.push(item);
    }
  }

  /** Ends the channel; the consumer sees the remaining items, then done. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: undefined, done: true });
    }
  }

  /** Ends the channel and drops buffered items. */
  abort(): void {
    this.items = [];
    this.close();
  }

  isClosed(): boolean {
    return this.closed;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        if (this.items.length > 0) return Promise.resolve({ value: this.items.shift() as T, done: false });
        if (this.closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => { this.waiter = resolve; });
      },
      return: () => {
        this.abort();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
