/**
 * Scheduled snapshots inside `skiff server` (k3s's --etcd-snapshot-schedule-cron,
 * --etcd-snapshot-retention, --etcd-disable-snapshots): at every time the
 * cron spec names, save `<name>-<node>-<seconds>` and then apply retention
 * to that group. Runs one snapshot at a time (a slow one delays the next
 * instead of overlapping it, like k3s's SkipIfStillRunning); a failed one is
 * logged and the schedule goes on.
 */
import type { Logger } from '../../apiserver/api/log.ts';
import { sleep } from '../server/wait.ts';
import { nextCronTime, parseCron, type CronSchedule } from './cron.ts';
import { snapshotPrefix } from './naming.ts';
import { saveSnapshot, type EtcdTarget } from './save.ts';
import { pruneSnapshots } from './store.ts';

/** The server's snapshot settings (its flags). */
export interface SnapshotScheduleConfig {
  /** --etcd-disable-snapshots. */
  disabled: boolean;
  /** --etcd-snapshot-schedule-cron, e.g. '0 *\/12 * * *' (validated by parseCron). */
  cron: string;
  /** --etcd-snapshot-retention: scheduled snapshots kept; below 1 keeps all. */
  retention: number;
  /** --etcd-snapshot-name: base name of scheduled snapshots (default etcd-snapshot). */
  name: string;
  /** --etcd-snapshot-dir (default `<data-dir>/snapshots`). */
  dir: string;
}

/** The clock the schedule runs on; tests replace it to fire without waiting. */
export interface ScheduleClock {
  now(): Date;
  /** Resolves at `at` (or at once if it passed), or early when `signal` aborts. */
  waitUntil(at: Date, signal: AbortSignal): Promise<void>;
}

/** What one scheduled run did. */
export interface ScheduledRun {
  saved: string;
  pruned: string[];
}

/** What runSchedule needs besides the clock. */
export interface ScheduleLoop {
  schedule: CronSchedule;
  clock: ScheduleClock;
  /** One scheduled run; a throw is logged and the loop goes on. */
  run(at: Date): Promise<unknown>;
  log: Logger;
  /** Evaluate the cron spec in UTC (default local time, as k3s). */
  utc?: boolean;
}

/**
 * Waits for each next cron time and calls `l.run` with the clock's time
 * then, until `signal` aborts; resolves then. Resolves at once (with a
 * warning) when the spec never fires.
 */
export async function runSchedule(l: ScheduleLoop, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    const at = nextCronTime(l.schedule, l.clock.now(), { utc: l.utc === true });
    if (at === undefined) {
      l.log.warn('the snapshot schedule never fires; no scheduled snapshots will be taken');
      return;
    }
    await l.clock.waitUntil(at, signal);
    if (signal.aborted) return;
    try {
      await l.run(l.clock.now());
    } catch (err) {
      l.log.error('scheduled etcd snapshot failed', { error: err instanceof Error ? err.message : String(err) });
    }
  }
}

/** The real clock; waits in steps of at most a minute, so a changed system clock is noticed. */
export const systemClock: ScheduleClock = {
  now: () => new Date(),
  waitUntil: async (at, signal) => {
    for (;;) {
      const ms = at.getTime() - Date.now();
      if (ms <= 0 || signal.aborted) return;
      await sleep(Math.min(ms, 60_000), signal);
    }
  },
};

/** What startSnapshotSchedule needs. */
export interface SnapshotScheduleOptions {
  /** Undefined or `disabled`: nothing is scheduled. */
  config: SnapshotScheduleConfig | undefined;
  nodeName: string;
  etcd: EtcdTarget;
  log: Logger;
  /** Default systemClock. */
  clock?: ScheduleClock;
  /** Called after every scheduled run (tests wait on it). */
  onRun?: (r: ScheduledRun) => void;
}

/**
 * Starts the snapshot schedule in the background and returns its promise,
 * which resolves once `signal` aborted (or at once when snapshots are
 * disabled). Never rejects: a bad cron spec (the CLI validates it) is logged.
 */
export function startSnapshotSchedule(o: SnapshotScheduleOptions, signal: AbortSignal): Promise<void> {
  const cfg = o.config;
  if (cfg === undefined || cfg.disabled) return Promise.resolve();
  const schedule = parseCron(cfg.cron);
  if ('error' in schedule) {
    o.log.error('invalid --etcd-snapshot-schedule-cron; no scheduled snapshots', { cron: cfg.cron, error: schedule.error });
    return Promise.resolve();
  }
  o.log.info('scheduled etcd snapshots', { cron: cfg.cron, retention: cfg.retention, dir: cfg.dir });
  const run = async (at: Date): Promise<ScheduledRun> => {
    const saved = await saveSnapshot({ etcd: o.etcd, dir: cfg.dir, base: cfg.name, nodeName: o.nodeName, now: at });
    if (!saved.ok) throw new Error(saved.error);
    const pruned = await pruneSnapshots(cfg.dir, snapshotPrefix(cfg.name, o.nodeName), cfg.retention);
    o.log.info('saved etcd snapshot', { name: saved.value.name, bytes: saved.value.size, pruned });
    const r = { saved: saved.value.name, pruned };
    o.onRun?.(r);
    return r;
  };
  return runSchedule({ schedule, clock: o.clock ?? systemClock, run, log: o.log }, signal).catch((err: unknown) => {
    o.log.error('the snapshot schedule stopped', { error: err instanceof Error ? err.message : String(err) });
  });
}
