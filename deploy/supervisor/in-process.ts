/**
 * Keeps named components running as modules inside this process, as k3s
 * runs its control plane: each component is a run function given its own
 * AbortSignal. A run that rejects (or returns while it was not asked to stop)
 * is restarted alone after the backoff `decideOnExit` picks, the same rule
 * the child-process Supervisor uses; the others keep running.
 *
 * A run cannot be killed: `stop` aborts its signal and waits up to the
 * spec's stopTimeoutMs for it to settle, then gives up on it (logged) so one
 * stuck component never holds up the shutdown of the rest.
 */
import type { Logger } from '../../apiserver/api/log.ts';
import { defaultRestartPolicy, type RestartPolicy } from './decide.ts';
import { RestartTracker } from './restart-tracker.ts';

/** One in-process component. */
export interface ModuleSpec {
  /** Short unique name (the component's: apiserver, scheduler, …). */
  name: string;
  /** Runs the component until `signal` aborts; resolves once it has stopped, rejects on failure. */
  run: (signal: AbortSignal) => Promise<void>;
  /** Wait after aborting before giving up on the run, in ms. Default 10 000. */
  stopTimeoutMs?: number;
}

/** Something that happened to a module; passed to `onEvent`. */
export type ModuleEvent =
  | { type: 'started'; name: string; restarts: number }
  | { type: 'failed'; name: string; error: string }
  | { type: 'restart-scheduled'; name: string; delayMs: number }
  | { type: 'stopped'; name: string };

/** Dependencies of an InProcessSupervisor. */
export interface InProcessSupervisorOptions {
  log: Logger;
  policy?: RestartPolicy;
  /** Clock in epoch ms; injectable for tests. */
  now?: () => number;
  onEvent?: (e: ModuleEvent) => void;
}

interface Managed {
  spec: ModuleSpec;
  restart: RestartTracker;
  /** The running run's abort controller and settle promise (undefined when none runs). */
  current?: { ac: AbortController; settled: Promise<void> };
}

/** Keeps in-process components running; see the file comment. */
export class InProcessSupervisor {
  private readonly modules = new Map<string, Managed>();
  private readonly order: string[] = [];
  private readonly opts: InProcessSupervisorOptions;
  private readonly now: () => number;
  private readonly policy: RestartPolicy;

  constructor(opts: InProcessSupervisorOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    this.policy = opts.policy ?? defaultRestartPolicy;
  }

  /** Starts `spec` now and keeps it running. Throws if the name is taken. */
  add(spec: ModuleSpec): void {
    if (this.modules.has(spec.name)) throw new Error(`component ${spec.name} already supervised`);
    const m: Managed = { spec, restart: new RestartTracker(this.policy, this.now) };
    this.modules.set(spec.name, m);
    this.order.push(spec.name);
    this.launch(m);
  }

  /** How many times `name` was restarted after its first start. */
  restarts(name: string): number {
    return this.modules.get(name)?.restart.restarts ?? 0;
  }

  /** True while a run of `name` is in progress (not between a failure and its restart). */
  running(name: string): boolean {
    return this.modules.get(name)?.current !== undefined;
  }

  /** Names in start order. */
  names(): string[] {
    return [...this.order];
  }

  /** Stops one component: aborts its signal and waits for the run to settle (at most its stopTimeoutMs). Idempotent; it is not restarted. */
  async stop(name: string): Promise<void> {
    const m = this.modules.get(name);
    if (!m) return;
    m.restart.stop();
    const cur = m.current;
    if (cur) {
      cur.ac.abort(new Error('stopping'));
      const timeoutMs = m.spec.stopTimeoutMs ?? 10_000;
      let t: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<'timeout'>((resolve) => { t = setTimeout(() => resolve('timeout'), timeoutMs); });
      const r = await Promise.race([cur.settled.then(() => 'done' as const), gaveUp]);
      clearTimeout(t);
      if (r === 'timeout') this.opts.log.warn('component did not stop in time, leaving it', { name, timeoutMs });
    }
    this.opts.onEvent?.({ type: 'stopped', name });
  }

  /** Stops every component, one at a time, in reverse start order. */
  async stopAll(): Promise<void> {
    for (const m of this.modules.values()) m.restart.stop();
    for (const name of [...this.order].reverse()) await this.stop(name);
  }

  private launch(m: Managed): void {
    const ac = new AbortController();
    m.restart.started();
    let run: Promise<void>;
    try {
      run = m.spec.run(ac.signal);
    } catch (err) {
      run = Promise.reject(err);
    }
    const settled = run.then(
      () => { if (!m.restart.stopping) this.afterEnd(m, 'returned before it was stopped'); },
      (err: unknown) => { this.afterEnd(m, err instanceof Error ? err.message : String(err)); },
    ).finally(() => { if (m.current?.ac === ac) m.current = undefined; });
    m.current = { ac, settled };
    this.opts.onEvent?.({ type: 'started', name: m.spec.name, restarts: m.restart.restarts });
  }

  private afterEnd(m: Managed, error: string): void {
    const name = m.spec.name;
    m.current = undefined;
    if (!m.restart.stopping) {
      this.opts.log.error('component failed', { name, error });
      this.opts.onEvent?.({ type: 'failed', name, error });
    }
    const decision = m.restart.ended(() => this.launch(m));
    if (decision.action === 'stay-stopped') return;
    this.opts.log.warn('restarting component', { name, delayMs: decision.delayMs });
    this.opts.onEvent?.({ type: 'restart-scheduled', name, delayMs: decision.delayMs });
  }
}
