/**
 * Where `skiff server` and `skiff agent` run their components: as modules in
 * this process (the default, as k3s: one Node process for apiserver,
 * scheduler, controller-manager, kubelet and proxy, each restarted alone on
 * failure by an InProcessSupervisor), or each as its own child process under
 * the Supervisor (`--split-processes`: today's layout, for debugging and for
 * the kill -9 tests). etcd and containerd are child processes in both modes.
 */
import type { Logger } from '../../apiserver/api/log.ts';
import type { RestartPolicy } from '../supervisor/decide.ts';
import { InProcessSupervisor } from '../supervisor/in-process.ts';
import type { Supervisor } from '../supervisor/supervisor.ts';
import type { ComponentPlan } from './components.ts';

/**
 * Runs one component in this process from its `skiff` arguments
 * (`['scheduler', '--kubeconfig', …]`) until `signal` aborts; rejects when
 * the component fails. The CLI provides it (deploy/cli/in-process.ts), so
 * the flags are parsed exactly as the child process would parse them.
 */
export type InProcessRunner = (argv: string[], signal: AbortSignal) => Promise<void>;

/** Adds components and stops them; the mode is fixed at creation. */
export interface ComponentHost {
  readonly mode: 'one-process' | 'split-processes';
  /** Starts the component and keeps it running. Throws if its name is taken. */
  add(p: ComponentPlan): void;
  /** Stops the components this host runs, in reverse start order (child processes of the Supervisor other than components are not touched). */
  stop(): Promise<void>;
}

/** What `componentHost` composes. */
export interface ComponentHostOptions {
  /** The child-process Supervisor (etcd, containerd, and the components in split mode). */
  sup: Supervisor;
  /** Present: run components in this process; absent: as child processes. */
  inProcess?: InProcessRunner;
  log: Logger;
  policy?: RestartPolicy;
  /** Called with the in-process supervisor once it exists (tests read restarts from it). */
  onModules?: (m: InProcessSupervisor) => void;
}

/** The host for `o.inProcess` (one process) or the Supervisor (split processes). */
export function componentHost(o: ComponentHostOptions): ComponentHost {
  const run = o.inProcess;
  if (run === undefined) {
    const names: string[] = [];
    return {
      mode: 'split-processes',
      add: (p) => { o.sup.add(p.spec); names.push(p.spec.name); },
      stop: async () => { for (const n of [...names].reverse()) await o.sup.stop(n); },
    };
  }
  const modules = new InProcessSupervisor({ log: o.log, ...(o.policy ? { policy: o.policy } : {}) });
  o.onModules?.(modules);
  return {
    mode: 'one-process',
    add: (p) => modules.add({ name: p.spec.name, run: (signal) => run(p.argv, signal), ...(p.spec.stopTimeoutMs !== undefined ? { stopTimeoutMs: p.spec.stopTimeoutMs } : {}) }),
    stop: () => modules.stopAll(),
  };
}
