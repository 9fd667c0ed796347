/**
 * The real subcommand actions: each composes a logger and a shutdown signal
 * and calls the component's run function (docs/CONVENTIONS.md "Component
 * entry points"). Component modules are imported only when their subcommand
 * runs, so one component's start-up cost (or a broken module) never affects
 * the others (each runs in its own process under `skiff server`).
 */
import { createLogger, type Logger } from '../../apiserver/api/log.ts';
import { runServer } from '../server/server.ts';
import { etcdSnapshotActions } from '../snapshot/actions.ts';
import type { CliActions } from './program.ts';
import type { ApiServerFlags, ControllerManagerFlags, HollowNodesFlags, KubeletFlags, ProxyFlags, SchedulerFlags } from './options.ts';
import { shutdownSignal } from './signals.ts';
import { decideLogFormat, LOG_FORMAT_ENV, LOG_LEVEL_ENV } from '../../apiserver/api/log-level.ts';

/** A component's run function: resolves once `signal` aborted and everything stopped. */
export type RunFn<O> = (opts: O & { log: Logger }, signal: AbortSignal) => Promise<void>;

/** Runs one component until SIGINT/SIGTERM; `name` is its logger name, `load` imports its run function. */
async function runComponent<O>(name: string, load: () => Promise<RunFn<O>>, opts: O): Promise<void> {
  const log = createLogger(name);
  const signal = shutdownSignal({ onAbort: (reason) => log.info('shutting down', { reason }) });
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

/** The actions `skiff` runs for real. */
export function defaultActions(): CliActions {
  return {
    // The decided level and format go into the env: createLogger reads them, and the children of server/agent inherit them.
    logging: (level) => {
      process.env[LOG_LEVEL_ENV] = level;
      process.env[LOG_FORMAT_ENV] = decideLogFormat(process.env, process.stderr.isTTY === true);
    },
    server: async (cfg) => {
      if (process.getuid?.() !== 0) throw new Error('skiff server must run as root (it starts containerd and programs iptables)');
      const log = createLogger('server');
      // A closed stdout (the reader went away) must not kill the supervisor and orphan its children.
      process.stdout.on('error', () => {});
      const signal = shutdownSignal({ onAbort: (reason) => log.info('shutting down', { reason }) });
      await runServer(cfg, signal, { out: process.stdout, log });
    },
    // Typed imports: the compiler checks each flags shape against the component's options.
    apiserver: (o) => runComponent<ApiServerFlags>('apiserver', async () => (await import('../../apiserver/main.ts')).runApiServer, o),
    scheduler: (o) => runComponent<SchedulerFlags>('scheduler', async () => (await import('../../scheduler/main.ts')).runScheduler, o),
    controllerManager: (o) => runComponent<ControllerManagerFlags>(
      'controller-manager', async () => (await import('../../controllers/main.ts')).runControllerManager, o),
    kubelet: (o) => runComponent<KubeletFlags>('kubelet', async () => (await import('../../kubelet/main.ts')).runKubelet, o),
    hollowNodes: (o) => runComponent<HollowNodesFlags>('hollow-nodes', async () => (await import('../../kubelet/hollow-nodes.ts')).runHollowNodes, o),
    proxy: (o) => runComponent<ProxyFlags>('proxy', async () => (await import('../../proxy/main.ts')).runProxy, o),
    proxyCleanup: async (o) => (await import('../../proxy/main.ts')).cleanupProxy(o),
    check: async (o) => {
      if (await (await import('../check/run.ts')).runCheck(o, process.stdout) !== 0) throw new Error('some checks failed (✗ above)');
    },
    etcdSnapshot: etcdSnapshotActions(process.stdout),
    agent: async (cfg) => {
      if (process.getuid?.() !== 0) throw new Error('skiff agent must run as root (it starts containerd and the kubelet)');
      const log = createLogger('agent');
      process.stdout.on('error', () => {});
      const signal = shutdownSignal({ onAbort: (reason) => log.info('shutting down', { reason }) });
      await (await import('../agent/agent.ts')).runAgent(cfg, signal, { out: process.stdout, log });
    },
  };
}
