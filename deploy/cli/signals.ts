/**
 * The AbortSignal every `skiff` subcommand hands to its run function: it
 * aborts on the first SIGINT, SIGTERM or SIGHUP (a second one exits at once
 * with status 130), and, for a child of `skiff server`, when that server has gone
 * away (our parent pid changed), so no component outlives its supervisor.
 */
import { parentPidEnv } from '../server/components.ts';

/** Options of `shutdownSignal`; all injectable for tests. */
export interface ShutdownOptions {
  /** Process to listen on; default `process`. */
  proc?: NodeJS.Process;
  /** Parent pid to watch; default from SKIFF_PARENT_PID, none if unset. */
  parentPid?: number;
  /** How often to check the parent, ms. Default 1000. */
  parentCheckMs?: number;
  /** Called with the reason when aborting (for a log line). */
  onAbort?: (reason: string) => void;
}

/** Returns a signal that aborts on SIGINT/SIGTERM/SIGHUP or loss of the supervising parent. */
export function shutdownSignal(o: ShutdownOptions = {}): AbortSignal {
  const proc = o.proc ?? process;
  const ac = new AbortController();
  const abort = (reason: string): void => {
    if (ac.signal.aborted) return;
    o.onAbort?.(reason);
    ac.abort(new Error(reason));
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    proc.on(sig, () => {
      if (ac.signal.aborted) proc.exit(130);
      abort(`received ${sig}`);
    });
  }
  const envPid = Number.parseInt(proc.env[parentPidEnv] ?? '', 10);
  const parentPid = o.parentPid ?? (Number.isInteger(envPid) ? envPid : undefined);
  if (parentPid !== undefined) {
    const timer = setInterval(() => {
      if (proc.ppid !== parentPid) abort(`supervisor (pid ${parentPid}) is gone`);
    }, o.parentCheckMs ?? 1_000);
    timer.unref();
    ac.signal.addEventListener('abort', () => clearInterval(timer), { once: true });
  }
  return ac.signal;
}
