import { spawn } from 'node:child_process';

/** Options for {@link run}. */
export interface RunOptions {
  /** Working directory of the child. */
  cwd?: string;
  /** Extra environment variables, merged over process.env. */
  env?: Record<string, string>;
  /** Bytes written to the child's stdin, then stdin is closed. */
  input?: string;
  /** Kill the child (SIGKILL) after this many ms; 0 or absent means no limit. */
  timeoutMs?: number;
}

/** Result of a finished child process. */
export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** CommandError is thrown by {@link run} when the child exits non-zero, is killed, or cannot start. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly result: RunResult,
  ) {
    super(`${command} exited ${result.code}: ${(result.stderr.trim() || result.stdout.trim()).slice(0, 4000)}`);
    this.name = 'CommandError';
  }
}

/**
 * runAllowFail runs `cmd args` without a shell and resolves with its output and
 * exit code whatever the code is (code -1 when it was killed or could not start).
 */
export function runAllowFail(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ? { ...process.env, ...opts.env } : process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    if (opts.timeoutMs && opts.timeoutMs > 0) {
      timer = setTimeout(() => {
        err.push(Buffer.from(`\n[killed after ${opts.timeoutMs} ms]`));
        child.kill('SIGKILL');
      }, opts.timeoutMs);
    }
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      resolve({ stdout: '', stderr: e.message, code: -1 });
    });
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), code: code ?? -1 });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** run runs `cmd args` (no shell) and resolves with stdout; throws CommandError on a non-zero exit. */
export async function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  const r = await runAllowFail(cmd, args, opts);
  if (r.code !== 0) throw new CommandError([cmd, ...args].join(' '), r);
  return r.stdout;
}

/** which resolves the absolute path of an executable on PATH, or undefined when it is missing. */
export async function which(name: string): Promise<string | undefined> {
  const r = await runAllowFail('sh', ['-c', 'command -v "$1"', 'sh', name]);
  const p = r.stdout.trim();
  return r.code === 0 && p.startsWith('/') ? p : undefined;
}

/**
 * nsWrap prefixes `cmd args` with `nsenter --net=/run/netns/<netns>` when a
 * namespace is given, so the command runs in that network namespace only
 * (mount namespace untouched: unlike `ip netns exec`, /sys is not remounted,
 * which runc needs for cgroup detection). Returns [cmd, args] to spawn.
 */
export function nsWrap(netns: string | undefined, cmd: string, args: readonly string[]): [string, string[]] {
  if (!netns) return [cmd, [...args]];
  return ['nsenter', [`--net=/run/netns/${netns}`, '--', cmd, ...args]];
}
