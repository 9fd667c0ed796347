/**
 * Shared by the HA e2e suites (ha.e2e.ts, ha-embedded.e2e.ts): long-running
 * processes started inside a node namespace with their output in a log
 * file, stopped with SIGTERM (SIGKILL after 30 s).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nsWrap } from '../deploy/images/exec.ts';
import type { Member } from './harness/topology.ts';

/** The repository root (the processes' working dir). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** How to run `skiff`: this Node binary and deploy/bin/skiff.mjs. */
export const SKIFF = [process.execPath, join(REPO_ROOT, 'deploy/bin/skiff.mjs')];
/** Image pulls go to a closed loopback port: nothing is fetched (pods need only be created). */
export const NO_REGISTRY = ['--registry-mirror', 'docker.io=http://127.0.0.1:9', '--registry-mirror', 'registry.k8s.io=http://127.0.0.1:9'];

/** A long-running process in a node namespace, its output in `logFile`. */
export interface Proc {
  child: ChildProcess;
  logFile: string;
  exit: Promise<void>;
}

/** Starts `argv` inside `member`'s namespace (nsenter), appending stdout and stderr to `logFile`. */
export function startIn(member: Member, argv: readonly string[], logFile: string): Proc {
  const out = createWriteStream(logFile, { flags: 'a' });
  const [cmd, args] = nsWrap(member.name, argv[0] ?? process.execPath, argv.slice(1));
  const child = spawn(cmd, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (b: Buffer) => out.write(b));
  child.stderr?.on('data', (b: Buffer) => out.write(b));
  const exit = new Promise<void>((res) => child.once('exit', () => { out.end(); res(); }));
  return { child, logFile, exit };
}

/** SIGTERM, SIGKILL after 30 s; resolves once `p` has exited (at once when it already has or is undefined). */
export async function stopProc(p: Proc | undefined): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  const t = setTimeout(() => p.child.kill('SIGKILL'), 30_000);
  await p.exit;
  clearTimeout(t);
}

/** A file's text, '' when it cannot be read. */
export const text = async (f: string): Promise<string> => readFile(f, 'utf8').catch(() => '');

/** A `skiff server` in a node namespace. */
export interface ServerNode { member: Member; dataDir: string; proc: Proc; ip: string }
