/**
 * Runs a component inside this process from the same `skiff <component>
 * <flags>` arguments its child process would get (deploy/server/components.ts
 * plans them), so both modes parse and default flags through one program.
 * Used by `skiff server` and `skiff agent` in their default one-process mode.
 */
import type { Logger } from '../../apiserver/api/log.ts';
import type { InProcessRunner } from '../server/component-host.ts';
import { componentActions, runComponentUntil, type ComponentRunner } from './component-actions.ts';
import { buildProgram, type CliActions } from './program.ts';

/** The component subcommands a runner accepts. */
const COMPONENTS = new Set(['apiserver', 'scheduler', 'controller-manager', 'kubelet', 'proxy']);

/**
 * The InProcessRunner of the CLI. Each call parses `argv` with a fresh
 * program whose component actions run until the call's signal aborts;
 * `server`, `agent` and the other subcommands are refused. Rejects with the
 * flag error (commander's message), the load error or the component's
 * failure. `log` receives nothing itself; components create their own loggers.
 */
export function inProcessRunner(log?: Logger): InProcessRunner {
  return async (argv, signal) => {
    const name = argv[0] ?? '';
    if (!COMPONENTS.has(name)) throw new Error(`${name === '' ? 'no component' : name} cannot run in the server's process`);
    const run: ComponentRunner = (n, load, opts) => runComponentUntil(n, load, opts, signal);
    const refuse = (what: string) => async (): Promise<void> => { throw new Error(`${what} cannot run in the server's process`); };
    const actions: CliActions = {
      ...componentActions(run),
      server: refuse('server'), agent: refuse('agent'), proxyCleanup: refuse('proxy --cleanup'), check: refuse('check'), hollowNodes: refuse('hollow-nodes'),
      etcdSnapshot: { save: refuse('etcd-snapshot'), list: refuse('etcd-snapshot'), delete: refuse('etcd-snapshot'), prune: refuse('etcd-snapshot'), restore: refuse('etcd-snapshot') },
      // The server decided the level and format once (process.env); components read them from there.
      logging: () => {},
    };
    const program = buildProgram(actions);
    let flagError = '';
    for (const c of [program, ...program.commands]) {
      c.exitOverride();
      c.configureOutput({ writeErr: (s) => { flagError += s; }, writeOut: () => {} });
    }
    try {
      await program.parseAsync(argv, { from: 'user' });
    } catch (err) {
      if (flagError !== '') {
        log?.error('bad component flags', { component: name, error: flagError.trim() });
        throw new Error(`${name}: ${flagError.trim()}`);
      }
      throw err;
    }
  };
}

/**
 * With every component in one process, a promise some component left
 * unhandled must not end the whole cluster (Node's default throws and exits;
 * a component in its own process would be restarted alone): it is logged as
 * an error and the process keeps running. Uncaught exceptions keep Node's
 * default (exit; systemd's Restart=always brings the server back).
 */
export function keepRunningOnUnhandledRejection(log: Logger, proc: NodeJS.Process = process): void {
  proc.on('unhandledRejection', (reason) => {
    log.error('unhandled promise rejection in a component (the server keeps running)', { err: reason instanceof Error ? reason : new Error(String(reason)) });
  });
}
