/**
 * How the proxy runs host commands (iptables, iptables-restore, ip). An
 * injected function so tests can use a fake, or run everything inside a test
 * network namespace through `nsenter`.
 */
import { execa } from 'execa';

/** Result of one command; never thrown for a non-zero exit. */
export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs `file args` with optional stdin `input`. Rejects only if the binary can't be started. */
export type Exec = (file: string, args: string[], input?: string) => Promise<ExecResult>;

/** The real Exec, through execa (no shell, 30 s timeout). */
export const hostExec: Exec = async (file, args, input) => {
  const r = await execa(file, args, { input, reject: false, timeout: 30_000, stripFinalNewline: false });
  if (r.exitCode === undefined) throw new Error(`${file}: could not run: ${r.message}`);
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
};

/**
 * Wraps an Exec so every command runs in the network namespace
 * /run/netns/<name> via `nsenter --net=` (not `ip netns exec`, which remounts /sys).
 */
export function netnsExec(name: string, inner: Exec = hostExec): Exec {
  return (file, args, input) => inner('nsenter', [`--net=/run/netns/${name}`, file, ...args], input);
}

/** Runs a command and throws (with its stderr) unless it exits 0. */
export async function mustExec(exec: Exec, file: string, args: string[], input?: string): Promise<ExecResult> {
  const r = await exec(file, args, input);
  if (r.exitCode !== 0) throw new Error(`${file} ${args.join(' ')} failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
  return r;
}
