/**
 * The last kubelet samples per node, so that CPU can be reported as a rate.
 * Chosen over metrics-server's 15 s background scrape so that nothing runs
 * while nobody asks and the first `kubectl top` answers at once: a request
 * scrapes the node's kubelet and pairs that with the node's previous sample
 * when it is between `minWindowMs` and `maxAgeMs` old; without one it scrapes
 * twice, `minWindowMs` apart. A request within `minWindowMs` of the last
 * scrape reuses the last pair. Concurrent requests for one node share one
 * scrape. The map holds at most `maxNodes` nodes (the least recently
 * scraped go first) and belongs to one server (no global state). A failed
 * scrape yields undefined and forgets the node's samples.
 */
import type { KubeletSample } from './kubelet-text.ts';

/** A sample and when the apiserver took it. */
export interface TimedSample {
  sample: KubeletSample;
  /** ms since the epoch (sampler clock). */
  atMs: number;
}

/** Two samples of one node, older first. */
export interface SamplePair {
  older: KubeletSample;
  newer: KubeletSample;
}

/** What the sampler needs. */
export interface SamplerDeps {
  /** Scrapes the kubelet of node `name`; rejects on any failure (bounded by its own timeout). */
  scrape(name: string): Promise<KubeletSample>;
  /** ms since the epoch. */
  now(): number;
  /** Waits `ms`. */
  sleep(ms: number): Promise<void>;
  /** Shortest window, ms (default 1000). */
  minWindowMs?: number;
  /** Oldest previous sample still paired with a new one, ms (default 10 min). */
  maxAgeMs?: number;
  /** Most nodes remembered (default 5000). */
  maxNodes?: number;
}

/** Per-node samples for rate computation; see the file comment. */
export class MetricsSampler {
  private readonly last = new Map<string, { older?: KubeletSample; newer: TimedSample }>();
  private readonly inflight = new Map<string, Promise<SamplePair | undefined>>();
  private readonly minWindowMs: number;
  private readonly maxAgeMs: number;
  private readonly maxNodes: number;

  constructor(private readonly deps: SamplerDeps) {
    this.minWindowMs = deps.minWindowMs ?? 1000;
    this.maxAgeMs = deps.maxAgeMs ?? 600_000;
    this.maxNodes = deps.maxNodes ?? 5000;
  }

  /** Number of nodes remembered. */
  get size(): number {
    return this.last.size;
  }

  /** The sample pair for node `name`, or undefined when its kubelet could not be scraped. Never rejects. */
  pair(name: string): Promise<SamplePair | undefined> {
    const running = this.inflight.get(name);
    if (running) return running;
    const p = this.take(name).finally(() => this.inflight.delete(name));
    this.inflight.set(name, p);
    return p;
  }

  private async scrape(name: string): Promise<TimedSample | undefined> {
    try {
      const sample = await this.deps.scrape(name);
      return { sample, atMs: this.deps.now() };
    } catch {
      this.last.delete(name);
      return undefined;
    }
  }

  private async take(name: string): Promise<SamplePair | undefined> {
    const st = this.last.get(name);
    const age = st ? this.deps.now() - st.newer.atMs : Infinity;
    if (st?.older && age < this.minWindowMs) return { older: st.older, newer: st.newer.sample };
    let base = age <= this.maxAgeMs ? st?.newer : undefined;
    if (!base) {
      base = await this.scrape(name);
      if (!base) return undefined;
    }
    const wait = this.minWindowMs - (this.deps.now() - base.atMs);
    if (wait > 0) await this.deps.sleep(wait);
    const cur = await this.scrape(name);
    if (!cur) return undefined;
    this.last.delete(name);
    this.last.set(name, { older: base.sample, newer: cur });
    while (this.last.size > this.maxNodes) {
      const oldest = this.last.keys().next().value;
      if (oldest === undefined) break;
      this.last.delete(oldest);
    }
    return { older: base.sample, newer: cur.sample };
  }

  /** Forgets nodes not in `names` (e.g. deleted nodes). */
  retain(names: Set<string>): void {
    for (const k of this.last.keys()) if (!names.has(k)) this.last.delete(k);
  }
}
