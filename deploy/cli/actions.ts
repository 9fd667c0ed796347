/**
 * The real subcommand actions: each composes a logger and a shutdown signal
 * and calls the component's run function (docs/CONVENTIONS.md "Component
 * entry points"). Component modules are imported only when their subcommand
 * runs (or, in one process, when `skiff server` starts that component), so a
 * broken module fails only its own component.
 */
import { createLogger } from '../../apiserver/api/log.ts';
import { runServer } from '../server/server.ts';
import { etcdSnapshotActions } from '../snapshot/actions.ts';
import type { CliActions } from './program.ts';
import type { HollowNodesFlags } from './options.ts';
import { shutdownSignal } from './signals.ts';
import { setFlagsFromString } from 'node:v8';
import { inProcessRunner, keepRunningOnUnhandledRejection } from './in-process.ts';
import { runtimeMemoryFlags } from '../server/node-flags.ts';
import { componentActions, runComponentUntil, type ComponentRunner } from './component-actions.ts';
import { decideLogFormat, LOG_FORMAT_ENV, LOG_LEVEL_ENV } from '../../apiserver/api/log-level.ts';

/** Runs one component as this process's only job, until SIGINT/SIGTERM (or its supervising server goes away). */
const runComponent: ComponentRunner = (name, load, opts) => {
  const log = createLogger(name);
  const signal = shutdownSignal({ onAbort: (reason) => log.info('shutting down', { reason }) });
  return runComponentUntil(name, load, opts, signal, log);
};

/** Sets the heap flags a launcher did not pass (deploy/server/node-flags.ts), before the components allocate. */
function applyRuntimeMemoryFlags(): void {
  for (const f of runtimeMemoryFlags(process.execArgv)) setFlagsFromString(f);
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
      if (cfg.splitProcesses !== true) keepRunningOnUnhandledRejection(log);
      applyRuntimeMemoryFlags();
      await runServer(cfg, signal, { out: process.stdout, log, inProcess: inProcessRunner(log) });
    },
    ...componentActions(runComponent),
    hollowNodes: (o) => runComponent<HollowNodesFlags>('hollow-nodes', async () => (await import('../../kubelet/hollow-nodes.ts')).runHollowNodes, o),
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
      if (cfg.splitProcesses !== true) keepRunningOnUnhandledRejection(log);
      applyRuntimeMemoryFlags();
      await (await import('../agent/agent.ts')).runAgent(cfg, signal, { out: process.stdout, log, inProcess: inProcessRunner(log) });
    },
  };
}
