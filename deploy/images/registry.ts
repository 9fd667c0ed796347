/**
 * Runs Debian's `docker-registry` (distribution 2.8) as a throw-away local
 * registry, optionally inside a network namespace, and pushes OCI layouts into
 * it with skopeo.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nsWrap, run, runAllowFail } from './exec.ts';

/** Something that can be pushed: an OCI layout, a tag in it, and the registry repository path. */
export interface PushableImage {
  layout: string;
  tag: string;
  repository: string;
}

/** Options for {@link startRegistry}. */
export interface RegistryOptions {
  /** host:port to listen on, e.g. `127.0.0.1:5000` (inside `netns` when given). */
  addr: string;
  /** Network namespace name (under /run/netns) to run the registry and pushes in. */
  netns?: string;
  /** Parent for the registry's temp dir (config, storage, log); default os.tmpdir(). */
  tmpRoot?: string;
  /** Images pushed once the registry answers. */
  images?: readonly PushableImage[];
  /** How long to wait for `/v2/` to answer, ms; default 20000. */
  readyTimeoutMs?: number;
}

/** A running registry. */
export interface Registry {
  /** `http://<addr>` */
  url: string;
  addr: string;
  /** Registry process id (docker-registry itself; nsenter execs into it). */
  pid: number;
  /** Where the registry writes its log. */
  logFile: string;
  /** Pushes more images (same as RegistryOptions.images). */
  push(images: readonly PushableImage[]): Promise<void>;
  /** Stops the registry (SIGTERM, then SIGKILL after 5 s) and deletes its storage. Idempotent. */
  stop(): Promise<void>;
}

/** registryConfig renders the distribution config: filesystem storage under `root`, plain HTTP on `addr`, no auth. */
export function registryConfig(root: string, addr: string): string {
  return `version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: ${root}
  delete:
    enabled: true
http:
  addr: ${addr}
`;
}

/**
 * startRegistry starts `docker-registry serve`, waits until GET /v2/ answers
 * 200 (probed with curl in the same namespace), then pushes `images`.
 * Throws with the registry's log when it exits early or never answers.
 */
export async function startRegistry(opts: RegistryOptions): Promise<Registry> {
  const dir = await mkdtemp(join(opts.tmpRoot ?? tmpdir(), 'skiff-registry-'));
  const storage = join(dir, 'storage');
  await mkdir(storage);
  const configPath = join(dir, 'config.yml');
  await writeFile(configPath, registryConfig(storage, opts.addr));
  const logFile = join(dir, 'registry.log');
  const log = createWriteStream(logFile);
  const [cmd, args] = nsWrap(opts.netns, 'docker-registry', ['serve', configPath]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let exited = false;
  const exitPromise = new Promise<void>((res) => {
    child.once('exit', () => {
      exited = true;
      res();
    });
    child.once('error', () => {
      exited = true;
      res();
    });
  });
  const url = `http://${opts.addr}`;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await killAndWait(child, exitPromise, () => exited);
    log.end();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForV2(url, opts.netns, opts.readyTimeoutMs ?? 20_000, () => exited);
    const reg: Registry = {
      url,
      addr: opts.addr,
      pid: child.pid ?? -1,
      logFile,
      push: (images) => pushImages(opts.addr, images, opts.netns),
      stop,
    };
    if (opts.images && opts.images.length > 0) await reg.push(opts.images);
    return reg;
  } catch (e) {
    const text = await readFile(logFile, 'utf8').catch(() => '');
    await stop();
    throw new Error(`${e instanceof Error ? e.message : String(e)}\nregistry log:\n${text.slice(-3000)}`);
  }
}

/**
 * pushImages copies each OCI layout tag to `docker://<addr>/<repository>:<tag>`
 * with skopeo over plain HTTP (`--dest-tls-verify=false`), inside `netns` when
 * given. Throws CommandError on the first failure.
 */
export async function pushImages(addr: string, images: readonly PushableImage[], netns?: string): Promise<void> {
  for (const img of images) {
    const [cmd, args] = nsWrap(netns, 'skopeo', [
      'copy',
      '--quiet',
      '--dest-tls-verify=false',
      `oci:${img.layout}:${img.tag}`,
      `docker://${addr}/${img.repository}:${img.tag}`,
    ]);
    await run(cmd, args, { timeoutMs: 120_000 });
  }
}

/** httpGet fetches `url` with curl inside `netns` (or on the host) and returns status, headers and body. */
export async function httpGet(
  url: string,
  netns?: string,
  headers: readonly string[] = [],
  curlOptions: readonly string[] = [],
): Promise<{ status: number; body: string; headers: string }> {
  const marker = '\n--skiff-status--';
  const curlArgs = ['-sS', '--max-time', '5', '-D', '-', '-w', `${marker}%{http_code}`, ...curlOptions];
  for (const h of headers) curlArgs.push('-H', h);
  curlArgs.push(url);
  const [cmd, args] = nsWrap(netns, 'curl', curlArgs);
  const r = await runAllowFail(cmd, args, { timeoutMs: 10_000 });
  const at = r.stdout.lastIndexOf(marker);
  if (r.code !== 0 || at < 0) return { status: 0, body: r.stderr, headers: '' };
  const all = r.stdout.slice(0, at);
  const split = all.indexOf('\r\n\r\n');
  const head = split >= 0 ? all.slice(0, split) : all;
  const body = split >= 0 ? all.slice(split + 4) : '';
  return { status: Number(r.stdout.slice(at + marker.length)), body, headers: head };
}

async function waitForV2(url: string, netns: string | undefined, timeoutMs: number, hasExited: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (hasExited()) throw new Error(`docker-registry exited before ${url}/v2/ answered`);
    const r = await httpGet(`${url}/v2/`, netns);
    if (r.status === 200) return;
    last = `status ${r.status} ${r.body.trim().slice(0, 200)}`;
    await new Promise((res) => setTimeout(res, 200));
  }
  throw new Error(`registry at ${url} did not answer /v2/ within ${timeoutMs} ms (last: ${last})`);
}

async function killAndWait(child: ChildProcess, exit: Promise<void>, hasExited: () => boolean): Promise<void> {
  if (hasExited()) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exit;
  clearTimeout(timer);
}
