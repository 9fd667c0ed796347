/**
 * The `skiff etcd-snapshot list` table, with k3s's columns:
 * `Name  Location  Size  Created` — Location a file:// URL, Size in bytes,
 * Created in RFC 3339 (UTC).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SnapshotEntry } from './retention.ts';

/** Oldest first, then by name. Pure: returns a new array. */
export function sortSnapshots(entries: SnapshotEntry[]): SnapshotEntry[] {
  return [...entries].sort((a, b) => a.created.getTime() - b.created.getTime() || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The list output for the entries of `dir`: a header and one line per snapshot, columns padded, oldest first; ends with a newline. Pure. */
export function formatSnapshotTable(dir: string, entries: SnapshotEntry[]): string {
  const rows = [['Name', 'Location', 'Size', 'Created']];
  for (const e of sortSnapshots(entries)) {
    rows.push([e.name, pathToFileURL(join(dir, e.name)).href, String(e.size), e.created.toISOString().replace(/\.\d{3}Z$/, 'Z')]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join(' ')).join('\n') + '\n';
}
