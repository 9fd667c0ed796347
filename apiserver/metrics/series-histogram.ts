/**
 * A prom-client Histogram whose series are handles, for hot paths:
 * `series(labels)` validates and looks the labels up once, and the handle's
 * `observe(value)` is then a bucket search and three additions (prom-client's
 * own observe validates, hashes the labels and stringifies the bucket bound
 * on every call: microseconds per request on the API server's hot path).
 *
 * The exposition is prom-client's: the Registry formats the values this
 * class hands it exactly as Histogram's own (same series order — first
 * observed first —, label order, bucket bounds, sums and counts; see
 * series-histogram.test.ts, which compares the two). Values go only through
 * `series()`: the inherited observe, labels, startTimer, zero and remove
 * are not used by the API server and do not reach the exposition.
 */
import { format } from 'node:util';
import { Histogram, type HistogramConfiguration, type LabelValues } from 'prom-client';

/** One labelled series: observe a value (a finite number; throws TypeError otherwise, as prom-client). */
export interface HistogramSeries {
  observe(value: number): void;
}

/** One value the Registry formats (prom-client 15's exposition record). */
interface ExposedValue {
  labels: Record<string, string | number>;
  sharedLabels: Record<string, string | number>;
  value: number;
  metricName: string;
  exemplar: null | undefined;
}

class Series implements HistogramSeries {
  /** Per-bucket counts (not cumulative), by index into the bounds. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  /** Whether the series is in the exposition (observed since creation or the last reset). */
  listed = false;

  constructor(
    readonly labels: Record<string, string | number>,
    private readonly bounds: readonly number[],
    private readonly owner: SeriesHistogram<string>,
  ) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${format(value)}`);
    const b = this.bounds;
    let i = 0;
    while (i < b.length && value > b[i]) i++;
    if (i < b.length) this.counts[i]++;
    this.sum += value;
    this.count++;
    if (!this.listed) this.owner.list(this);
  }

  clear(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
    this.listed = false;
  }
}

/** A Histogram (registered as prom-client does) whose values come from `series()` handles. */
export class SeriesHistogram<T extends string> extends Histogram<T> {
  private readonly metricName: string;
  private readonly metricHelp: string;
  private readonly metricAggregator: string;
  private readonly names: readonly string[];
  private readonly sortedNames: readonly string[];
  private readonly bounds: readonly number[];
  private readonly byKey = new Map<string, Series>();
  /** The observed series, in the order they were first observed. */
  private readonly exposed: Series[] = [];

  /** As Histogram's constructor (throws as it does); `buckets` are required. */
  constructor(config: HistogramConfiguration<T> & { buckets: number[] }) {
    super(config);
    this.metricName = config.name;
    this.metricHelp = config.help;
    this.metricAggregator = config.aggregator ?? 'sum';
    this.names = [...(config.labelNames ?? [])];
    this.sortedNames = [...this.names].sort();
    this.bounds = [...config.buckets];
  }

  /**
   * The handle of the series of `labels` (the same handle for the same label
   * values; the first labels object's key order is the exposed order).
   * Throws, as prom-client, on a label name the histogram was not made with.
   */
  series(labels: LabelValues<T>): HistogramSeries {
    const own: Record<string, string | number> = {};
    for (const [k, v] of Object.entries(labels)) {
      if (!this.names.includes(k)) throw new Error(`Added label "${k}" is not included in initial labelset: ${format(this.names)}`);
      if (v !== undefined) own[k] = v as string | number;
    }
    const key = JSON.stringify(this.sortedNames.map((n) => (own[n] === undefined ? null : String(own[n]))));
    let s = this.byKey.get(key);
    if (!s) {
      s = new Series(own, this.bounds, this);
      this.byKey.set(key, s);
    }
    return s;
  }

  /** Puts `s` in the exposition (its first observation). */
  list(s: Series): void {
    s.listed = true;
    this.exposed.push(s);
  }

  /** Zeroes every series and empties the exposition (handles stay valid), as Histogram's reset. */
  reset(): void {
    super.reset();
    // Called by the base constructor too, before the fields exist.
    if (this.exposed === undefined) return;
    for (const s of this.exposed) s.clear();
    this.exposed.length = 0;
  }

  /** What the Registry formats: the records prom-client's Histogram makes, from the series. */
  async getForPromString(): Promise<{ name: string; help: string; type: 'histogram'; values: ExposedValue[]; aggregator: string }> {
    const name = this.metricName;
    const bucket = `${name}_bucket`;
    const values: ExposedValue[] = [];
    for (const s of this.exposed) {
      let acc = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        acc += s.counts[i];
        values.push({ labels: { le: this.bounds[i] }, sharedLabels: s.labels, value: acc, metricName: bucket, exemplar: null });
      }
      values.push(
        { labels: { le: '+Inf' }, sharedLabels: s.labels, value: s.count, metricName: bucket, exemplar: null },
        { labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${name}_sum`, exemplar: undefined },
        { labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${name}_count`, exemplar: undefined },
      );
    }
    return { name, help: this.metricHelp, type: 'histogram', values, aggregator: this.metricAggregator };
  }
}
