/**
 * Test helper: a throwaway "node" for the kubelet's real tests. Creates a
 * network namespace (no default route; a veth pair with both ends inside for
 * the node address), builds a busybox OCI image with umoci, serves it from a
 * docker-registry on 127.0.0.1:5000 inside the namespace, and starts
 * containerd from `renderContainerdConfig` in a temp dir, also inside the
 * namespace. `stop()` tears all of it down.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, mkdirSync, rmSync, symlinkSync, copyFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { renderContainerdConfig, needsRestrictOomScoreAdj } from '../cri/containerd-config.ts';
import { writeCniConfig } from '../cni.ts';
import { GrpcRuntime } from '../cri/grpc.ts';
import { waitFor as pollFor } from '../../testutil/wait.ts';

/** Busybox image reference served by the test registry. */
export const TEST_IMAGE = '127.0.0.1:5000/skiff/busybox:test';
/** Sandbox image (busybox sleeping forever). */
export const TEST_PAUSE_IMAGE = '127.0.0.1:5000/skiff/pause:test';

/** A running test node environment. */
export interface NodeEnv {
  dir: string;
  netns: string;
  nodeIP: string;
  socket: string;
  rootDir: string;
  cniBinDir: string;
  cniConfDir: string;
  /** Pod CIDR of the CNI config written at start (reuse it: cni0 keeps its address). */
  podCIDR: string;
  stop(): Promise<void>;
}

/** Why the real test cannot run here, or undefined when it can. */
export function realEnvUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root';
  for (const bin of ['/usr/bin/containerd', '/usr/bin/umoci', '/usr/bin/skopeo', '/usr/bin/docker-registry', '/bin/busybox', '/usr/bin/nsenter']) {
    if (!existsSync(bin)) return `missing ${bin}`;
  }
  if (!existsSync('/usr/lib/cni/bridge')) return 'missing CNI plugins in /usr/lib/cni';
  return undefined;
}

const run = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** Builds the busybox layout `dir` with tags `busybox` and `pause`. */
function buildImages(dir: string): string {
  const layout = join(dir, 'oci');
  const bundle = join(dir, 'bundle');
  run('umoci', ['init', '--layout', layout]);
  run('umoci', ['new', '--image', `${layout}:busybox`]);
  run('umoci', ['unpack', '--rootless', '--image', `${layout}:busybox`, bundle]);
  const rootfs = join(bundle, 'rootfs');
  for (const d of ['bin', 'tmp', 'etc', 'proc', 'sys', 'dev']) mkdirSync(join(rootfs, d), { recursive: true });
  copyFileSync('/bin/busybox', join(rootfs, 'bin/busybox'));
  chmodSync(join(rootfs, 'bin/busybox'), 0o755);
  for (const app of ['sh', 'sleep', 'echo', 'cat', 'ls', 'nc', 'true', 'false', 'hostname']) symlinkSync('busybox', join(rootfs, 'bin', app));
  writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\n');
  run('umoci', ['repack', '--image', `${layout}:busybox`, bundle]);
  run('umoci', ['config', '--image', `${layout}:busybox`, '--config.cmd', '/bin/sh', '--config.env', 'PATH=/bin']);
  run('umoci', ['config', '--image', `${layout}:busybox`, '--tag', 'pause', '--clear=config.cmd', '--config.entrypoint', '/bin/sleep', '--config.entrypoint', '2147483647']);
  return layout;
}

/** Polls through the shared testutil waitFor (a throwing check counts as not yet). */
const waitFor = (what: string, fn: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> => pollFor(() => fn(), timeoutMs, what, 100);

/** Starts the environment; throws with the failing step on error (after cleaning up). */
export async function startNodeEnv(): Promise<NodeEnv> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-kubelet-'));
  const netns = `skk${process.pid}`;
  const nsPath = `/run/netns/${netns}`;
  const children: ChildProcess[] = [];
  const nodeIP = '192.168.231.1';
  const podCIDR = '10.88.7.0/24';
  const rootDir = join(dir, 'containerd');
  const stateDir = join(dir, 'containerd-state');
  const socket = join(dir, 'containerd.sock');
  const cniConfDir = join(dir, 'net.d');
  const certsDir = join(dir, 'certs.d');
  const inNs = (cmd: string, args: string[]): string => run('nsenter', [`--net=${nsPath}`, cmd, ...args]);

  const stop = async (): Promise<void> => {
    if (existsSync(socket)) {
      const rt = new GrpcRuntime({ socket, timeoutMs: 20_000 });
      try {
        for (const s of await rt.listPodSandbox()) {
          await rt.stopPodSandbox(s.id).catch(() => undefined);
          await rt.removePodSandbox(s.id).catch(() => undefined);
        }
      } catch { /* containerd gone */ }
      rt.close();
    }
    for (const c of children.reverse()) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGTERM');
        await Promise.race([new Promise((r) => c.once('exit', r)), sleep(5000)]);
        if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      }
    }
    try { run('umount', ['-R', stateDir]); } catch { /* not mounted */ }
    try { run('ip', ['netns', 'delete', netns]); } catch { /* gone */ }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    run('ip', ['netns', 'add', netns]);
    inNs('ip', ['link', 'set', 'lo', 'up']);
    inNs('ip', ['link', 'add', 'skn0', 'type', 'veth', 'peer', 'name', 'skn1']);
    inNs('ip', ['addr', 'add', `${nodeIP}/24`, 'dev', 'skn0']);
    inNs('ip', ['link', 'set', 'skn0', 'up']);
    inNs('ip', ['link', 'set', 'skn1', 'up']);

    const layout = buildImages(dir);
    const regDir = join(dir, 'registry');
    writeFileSync(join(dir, 'registry.yml'), [
      'version: 0.1',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${regDir}`,
      'http:',
      '  addr: 127.0.0.1:5000',
      '',
    ].join('\n'));
    const reg = spawn('nsenter', [`--net=${nsPath}`, 'docker-registry', 'serve', join(dir, 'registry.yml')], { stdio: 'ignore' });
    children.push(reg);
    await waitFor('registry', () => {
      return inNs('curl', ['-s', 'http://127.0.0.1:5000/v2/']).trim() === '{}';
    }, 10_000);
    for (const tag of ['busybox', 'pause']) {
      const ref = tag === 'busybox' ? TEST_IMAGE : TEST_PAUSE_IMAGE;
      inNs('skopeo', ['copy', '--dest-tls-verify=false', `oci:${layout}:${tag}`, `docker://${ref}`]);
    }

    mkdirSync(certsDir, { recursive: true });
    await writeCniConfig(cniConfDir, podCIDR);
    const config = renderContainerdConfig({
      rootDir, stateDir, socket, cniBinDir: '/usr/lib/cni', cniConfDir, certsDir,
      streamPort: 10010 + (process.pid % 1000), restrictOomScoreAdj: needsRestrictOomScoreAdj(), sandboxImage: TEST_PAUSE_IMAGE,
    });
    writeFileSync(join(dir, 'config.toml'), config);
    const ctrd = spawn('nsenter', [`--net=${nsPath}`, 'containerd', '--config', join(dir, 'config.toml')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let ctrdLog = '';
    ctrd.stderr?.on('data', (b: Buffer) => { ctrdLog = (ctrdLog + b.toString()).slice(-8000); });
    children.push(ctrd);
    await waitFor('containerd', async () => {
      const rt = new GrpcRuntime({ socket, timeoutMs: 2000 });
      try {
        await rt.version();
        return true;
      } finally {
        rt.close();
      }
    }, 20_000).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}: ${ctrdLog}`);
    });
    return { dir, netns, nodeIP, socket, rootDir: join(dir, 'kubelet'), cniBinDir: '/usr/lib/cni', cniConfDir, podCIDR, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
