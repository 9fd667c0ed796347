/**
 * A multi-node Skiff cluster for e2e tests on the topology of topology.ts:
 * `skiff server` in node 1, `skiff agent` in the other nodes (joined with
 * the server's token), and the image registry in the bridge namespace on
 * http://<bridge IP>:5000, which every node uses as its docker.io and
 * registry.k8s.io mirror. kubectl runs in node 1 with the admin kubeconfig.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nsWrap, runAllowFail, type RunResult } from '../../deploy/images/exec.ts';
import { httpGet, startRegistry, type PushableImage, type Registry } from '../../deploy/images/registry.ts';
import { isProxyMode, type ProxyMode } from '../../proxy/backend.ts';
import { waitFor } from '../../testutil/wait.ts';
import { KubectlError, serverArgs, unmountUnder } from './cluster.ts';
import { listCriContainers, type CriContainer } from './containers.ts';
export type { NodeProcess } from './node-process.ts';
import { killProcessesRootedUnder, releaseCniState } from './reap.ts';
import { processModeArgs } from './process-mode.ts';
import { NODE_MEMORY_FLAGS } from '../../deploy/server/node-flags.ts';
import type { NodeProcess } from './node-process.ts';
import { createTopology, type Member, type Topology } from './topology.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SKIFF = [process.execPath, ...NODE_MEMORY_FLAGS, join(REPO_ROOT, 'deploy/bin/skiff.mjs')];

/**
 * agentFlags returns the long flags `skiff agent --help` lists, or undefined
 * when there is no agent subcommand (the top-level help, or an error, comes
 * back instead). Never throws.
 */
export async function agentFlags(command: readonly string[] = SKIFF): Promise<Set<string> | undefined> {
  const r = await runAllowFail(command[0] ?? process.execPath, [...command.slice(1), 'agent', '--help'], { cwd: REPO_ROOT, timeoutMs: 60_000 });
  if (r.code !== 0 || !/Usage: skiff agent/.test(r.stdout)) return undefined;
  return new Set(r.stdout.match(/--[a-z][a-z0-9-]*/g) ?? []);
}

/**
 * agentArgs renders `skiff agent` flags: always `--server` and `--token`;
 * `--data-dir`, `--node-name`, `--node-ip` and the two `--registry-mirror`s
 * only when `supported` lists them (the agent's flag set is still growing).
 * Pure. Throws if `supported` lacks --server or --token.
 */
export function agentArgs(
  o: { server: string; token: string; dataDir: string; nodeName: string; nodeIP: string; registry: string },
  supported: ReadonlySet<string>,
): string[] {
  for (const f of ['--server', '--token']) if (!supported.has(f)) throw new Error(`skiff agent has no ${f} flag`);
  const args = ['agent', '--server', o.server, '--token', o.token];
  const optional: Array<[string, string]> = [['--data-dir', o.dataDir], ['--node-name', o.nodeName], ['--node-ip', o.nodeIP]];
  for (const [flag, value] of optional) if (supported.has(flag)) args.push(flag, value);
  if (supported.has('--registry-mirror')) args.push('--registry-mirror', `docker.io=${o.registry}`, '--registry-mirror', `registry.k8s.io=${o.registry}`);
  return args;
}

/**
 * The proxy mode e2e clusters run in: `SKIFF_E2E_PROXY_MODE` (iptables or
 * nftables), default iptables. Pure. Throws on any other value.
 */
export function e2eProxyMode(env: NodeJS.ProcessEnv = process.env): ProxyMode {
  const v = env.SKIFF_E2E_PROXY_MODE ?? 'iptables';
  if (!isProxyMode(v)) throw new Error(`SKIFF_E2E_PROXY_MODE=${v}: want iptables or nftables`);
  return v;
}

/** Options for {@link startMultiCluster}. */
export interface MultiClusterOptions {
  images: readonly PushableImage[];
  /** Number of agents (nodes 2..agents+1); default 2. */
  agents?: number;
  /** Node namespaces to create; default 1 + agents. Extra ones get no process (for components started by hand). */
  nodes?: number;
  /** The agent's flags (from agentFlags); required when agents > 0. */
  agentFlags?: ReadonlySet<string>;
  /** Command before `server ...`/`agent ...`; default `[node, deploy/bin/skiff.mjs]` (tests pass a stand-in). */
  command?: readonly string[];
  /** Extra `skiff server` flags, appended (e.g. `--lb-pool 10.77.0.240-10.77.0.250`). */
  serverArgs?: readonly string[];
  /** `--proxy-mode` of the server and every agent; default: the binaries' default (iptables), no flag passed. */
  proxyMode?: ProxyMode;
  /** The server's token file the agents join with: `token` (the server token, default) or `agent-token` (deploy/join/agent-token.ts). */
  agentTokenFile?: 'token' | 'agent-token';
  /** Readiness timeout per process, ms; default 180000. */
  readyTimeoutMs?: number;
  progress?: (line: string) => void;
}

/** A running multi-node cluster. */
export interface MultiCluster {
  topology: Topology;
  registry: Registry;
  server: NodeProcess;
  agents: NodeProcess[];
  /** Server first, then agents. */
  nodes: NodeProcess[];
  kubeconfig: string;
  clusterCA: string;
  /** The token the agents joined with (contents of <data-dir>/token, or agent-token with that option); '' without real agents (the token is then not waited for). */
  token: string;
  kubectl(...args: string[]): Promise<string>;
  kubectlResult(...args: string[]): Promise<RunResult>;
  kubectlJson<T>(...args: string[]): Promise<T>;
  /** Stops everything and removes every namespace, process, CNI reservation and file. Idempotent. */
  stop(): Promise<void>;
}

/** Spawns `argv` in the member's namespace, logging to logFile; sandbox ids its containers() ever lists are added to `seenSandboxes`. */
function startProcess(member: Member, nodeName: string, dataDir: string, logFile: string, argv: readonly string[], seenSandboxes: Set<string>): NodeProcess {
  const log: WriteStream = createWriteStream(logFile, { flags: 'a' });
  const [cmd, args] = nsWrap(member.name, argv[0] ?? process.execPath, argv.slice(1));
  log.write(`=== ${new Date().toISOString()} starting: ${cmd} ${args.join(' ').replace(/--token \S+/, '--token <redacted>')}\n`);
  const child: ChildProcess = spawn(cmd, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (b: Buffer) => log.write(b));
  child.stderr?.on('data', (b: Buffer) => log.write(b));
  let done = false;
  const exit = new Promise<void>((res) => {
    child.once('exit', (code, signal) => { done = true; log.write(`=== exited code=${code} signal=${signal}\n`); log.end(); res(); });
    child.once('error', (e) => { done = true; log.write(`=== failed to start: ${e.message}\n`); log.end(); res(); });
  });
  return {
    nodeName, member, dataDir, logFile,
    pid: () => child.pid ?? -1,
    exited: () => done,
    stop: async (graceMs = 30_000) => {
      if (done) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exit;
      clearTimeout(timer);
    },
    logTail: async (bytes = 6000) => (await readFile(logFile, 'utf8').catch(() => '')).slice(-bytes),
    exec: (c, ...a) => member.runAllowFail(c, a, { timeoutMs: 120_000 }),
    containers: async () => {
      const socket = join(dataDir, 'containerd/containerd.sock');
      if (!existsSync(socket)) return [];
      const list = await listCriContainers((...args: string[]) =>
        member.runAllowFail('ctr', ['--address', socket, '--connect-timeout', '5s', '--timeout', '20s', '-n', 'k8s.io', ...args], { timeoutMs: 30_000 }));
      for (const x of list) if (x.kind === 'sandbox') seenSandboxes.add(x.id);
      return list;
    },
  };
}

/**
 * startMultiCluster builds the topology (1 + agents nodes), starts the
 * registry in the bridge namespace with `images`, starts `skiff server` in
 * node 1 (node name `node-1`, --node-ip its bridge address), waits for
 * /healthz, the admin kubeconfig and the token, then starts one `skiff agent`
 * per further node (`node-2`, ...). Resolves once every process runs; node
 * readiness is the test's to check. On failure everything is torn down and
 * the error carries the log tails.
 */
export async function startMultiCluster(opts: MultiClusterOptions): Promise<MultiCluster> {
  const progress = opts.progress ?? ((l: string) => process.stderr.write(`[e2e] ${l}\n`));
  const agentCount = opts.agents ?? 2;
  const readyTimeoutMs = opts.readyTimeoutMs ?? 180_000;
  const command = opts.command ?? SKIFF;
  const needToken = agentCount > 0;
  const work = await mkdtemp(join(tmpdir(), 'skiff-e2e-multi-'));
  let topology: Topology | undefined;
  let registry: Registry | undefined;
  const procs: NodeProcess[] = [];
  const sandboxes = new Set<string>();
  let stopped = false;

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    for (const p of procs) {
      const list = await p.containers().catch(() => [] as CriContainer[]);
      for (const x of list) {
        if (x.pid > 0) try { process.kill(x.pid, 'SIGKILL'); } catch { /* gone */ }
      }
    }
    for (const p of [...procs].reverse()) await p.stop(30_000);
    for (const p of procs) {
      const n = await killProcessesRootedUnder(p.dataDir);
      if (n.length > 0) progress(`${p.nodeName}: killed ${n.length} leftover container process(es)`);
    }
    await registry?.stop().catch(() => undefined);
    await topology?.destroy().catch((e: unknown) => progress(`topology cleanup: ${String(e)}`));
    await unmountUnder(work);
    await releaseCniState(sandboxes).catch((e: unknown) => progress(`CNI state cleanup: ${String(e)}`));
    await rm(work, { recursive: true, force: true }).catch((e: unknown) => progress(`could not remove ${work}: ${String(e)}`));
    progress('multi-node cluster stopped and cleaned up');
  };

  const tails = async (): Promise<string> => {
    const parts = await Promise.all(procs.map(async (p) => `--- ${p.nodeName} (${p.logFile}):\n${await p.logTail(4000)}`));
    return parts.join('\n');
  };

  try {
    topology = await createTopology({ nodes: Math.max(opts.nodes ?? 0, 1 + agentCount) });
    const topo = topology;
    progress(`topology: bridge ${topo.bridge.name}, nodes ${topo.nodes.map((n) => `${n.name}=${n.ip}`).join(' ')}`);
    registry = await startRegistry({ addr: `${topo.bridge.ip}:5000`, netns: topo.bridge.name, images: opts.images, tmpRoot: work });
    progress(`registry ${registry.url} in the bridge namespace with ${opts.images.length} images`);
    const registryUrl = registry.url;

    const dirFor = async (name: string): Promise<string> => {
      const d = join(work, name);
      await mkdir(d, { recursive: true });
      return d;
    };
    const first = topo.nodes[0];
    if (!first) throw new Error('no node namespace');
    const modeArgs = [...(opts.proxyMode !== undefined ? ['--proxy-mode', opts.proxyMode] : []), ...processModeArgs()];
    if (modeArgs.length > 0 && agentCount > 0 && !opts.agentFlags?.has('--proxy-mode')) throw new Error('skiff agent has no --proxy-mode flag');
    const serverDir = join(await dirFor('node-1'), 'data');
    const server = startProcess(first, 'node-1', serverDir, join(work, 'node-1', 'skiff.log'),
      [...command, ...serverArgs({ dataDir: serverDir, nodeName: 'node-1', nodeIP: first.ip, apiPort: 6443, registry: registryUrl }), ...(opts.serverArgs ?? []), ...modeArgs], sandboxes);
    procs.push(server);
    const kubeconfig = join(serverDir, 'admin.kubeconfig');
    const clusterCA = join(serverDir, 'tls', 'server-ca.crt');
    const tokenFile = join(serverDir, opts.agentTokenFile ?? 'token');
    await waitFor(async (note) => {
      if (server.exited()) throw new Error('skiff server exited during startup');
      const r = await httpGet('https://127.0.0.1:6443/healthz', first.name, [], ['--cacert', clusterCA]);
      note(`healthz ${r.status} ${r.body.trim().slice(0, 100)}; token ${existsSync(tokenFile) ? 'present' : 'missing'}`);
      return r.status === 200 && r.body.trim() === 'ok' && existsSync(kubeconfig) && (!needToken || existsSync(tokenFile));
    }, readyTimeoutMs, `skiff server: /healthz ok, admin.kubeconfig${needToken ? ' and token' : ''} written`);
    const token = needToken ? (await readFile(tokenFile, 'utf8')).trim() : '';
    progress('server ready');

    for (let i = 1; i <= agentCount; i++) {
      const m = topo.nodes[i];
      if (!m) throw new Error(`no node namespace ${i}`);
      const name = `node-${i + 1}`;
      const dataDir = join(await dirFor(name), 'data');
      if (!opts.agentFlags) throw new Error('agents requested but no agentFlags given');
      const argv = agentArgs({ server: `https://${first.ip}:6443`, token, dataDir, nodeName: name, nodeIP: m.ip, registry: registryUrl }, opts.agentFlags);
      procs.push(startProcess(m, name, dataDir, join(work, name, 'skiff.log'), [...command, ...argv, ...modeArgs], sandboxes));
      progress(`agent ${name} started in ${m.name}`);
    }

    const kubectlResult = (...args: string[]): Promise<RunResult> =>
      first.runAllowFail('/usr/bin/kubectl', ['--kubeconfig', kubeconfig, ...args], { timeoutMs: 300_000 });
    const kubectl = async (...args: string[]): Promise<string> => {
      const r = await kubectlResult(...args);
      if (r.code !== 0) throw new KubectlError(args, r);
      return r.stdout;
    };
    return {
      topology: topo, registry, server, agents: procs.slice(1), nodes: [...procs], kubeconfig, clusterCA, token,
      kubectl, kubectlResult,
      kubectlJson: async <T>(...args: string[]): Promise<T> => JSON.parse(await kubectl(...args, '-o', 'json')) as T,
      stop,
    };
  } catch (e) {
    const msg = `${e instanceof Error ? e.message : String(e)}\n${await tails()}`;
    await stop();
    throw new Error(msg);
  }
}
