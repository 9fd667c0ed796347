/**
 * Parses the kubelet's `/metrics/resource` Prometheus text (Kubernetes'
 * kubelet `resource_metrics.go`, what metrics-server reads) into one sample:
 * the node's cumulative CPU time and memory working set, and the same per
 * container keyed by namespace/pod/container. Unknown families, comments and
 * malformed lines are skipped. Pure.
 */

/** A cumulative CPU reading. */
export interface CpuReading {
  /** Core-nanoseconds since the start of the node or container. */
  coreNanos: bigint;
  /** ms since the epoch the kubelet stamped it with (or the scrape time when it had none). */
  timestampMs: number;
}

/** Usage of the node or of one container at one scrape. */
export interface UsageReading {
  cpu?: CpuReading;
  /** Working set, bytes. */
  memoryBytes?: number;
}

/** One container's reading. */
export interface ContainerReading extends UsageReading {
  namespace: string;
  pod: string;
  container: string;
}

/** Everything one scrape of a kubelet said. */
export interface KubeletSample {
  node: UsageReading;
  /** Keyed `namespace/pod/container`. */
  containers: Map<string, ContainerReading>;
}

/** Decimal or exponent seconds (`12.5`, `1.2e+03`) → nanoseconds; undefined when not a finite non-negative number. */
export function secondsToNanos(s: string): bigint | undefined {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(s);
  if (m) return BigInt(m[1]!) * 1_000_000_000n + BigInt((m[2] ?? '').slice(0, 9).padEnd(9, '0'));
  const v = Number(s);
  if (!Number.isFinite(v) || v < 0) return undefined;
  return BigInt(Math.round(v * 1e9));
}

/** The labels of `{a="x",b="y\"z"}` (escapes \\, \" and \n undone); undefined when malformed. */
export function parseLabels(text: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/y;
  let i = 0;
  while (i < text.length) {
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) return undefined;
    out[m[1]!] = m[2]!.replace(/\\(.)/g, (_x, c: string) => (c === 'n' ? '\n' : c));
    i = re.lastIndex;
  }
  return out;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+(-?\d+))?\s*$/;

/** Parses `/metrics/resource` text; `scrapedAtMs` stamps samples without a timestamp. */
export function parseResourceMetrics(text: string, scrapedAtMs: number): KubeletSample {
  const sample: KubeletSample = { node: {}, containers: new Map() };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const [, name, labelText, value, ts] = m;
    const timestampMs = ts !== undefined ? Number(ts) : scrapedAtMs;
    const cpu = (): CpuReading | undefined => {
      const n = secondsToNanos(value!);
      return n === undefined ? undefined : { coreNanos: n, timestampMs };
    };
    const bytes = (): number | undefined => {
      const v = Number(value);
      return Number.isFinite(v) && v >= 0 ? v : undefined;
    };
    if (name === 'node_cpu_usage_seconds_total') sample.node.cpu = cpu();
    else if (name === 'node_memory_working_set_bytes') sample.node.memoryBytes = bytes();
    else if (name === 'container_cpu_usage_seconds_total' || name === 'container_memory_working_set_bytes') {
      const l = parseLabels(labelText ?? '');
      if (!l?.namespace || !l.pod || !l.container) continue;
      const key = `${l.namespace}/${l.pod}/${l.container}`;
      const c = sample.containers.get(key) ?? { namespace: l.namespace, pod: l.pod, container: l.container };
      if (name === 'container_cpu_usage_seconds_total') c.cpu = cpu();
      else c.memoryBytes = bytes();
      sample.containers.set(key, c);
    }
  }
  return sample;
}
