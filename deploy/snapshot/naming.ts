/**
 * Snapshot file names, as k3s names them: `<base>-<node>-<unix seconds>`,
 * e.g. `etcd-snapshot-srv1-1744272483` for a scheduled snapshot and
 * `on-demand-srv1-1744272483` for `skiff etcd-snapshot save` (k3s
 * pkg/etcd/snapshot.go: `fmt.Sprintf("%s-%s-%d", name, nodeName, now.Unix())`).
 */

/** Base name of scheduled snapshots (k3s --etcd-snapshot-name default). */
export const SCHEDULED_BASE_NAME = 'etcd-snapshot';
/** Base name of on-demand snapshots (k3s `etcd-snapshot save --name` default). */
export const ON_DEMAND_BASE_NAME = 'on-demand';

/** A file name part the snapshot dir accepts: letters, digits, `.`, `_`, `-`, not starting with `.` or `-`. */
const NAME_PART = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** True when `name` is usable as a base name or as a snapshot file name (no `/`, no leading dot, no `..`). Pure. */
export function isValidSnapshotName(name: string): boolean {
  return NAME_PART.test(name) && !name.includes('..') && name.length <= 200;
}

/** `<base>-<node>-<seconds of at>`. Pure; `at` is truncated to whole seconds. */
export function snapshotFileName(base: string, nodeName: string, at: Date): string {
  return `${snapshotPrefix(base, nodeName)}${Math.floor(at.getTime() / 1000)}`;
}

/** `<base>-<node>-`: what every snapshot file of `base` taken on `nodeName` starts with (the retention group). Pure. */
export function snapshotPrefix(base: string, nodeName: string): string {
  return `${base}-${nodeName}-`;
}

/**
 * The creation time encoded in a snapshot file name (the digits after the
 * last `-`), as a Date; undefined when the name does not end in `-<digits>`.
 * Pure.
 */
export function snapshotNameTime(fileName: string): Date | undefined {
  const m = /-(\d{1,12})$/.exec(fileName);
  return m ? new Date(Number(m[1]) * 1000) : undefined;
}

/** True when `fileName` is `<prefix><digits>` (a snapshot of that retention group, not of a longer node name). Pure. */
export function inRetentionGroup(fileName: string, prefix: string): boolean {
  return fileName.startsWith(prefix) && /^\d+$/.test(fileName.slice(prefix.length));
}
