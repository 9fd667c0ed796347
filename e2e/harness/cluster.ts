/**
 * A single-node Skiff cluster for e2e tests, fully inside a fresh network
 * namespace: a local registry on 127.0.0.1:5000 holding the test images, and
 * `skiff server` pointed at it through registry mirrors. Helpers run kubectl,
 * etcdctl, ctr and arbitrary commands inside the namespace.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommandError, nsWrap, run, runAllowFail, type RunResult } from '../../deploy/images/exec.ts';
import { startRegistry, httpGet, type PushableImage, type Registry } from '../../deploy/images/registry.ts';
import { listCriContainers, type CriContainer } from './containers.ts';
import { createNetns, type Netns } from './netns.ts';
import { killProcessesRootedUnder, releaseCniState } from './reap.ts';
import { withProcessMode } from './process-mode.ts';
import { NODE_MEMORY_FLAGS } from '../../deploy/server/node-flags.ts';
import { waitFor } from '../../testutil/wait.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Options for {@link startCluster}. */
export interface ClusterOptions {
  /** Images pushed to the in-namespace registry (e.g. `buildImages().images`). */
  images: readonly PushableImage[];
  /** API port passed as --api-port; default 6443. */
  apiPort?: number;
  /** Node name; default `e2e-node`. */
  nodeName?: string;
  /** Command that starts the server, before `server ...flags`; default `[node, deploy/bin/skiff.mjs]`, or `[$SKIFF_E2E_BINARY]` when that is set. */
  serverCommand?: readonly string[];
  /** Extra flags appended to `skiff server`. */
  extraServerArgs?: readonly string[];
  /** How long to wait for the API to answer /healthz after (re)start, ms; default 180000. */
  readyTimeoutMs?: number;
  /** Progress lines (default: to stderr with an `[e2e]` prefix). */
  progress?: (line: string) => void;
}

/** A running single-node cluster. All commands run inside its network namespace. */
export interface Cluster {
  netns: Netns;
  registry: Registry;
  dataDir: string;
  kubeconfig: string;
  nodeName: string;
  nodeIP: string;
  /** https://127.0.0.1:<port> inside the namespace. */
  apiUrl: string;
  /** The cluster CA (PEM file) that the API's and kubelet's serving certs chain to. */
  clusterCA: string;
  /** Current `skiff server` process id. */
  serverPid(): number;
  /** Path of the file collecting the server's stdout/stderr. */
  serverLog: string;
  /** Runs /usr/bin/kubectl with the admin kubeconfig; resolves stdout, throws KubectlError (with stderr) on failure. */
  kubectl(...args: string[]): Promise<string>;
  /** Same as kubectl but resolves the full result whatever the exit code. */
  kubectlResult(...args: string[]): Promise<RunResult>;
  /** kubectl with `-o json`, parsed. */
  kubectlJson<T>(...args: string[]): Promise<T>;
  /** Runs a command in the namespace; resolves stdout, throws CommandError on failure. */
  exec(cmd: string, ...args: string[]): Promise<string>;
  /** Runs a command in the namespace; resolves the full result. */
  execResult(cmd: string, ...args: string[]): Promise<RunResult>;
  /** `ETCDCTL_API=3 etcdctl --endpoints https://127.0.0.1:2479` with the etcd client cert; resolves stdout, throws on failure. */
  etcdctl(...args: string[]): Promise<string>;
  /** `ctr --address <data-dir>/containerd/containerd.sock -n k8s.io ...`; resolves the full result. */
  ctr(...args: string[]): Promise<RunResult>;
  /** Every CRI container in containerd with labels and task state. */
  containers(): Promise<CriContainer[]>;
  /** Pid recorded in <data-dir>/run/<name>.pid (first existing of the given names); throws if none exists. */
  pidOf(...names: string[]): Promise<number>;
  /** Last `bytes` of the server log. */
  logTail(bytes?: number): Promise<string>;
  /** Stops `skiff server` only (SIGTERM, SIGKILL after 60 s) and starts it again on the same data dir; waits ready. */
  restart(): Promise<void>;
  /** Stops everything: pods' processes (via ctr, then by their rootfs under the data dir), server, registry, namespace, CNI reservations, data dir. Idempotent. */
  stop(): Promise<void>;
}

/** KubectlError is thrown by Cluster.kubectl on a non-zero exit; the message carries the args and stderr. */
export class KubectlError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly result: RunResult,
  ) {
    super(`kubectl ${args.join(' ')} exited ${result.code}: ${(result.stderr.trim() || result.stdout.trim()).slice(0, 4000)}`);
    this.name = 'KubectlError';
  }
}

/** serverArgs renders the `skiff server` flags the harness uses (pure; exported for tests). */
export function serverArgs(o: { dataDir: string; nodeName: string; nodeIP: string; apiPort: number; registry: string }): string[] {
  return [
    'server',
    '--data-dir', o.dataDir,
    '--node-name', o.nodeName,
    '--node-ip', o.nodeIP,
    '--api-port', String(o.apiPort),
    '--registry-mirror', `docker.io=${o.registry}`,
    '--registry-mirror', `registry.k8s.io=${o.registry}`,
  ];
}

/**
 * startCluster creates the namespace, starts the registry with the images
 * pushed, spawns `skiff server` inside the namespace and waits until the API
 * answers /healthz with `ok` and admin.kubeconfig exists. On failure everything
 * started is torn down and the error carries the server log tail.
 */
export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const progress = opts.progress ?? ((l: string) => process.stderr.write(`[e2e] ${l}\n`));
  const apiPort = opts.apiPort ?? 6443;
  const nodeName = opts.nodeName ?? 'e2e-node';
  const readyTimeoutMs = opts.readyTimeoutMs ?? 180_000;
  const workDir = await mkdtemp(join(tmpdir(), 'skiff-e2e-'));
  const dataDir = join(workDir, 'data');
  const serverLog = join(workDir, 'server.log');
  const kubeconfig = join(dataDir, 'admin.kubeconfig');
  const apiUrl = `https://127.0.0.1:${apiPort}`;
  const clusterCA = join(dataDir, 'tls', 'server-ca.crt');
  const etcdTLS = ['--cacert', join(dataDir, 'tls', 'etcd', 'server-ca.crt'), '--cert', join(dataDir, 'tls', 'etcd', 'client.crt'), '--key', join(dataDir, 'tls', 'etcd', 'client.key')];
  // SKIFF_E2E_BINARY=dist/skiff-linux-amd64 runs the single binary (npm run build:binary) instead.
  const binary = process.env.SKIFF_E2E_BINARY;
  // The installed launchers' heap flags (deploy/server/node-flags.ts), so e2e runs the server as installed.
  const serverCommand = opts.serverCommand ?? (binary !== undefined && binary !== '' ? [resolve(binary)] : [process.execPath, ...NODE_MEMORY_FLAGS, join(REPO_ROOT, 'deploy/bin/skiff.mjs')]);

  let netns: Netns | undefined;
  let registry: Registry | undefined;
  let server: { child: ChildProcess; exited: Promise<number | null>; done: boolean } | undefined;
  let logStream: WriteStream | undefined;
  let stopped = false;

  const inNs = (cmd: string, args: readonly string[]): [string, string[]] => nsWrap(netns?.name, cmd, args);

  const spawnServer = (): void => {
    if (!netns) throw new Error('no namespace');
    logStream ??= createWriteStream(serverLog, { flags: 'a' });
    const args = [...serverCommand.slice(1), ...withProcessMode([...serverArgs({ dataDir, nodeName, nodeIP: netns.nodeIP, apiPort, registry: 'http://127.0.0.1:5000' }), ...(opts.extraServerArgs ?? [])])];
    const [cmd, full] = inNs(serverCommand[0] ?? process.execPath, args);
    logStream.write(`\n=== ${new Date().toISOString()} starting: ${cmd} ${full.join(' ')}\n`);
    const child = spawn(cmd, full, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const log = logStream;
    child.stdout?.on('data', (b: Buffer) => log.write(b));
    child.stderr?.on('data', (b: Buffer) => log.write(b));
    const state = {
      child,
      done: false,
      exited: new Promise<number | null>((res) => {
        child.once('exit', (code, signal) => {
          state.done = true;
          log.write(`=== server exited code=${code} signal=${signal}\n`);
          res(code);
        });
        child.once('error', (e) => {
          state.done = true;
          log.write(`=== server failed to start: ${e.message}\n`);
          res(null);
        });
      }),
    };
    server = state;
    progress(`skiff server started (pid ${child.pid}), log: ${serverLog}`);
  };

  const logTail = async (bytes = 6000): Promise<string> => {
    const text = await readFile(serverLog, 'utf8').catch(() => '');
    return text.slice(-bytes);
  };

  const waitReady = async (): Promise<void> => {
    const started = Date.now();
    const outcome = await waitFor(
      async (note) => {
        if (server?.done) return 'exited' as const;
        const r = await httpGet(`${apiUrl}/healthz`, netns?.name, [], ['--cacert', clusterCA]);
        note(`healthz status ${r.status} ${r.body.trim().slice(0, 200)}`);
        return r.status === 200 && r.body.trim() === 'ok' && existsSync(kubeconfig) ? ('ready' as const) : undefined;
      },
      readyTimeoutMs,
      `the API server to answer ${apiUrl}/healthz and ${kubeconfig} to exist`,
    ).catch(async (e: unknown) => {
      throw new Error(`${e instanceof Error ? e.message : String(e)}\nserver log tail:\n${await logTail()}`);
    });
    if (outcome === 'exited') throw new Error(`skiff server exited during startup; log tail:\n${await logTail()}`);
    progress(`API ready after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  };

  const stopServer = async (graceMs: number): Promise<void> => {
    const s = server;
    if (!s || s.done) return;
    s.child.kill('SIGTERM');
    const timer = setTimeout(() => {
      progress(`skiff server did not exit ${graceMs / 1000} s after SIGTERM; sending SIGKILL`);
      s.child.kill('SIGKILL');
    }, graceMs);
    await s.exited;
    clearTimeout(timer);
  };

  const ctrSocket = join(dataDir, 'containerd/containerd.sock');
  /** Every sandbox id ever listed: their CNI reservations are released at stop, even if containerd is gone by then. */
  const seenSandboxes = new Set<string>();
  const listContainers = async (): Promise<CriContainer[]> => {
    const list = await listCriContainers(ctr);
    for (const x of list) if (x.kind === 'sandbox') seenSandboxes.add(x.id);
    return list;
  };
  const ctr = (...args: string[]): Promise<RunResult> => {
    const [c, a] = inNs('ctr', ['--address', ctrSocket, '--connect-timeout', '5s', '--timeout', '20s', '-n', 'k8s.io', ...args]);
    return runAllowFail(c, a, { timeoutMs: 30_000 });
  };

  const stopAll = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    // Containers outlive the server (the kubelet does not stop pods on exit), so kill their tasks first.
    const list = existsSync(ctrSocket) ? await listContainers().catch(() => [] as CriContainer[]) : [];
    for (const x of list) {
      if (x.pid <= 0) continue;
      try {
        process.kill(x.pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await stopServer(30_000);
    logStream?.end();
    // Whatever containerd could not tell us about (e.g. it was already down): processes rooted in our snapshots.
    const reaped = await killProcessesRootedUnder(dataDir);
    if (reaped.length > 0) progress(`killed ${reaped.length} leftover container process(es)`);
    await registry?.stop().catch(() => undefined);
    await netns?.destroy().catch((e: unknown) => progress(`netns cleanup: ${String(e)}`));
    await unmountUnder(workDir);
    await releaseCniState(seenSandboxes).catch((e: unknown) => progress(`CNI state cleanup: ${String(e)}`));
    await rm(workDir, { recursive: true, force: true }).catch((e: unknown) => progress(`could not remove ${workDir}: ${String(e)}`));
    progress('cluster stopped and cleaned up');
  };

  try {
    netns = await createNetns();
    progress(`namespace ${netns.name}, node IP ${netns.nodeIP}`);
    registry = await startRegistry({ addr: '127.0.0.1:5000', netns: netns.name, images: opts.images, tmpRoot: workDir });
    progress(`registry up in the namespace with ${opts.images.length} images`);
    spawnServer();
    await waitReady();
  } catch (e) {
    await stopAll();
    throw e;
  }
  const ns = netns;
  const reg = registry;

  const kubectlResult = (...args: string[]): Promise<RunResult> => {
    const [c, a] = inNs('/usr/bin/kubectl', ['--kubeconfig', kubeconfig, ...args]);
    return runAllowFail(c, a, { timeoutMs: 300_000 });
  };
  const kubectl = async (...args: string[]): Promise<string> => {
    const r = await kubectlResult(...args);
    if (r.code !== 0) throw new KubectlError(args, r);
    return r.stdout;
  };

  return {
    netns: ns,
    registry: reg,
    dataDir,
    kubeconfig,
    clusterCA,
    nodeName,
    nodeIP: ns.nodeIP,
    apiUrl,
    serverLog,
    serverPid: () => server?.child.pid ?? -1,
    kubectl,
    kubectlResult,
    kubectlJson: async <T>(...args: string[]): Promise<T> => JSON.parse(await kubectl(...args, '-o', 'json')) as T,
    exec: (cmd, ...args) => ns.run(cmd, args, { timeoutMs: 120_000 }),
    execResult: (cmd, ...args) => ns.runAllowFail(cmd, args, { timeoutMs: 120_000 }),
    etcdctl: (...args) => ns.run('etcdctl', ['--endpoints', 'https://127.0.0.1:2479', ...etcdTLS, ...args], { env: { ETCDCTL_API: '3' }, timeoutMs: 60_000 }),
    ctr,
    containers: listContainers,
    pidOf: async (...names: string[]): Promise<number> => {
      const runDir = join(dataDir, 'run');
      for (const name of names) {
        const text = await readFile(join(runDir, `${name}.pid`), 'utf8').catch(() => undefined);
        const pid = text === undefined ? NaN : Number(text.trim());
        if (Number.isInteger(pid) && pid > 0) return pid;
      }
      const have = await readdir(runDir).catch(() => [] as string[]);
      throw new Error(`no pid file for ${names.join(' or ')} in ${runDir} (present: ${have.join(', ') || 'none'})`);
    },
    logTail,
    restart: async () => {
      progress('restarting skiff server');
      if (existsSync(ctrSocket)) await listContainers().catch(() => undefined); // remember sandboxes for cleanup
      await stopServer(60_000);
      spawnServer();
      await waitReady();
    },
    stop: stopAll,
  };
}

/** isAlive reports whether a process with this pid exists (signal 0). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** unmountUnder lazily unmounts every mount point below `dir` (pod netns bind mounts, shm), deepest first. */
export async function unmountUnder(dir: string): Promise<void> {
  const info = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const points = info
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .map((p) => p.replace(/\\040/g, ' '))
    .filter((p) => p.startsWith(dir + '/'))
    .sort((a, b) => b.length - a.length);
  for (const p of points) await runAllowFail('umount', ['-l', p]);
}

/** kubectlMissing is a prerequisite probe: resolves undefined when /usr/bin/kubectl runs, else the reason it does not. */
export async function kubectlMissing(): Promise<string | undefined> {
  try {
    await run('/usr/bin/kubectl', ['version', '--client=true', '-o', 'json'], { timeoutMs: 20_000 });
    return undefined;
  } catch (e) {
    return e instanceof CommandError ? e.message : `kubectl not runnable: ${String(e)}`;
  }
}
