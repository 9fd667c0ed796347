/**
 * Which snapshots retention removes (k3s pkg/etcd/snapshot.go
 * snapshotRetention): within one retention group — the files named
 * `<base>-<node>-<seconds>` — keep the `retention` newest and delete the
 * rest. Files of other groups (on-demand snapshots, other nodes) are never
 * touched; a retention below 1 keeps everything.
 */
import { inRetentionGroup, snapshotNameTime } from './naming.ts';

/** One file in the snapshot dir. */
export interface SnapshotEntry {
  /** File name (no directory). */
  name: string;
  /** Size in bytes. */
  size: number;
  /** From the name's timestamp, else the file's mtime. */
  created: Date;
}

/** The creation time of a file: its name's timestamp when it has one, else `mtime`. Pure. */
export function createdAt(name: string, mtime: Date): Date {
  return snapshotNameTime(name) ?? mtime;
}

/**
 * The entries of group `prefix` (see naming.ts snapshotPrefix) beyond the
 * `retention` newest, oldest first: what to delete. Ties on time are broken
 * by name, so the answer does not depend on the input order. Pure.
 */
export function snapshotsToPrune(entries: SnapshotEntry[], prefix: string, retention: number): SnapshotEntry[] {
  if (retention < 1) return [];
  const group = entries.filter((e) => inRetentionGroup(e.name, prefix)).sort(newestFirst);
  return group.slice(retention).reverse();
}

/** Newest first; equal times by name, descending. */
function newestFirst(a: SnapshotEntry, b: SnapshotEntry): number {
  const d = b.created.getTime() - a.created.getTime();
  return d !== 0 ? d : b.name < a.name ? -1 : b.name > a.name ? 1 : 0;
}
