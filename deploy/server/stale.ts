/**
 * Cleanup of children left by an earlier `skiff server` that died without
 * stopping them (kill -9, power loss of the supervisor only). Their pids are
 * in `<data-dir>/run/<name>.pid`; a pid is only signalled when its command
 * line still looks like that child, so a reused pid is never hit.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from './wait.ts';

/**
 * True when `cmdline` (NUL-separated, as in /proc/<pid>/cmdline) is the child
 * called `name`: etcd and containerd by their binary's base name, components
 * by the skiff launcher followed by the component name. Pure.
 */
export function looksLikeChild(cmdline: string, name: string): boolean {
  const argv = cmdline.split('\0').filter((a) => a !== '');
  if (argv.length === 0) return false;
  const base = (s: string): string => s.slice(s.lastIndexOf('/') + 1);
  if (name === 'etcd' || name === 'containerd') return base(argv[0]) === name;
  const launcherAt = argv.findIndex(isLauncher);
  return launcherAt >= 0 && argv[launcherAt + 1] === name;
}

/** True for argv entry `a` at `i` that runs skiff: the script (skiff.mjs, cli.ts) or, first, the single binary (`skiff`, `skiff-linux-<arch>`). */
function isLauncher(a: string, i: number): boolean {
  return a.endsWith('skiff.mjs') || a.endsWith('cli.ts') || (i === 0 && /(^|\/)skiff(-linux-[a-z0-9]+)?$/.test(a));
}

/** Reads /proc/<pid>/cmdline; undefined when the process is gone (or a zombie: empty). */
function cmdlineOf(pid: number): string | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return text === '' ? undefined : text;
  } catch {
    return undefined;
  }
}

/**
 * For each `<runDir>/<name>.pid` (except `skipNames`), stops the process if it
 * is still that child: SIGTERM, then SIGKILL after `graceMs`. Removes the pid
 * files. Returns the names it stopped. Never throws for missing files.
 */
export async function reapStaleChildren(runDir: string, skipNames: string[] = [], graceMs = 10_000): Promise<string[]> {
  let files: string[];
  try {
    files = readdirSync(runDir).filter((f) => f.endsWith('.pid'));
  } catch {
    return [];
  }
  const stopped: string[] = [];
  for (const f of files) {
    const name = f.slice(0, -'.pid'.length);
    if (skipNames.includes(name)) continue;
    const path = join(runDir, f);
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    rmSync(path, { force: true });
    if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) continue;
    const cmd = cmdlineOf(pid);
    if (cmd === undefined || !looksLikeChild(cmd, name)) continue;
    try { process.kill(pid, 'SIGTERM'); } catch { continue; }
    const end = Date.now() + graceMs;
    while (cmdlineOf(pid) !== undefined && Date.now() < end) await sleep(100);
    if (cmdlineOf(pid) !== undefined) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
    stopped.push(name);
  }
  return stopped;
}

/**
 * The pid of a live `skiff server` recorded in `<runDir>/server.pid`, if any
 * (another server on the same data dir). Pure apart from reading /proc.
 */
export function runningServerPid(runDir: string): number | undefined {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(join(runDir, 'server.pid'), 'utf8').trim(), 10);
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid === process.pid) return undefined;
  const cmd = cmdlineOf(pid);
  if (cmd === undefined) return undefined;
  const argv = cmd.split('\0');
  const at = argv.findIndex(isLauncher);
  return at >= 0 && argv[at + 1] === 'server' ? pid : undefined;
}
