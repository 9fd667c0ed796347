/**
 * Test helper: stops a spawned child process the polite way — SIGTERM, then
 * SIGKILL after `graceMs` — and resolves once it has exited. A child that
 * already exited (or is undefined) resolves at once.
 */
import type { ChildProcess } from 'node:child_process';

/** SIGTERM, SIGKILL after `graceMs` (default 5 000 ms), resolve on exit. Never throws. */
export async function stopChild(child: ChildProcess | undefined, graceMs = 5_000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(t);
}
