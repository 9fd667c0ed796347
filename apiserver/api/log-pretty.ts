/**
 * A tiny pretty printer for pino's JSON lines (pino-pretty is not a
 * dependency): `<time> <component> <LEVEL> <msg> <extra json>`. Synchronous:
 * each line is written to `out` inside the logger call, so nothing is lost
 * when the process exits right after.
 */

const SHOWN = new Set(['time', 'level', 'component', 'msg']);

/** Reformats one JSON line (with or without its newline); a line that is not a JSON object is returned as is. */
export function prettyLine(line: string): string {
  const text = line.endsWith('\n') ? line.slice(0, -1) : line;
  let o: unknown;
  try { o = JSON.parse(text); } catch { return text + '\n'; }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return text + '\n';
  const r = o as Record<string, unknown>;
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) if (!SHOWN.has(k)) extra[k] = v;
  const tail = Object.keys(extra).length > 0 ? ' ' + JSON.stringify(extra) : '';
  return `${String(r.time ?? '')} ${String(r.component ?? '-')} ${String(r.level ?? '').toUpperCase()} ${String(r.msg ?? '')}${tail}\n`;
}

/** A pino destination that writes each line, prettified, to `out`. */
export function prettyDestination(out: { write(s: string): unknown }): { write(s: string): void } {
  return { write: (s) => { out.write(prettyLine(s)); } };
}
