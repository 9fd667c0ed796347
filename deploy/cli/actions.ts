/**
 * The real subcommand actions: each composes a logger and a shutdown signal
 * and calls the component's run function (docs/CONVENTIONS.md "Component
 * entry points"). Component modules are imported only when their subcommand
 * runs, so one component's start-up cost (or a broken module) never affects
 * the others.
 */
import { createLogger, type Logger } from '../../apiserver/client/log.ts';
import { runServer } from '../server/server.ts';
import type { CliActions } from './program.ts';
import type { ApiServerFlags, ControllerManagerFlags, KubeletFlags, ProxyFlags, SchedulerFlags } from './options.ts';
import { shutdownSignal } from './signals.ts';

/** A component's run function: resolves once `signal` aborted and everything stopped. */
export type RunFn<O> = (opts: O & { log: Logger }, signal: AbortSignal) => Promise<void>;

/**
 * Imports `modulePath` (relative to the repo root, e.g. 'apiserver/main.ts')
 * and returns its export `exportName`. Throws an Error naming both when the
 * module or the export is missing.
 */
export async function loadRunFn<O>(modulePath: string, exportName: string): Promise<RunFn<O>> {
  const url = new URL(`../../${modulePath}`, import.meta.url).href;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`cannot load ${modulePath}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const fn = mod[exportName];
  if (typeof fn !== 'function') throw new Error(`${modulePath} does not export a function ${exportName}`);
  return fn as RunFn<O>;
}

/** Runs one component until SIGINT/SIGTERM; `name` is its logger name, `load` imports its run function. */
async function runComponent<O>(name: string, load: () => Promise<RunFn<O>>, opts: O): Promise<void> {
  const log = createLogger(name);
  const signal = shutdownSignal({ onAbort: (reason) => log.info('shutting down', { reason }) });
  const run = await load();
  log.info('starting', { pid: process.pid });
  await run({ ...opts, log }, signal);
  log.info('stopped');
}

/** The actions `skiff` runs for real. */
export function defaultActions(): CliActions {
  return {
    server: async (cfg) => {
      if (process.getuid?.() !== 0) throw new Error('skiff server must run as root (it starts containerd and programs iptables)');
      const log = createLogger('server');
      const signal = shutdownSignal({ onAbort: (reason) => log.info('shutting down', { reason }) });
      await runServer(cfg, signal, { out: process.stdout, log });
    },
    apiserver: (o) => runComponent<ApiServerFlags>('apiserver', () => loadRunFn('apiserver/main.ts', 'runApiServer'), o),
    scheduler: (o) => runComponent<SchedulerFlags>('scheduler', () => loadRunFn('scheduler/main.ts', 'runScheduler'), o),
    controllerManager: (o) => runComponent<ControllerManagerFlags>('controller-manager', () => loadRunFn('controllers/main.ts', 'runControllerManager'), o),
    kubelet: (o) => runComponent<KubeletFlags>('kubelet', () => loadRunFn('kubelet/main.ts', 'runKubelet'), o),
    // Typed import: the compiler checks ProxyFlags against runProxy's options.
    proxy: (o) => runComponent<ProxyFlags>('proxy', async () => (await import('../../proxy/main.ts')).runProxy, o),
  };
}
