/**
 * Parsing of CRI container log files: one record per line,
 * `<RFC3339Nano time> <stdout|stderr> <P|F> <text>`, where P (partial) records
 * are joined with the following records of the same stream until an F (full)
 * one, as the kubelet's kuberuntime logs reader does.
 */

/** One complete log line. */
export interface LogEntry {
  /** RFC3339Nano timestamp of the record that completed the line. */
  time: string;
  stream: 'stdout' | 'stderr';
  /** Text without the trailing newline. */
  text: string;
}

/** One parsed record (line) of the file, or undefined for a malformed one. */
export function parseCriLogLine(line: string): { time: string; stream: 'stdout' | 'stderr'; partial: boolean; text: string } | undefined {
  const a = line.indexOf(' ');
  if (a <= 0) return undefined;
  const b = line.indexOf(' ', a + 1);
  if (b < 0) return undefined;
  const stream = line.slice(a + 1, b);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const c = line.indexOf(' ', b + 1);
  const tag = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  const flags = tag.split(':');
  if (flags[0] !== 'P' && flags[0] !== 'F') return undefined;
  return { time: line.slice(0, a), stream, partial: flags[0] === 'P', text: c < 0 ? '' : line.slice(c + 1) };
}

/**
 * Incremental parser: feed file bytes as they are read (chunks may end mid
 * line) and get the complete entries. Partial records are held per stream.
 */
export class CriLogParser {
  private rest = '';
  private readonly pending: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };

  /** Feeds a chunk; returns the entries completed by it. Malformed lines are skipped. */
  push(chunk: string): LogEntry[] {
    const data = this.rest + chunk;
    const lines = data.split('\n');
    this.rest = lines.pop() ?? '';
    const out: LogEntry[] = [];
    for (const line of lines) {
      const r = parseCriLogLine(line);
      if (!r) continue;
      if (r.partial) {
        this.pending[r.stream] += r.text;
        continue;
      }
      out.push({ time: r.time, stream: r.stream, text: this.pending[r.stream] + r.text });
      this.pending[r.stream] = '';
    }
    return out;
  }
}

/** Parses a whole log file's text. */
export function parseCriLog(text: string): LogEntry[] {
  return new CriLogParser().push(text.endsWith('\n') ? text : text + '\n');
}

/** Options of the containerLogs endpoint that shape output. */
export interface LogFormatOptions {
  timestamps: boolean;
  /** Keep only the last N lines; undefined = all. */
  tailLines?: number;
}

/** The last `n` entries (all when n is undefined or negative). */
export function tail<T>(entries: T[], n: number | undefined): T[] {
  if (n === undefined || n < 0) return entries;
  return n === 0 ? [] : entries.slice(-n);
}

/** Formats entries as kubectl logs prints them: `text\n`, or `time text\n` with timestamps. */
export function formatEntries(entries: LogEntry[], timestamps: boolean): string {
  return entries.map((e) => (timestamps ? `${e.time} ${e.text}\n` : `${e.text}\n`)).join('');
}
