/**
 * The five component subcommands' actions (apiserver, scheduler,
 * controller-manager, kubelet, proxy), parameterized by how a component is
 * run: as this process's only job (actions.ts) or as a module of `skiff
 * server` (in-process.ts). Component modules are imported only when that
 * component starts.
 */
import { createLogger, type Logger } from '../../apiserver/api/log.ts';
import type { CliActions } from './program.ts';
import type { ApiServerFlags, ControllerManagerFlags, KubeletFlags, ProxyFlags, SchedulerFlags } from './options.ts';

/** A component's run function: resolves once `signal` aborted and everything stopped. */
export type RunFn<O> = (opts: O & { log: Logger }, signal: AbortSignal) => Promise<void>;

/** Runs a component's loaded run function with its logger and `opts` until `signal` aborts. */
export type ComponentRunner = <O>(name: string, load: () => Promise<RunFn<O>>, opts: O) => Promise<void>;

/**
 * Runs one component until `signal` aborts: `name` is its logger name, `load`
 * imports its run function. Rejects with the load error (naming the
 * component) or whatever the run rejects with.
 */
export async function runComponentUntil<O>(name: string, load: () => Promise<RunFn<O>>, opts: O, signal: AbortSignal, log: Logger = createLogger(name)): Promise<void> {
  let run: RunFn<O>;
  try {
    run = await load();
  } catch (err) {
    throw new Error(`cannot load the ${name} component: ${err instanceof Error ? err.message : String(err)}`);
  }
  log.info('starting', { pid: process.pid });
  await run({ ...opts, log }, signal);
  log.info('stopped');
}

/** The five component subcommands, each running through `run` (typed imports: the compiler checks each flags shape against the component's options). */
export function componentActions(run: ComponentRunner): Pick<CliActions, 'apiserver' | 'scheduler' | 'controllerManager' | 'kubelet' | 'proxy'> {
  return {
    apiserver: (o) => run<ApiServerFlags>('apiserver', async () => (await import('../../apiserver/main.ts')).runApiServer, o),
    scheduler: (o) => run<SchedulerFlags>('scheduler', async () => (await import('../../scheduler/main.ts')).runScheduler, o),
    controllerManager: (o) => run<ControllerManagerFlags>('controller-manager', async () => (await import('../../controllers/main.ts')).runControllerManager, o),
    kubelet: (o) => run<KubeletFlags>('kubelet', async () => (await import('../../kubelet/main.ts')).runKubelet, o),
    proxy: (o) => run<ProxyFlags>('proxy', async () => (await import('../../proxy/main.ts')).runProxy, o),
  };
}

