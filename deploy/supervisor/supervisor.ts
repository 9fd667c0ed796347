/**
 * Runs a set of child processes and keeps them running: a child that exits on
 * its own is restarted alone, after the backoff `decideOnExit` picks. Output
 * lines of each child are copied to one stream with the child's name in
 * front, and each running child's pid is kept in `<runDir>/<name>.pid` (tests
 * kill -9 that pid and expect a restart).
 *
 * Each child runs in its own process group, so a Ctrl-C on the terminal
 * reaches only the supervising process, which then stops the children in
 * reverse start order (`stopAll`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Logger } from '../../apiserver/api/log.ts';
import { defaultRestartPolicy, type RestartPolicy } from './decide.ts';
import { RestartTracker } from './restart-tracker.ts';

/** How to start one child. */
export interface ChildSpec {
  /** Short unique name: used for the output prefix and `<name>.pid`. */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Wait after SIGTERM before SIGKILL, in ms. Default 10 000. */
  stopTimeoutMs?: number;
}

/** Something that happened to a child; passed to `onEvent`. */
export type SupervisorEvent =
  | { type: 'started'; name: string; pid: number; restarts: number }
  | { type: 'exited'; name: string; code: number | null; signal: NodeJS.Signals | null }
  | { type: 'restart-scheduled'; name: string; delayMs: number }
  | { type: 'stopped'; name: string };

/** Dependencies of a Supervisor. */
export interface SupervisorOptions {
  /** Directory for pid files; created if missing. */
  runDir: string;
  /** Where prefixed child output goes (e.g. process.stdout). */
  out: NodeJS.WritableStream;
  log: Logger;
  policy?: RestartPolicy;
  /** Clock in epoch ms; injectable for tests. */
  now?: () => number;
  onEvent?: (e: SupervisorEvent) => void;
  /** Width the name is padded to in the output prefix. Default 18. */
  prefixWidth?: number;
}

interface Managed {
  spec: ChildSpec;
  proc?: ChildProcess;
  restart: RestartTracker;
  /** Resolves when the current process has exited (undefined when none runs). */
  exited?: Promise<void>;
}

/** Keeps named child processes running; see the file comment. */
export class Supervisor {
  private readonly children = new Map<string, Managed>();
  private readonly order: string[] = [];
  private readonly opts: SupervisorOptions;
  private readonly now: () => number;
  private readonly policy: RestartPolicy;

  constructor(opts: SupervisorOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    this.policy = opts.policy ?? defaultRestartPolicy;
    mkdirSync(opts.runDir, { recursive: true });
  }

  /** Starts `spec` now and keeps it running. Throws if the name is taken. */
  add(spec: ChildSpec): void {
    if (this.children.has(spec.name)) throw new Error(`child ${spec.name} already supervised`);
    const m: Managed = { spec, restart: new RestartTracker(this.policy, this.now) };
    this.children.set(spec.name, m);
    this.order.push(spec.name);
    this.launch(m);
  }

  /** The pid of the running process named `name`, or undefined. */
  pid(name: string): number | undefined {
    return this.children.get(name)?.proc?.pid;
  }

  /** How many times `name` was restarted after its first start. */
  restarts(name: string): number {
    return this.children.get(name)?.restart.restarts ?? 0;
  }

  /** Names in start order. */
  names(): string[] {
    return [...this.order];
  }

  /**
   * Stops one child: SIGTERM, then SIGKILL after its stopTimeoutMs. Resolves
   * once it has exited; it is not restarted. Idempotent.
   */
  async stop(name: string): Promise<void> {
    const m = this.children.get(name);
    if (!m) return;
    m.restart.stop();
    const proc = m.proc;
    const exited = m.exited;
    if (proc && exited) {
      signal(proc, 'SIGTERM');
      const timeoutMs = m.spec.stopTimeoutMs ?? 10_000;
      let killTimer: NodeJS.Timeout | undefined;
      const killed = new Promise<void>((resolve) => {
        killTimer = setTimeout(() => {
          this.opts.log.warn('child did not stop in time, killing', { name, timeoutMs });
          signal(proc, 'SIGKILL');
          resolve();
        }, timeoutMs);
      });
      await Promise.race([exited, killed]);
      clearTimeout(killTimer);
      await exited;
    }
    rmSync(this.pidFile(name), { force: true });
    this.opts.onEvent?.({ type: 'stopped', name });
  }

  /** Stops every child, one at a time, in reverse start order. */
  async stopAll(): Promise<void> {
    for (const m of this.children.values()) m.restart.stop();
    for (const name of [...this.order].reverse()) await this.stop(name);
  }

  private launch(m: Managed): void {
    const { spec } = m;
    m.restart.started();
    let proc: ChildProcess;
    try {
      proc = spawn(spec.command, spec.args, {
        cwd: spec.cwd,
        env: spec.env ?? process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
    } catch (err) {
      this.opts.log.error('spawn failed', { name: spec.name, err });
      this.afterExit(m, null, null);
      return;
    }
    m.proc = proc;
    let resolveExited: () => void = () => {};
    m.exited = new Promise<void>((resolve) => { resolveExited = resolve; });
    let done = false;
    const finish = (code: number | null, sig: NodeJS.Signals | null): void => {
      if (done) return;
      done = true;
      if (m.proc === proc) { m.proc = undefined; m.exited = undefined; }
      resolveExited();
      this.afterExit(m, code, sig);
    };
    proc.on('error', (err) => {
      this.opts.log.error('child process error', { name: spec.name, err });
      if (proc.pid === undefined) finish(null, null);
    });
    proc.on('exit', (code, sig) => finish(code, sig));
    this.pipeLines(spec.name, proc);
    if (proc.pid !== undefined) {
      writeFileSync(this.pidFile(spec.name), `${proc.pid}\n`);
      this.opts.onEvent?.({ type: 'started', name: spec.name, pid: proc.pid, restarts: m.restart.restarts });
    }
  }

  private afterExit(m: Managed, code: number | null, sig: NodeJS.Signals | null): void {
    const name = m.spec.name;
    this.opts.onEvent?.({ type: 'exited', name, code, signal: sig });
    // Nothing runs under this name until the restart: never leave a dead pid behind.
    rmSync(this.pidFile(name), { force: true });
    const decision = m.restart.ended(() => this.launch(m));
    if (decision.action === 'stay-stopped') return;
    this.opts.log.warn('child exited, restarting', { name, code, signal: sig, delayMs: decision.delayMs });
    this.opts.onEvent?.({ type: 'restart-scheduled', name, delayMs: decision.delayMs });
  }

  private pipeLines(name: string, proc: ChildProcess): void {
    const prefix = `${name.padEnd(this.opts.prefixWidth ?? 18)} | `;
    for (const stream of [proc.stdout, proc.stderr]) {
      if (!stream) continue;
      const rl = createInterface({ input: stream, crlfDelay: Infinity });
      rl.on('line', (line) => { this.opts.out.write(prefix + line + '\n'); });
    }
  }

  private pidFile(name: string): string {
    return join(this.opts.runDir, `${name}.pid`);
  }
}

/**
 * Signals the child itself (not its process group: containerd's shims must
 * outlive containerd, so running containers survive a restart).
 */
function signal(proc: ChildProcess, sig: NodeJS.Signals): void {
  try { proc.kill(sig); } catch { /* already gone */ }
}
