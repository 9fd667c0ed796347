/**
 * `skiff server`: one process that brings up a whole single-node cluster and
 * keeps it up. Start order, each step waiting for the previous one's health:
 * (with --server: the join's bootstrap data, server-join.ts / server-join-embedded.ts) →
 * etcd (the embedded one, a new member of another server's with --server:
 * embedded-etcd.ts, or an external cluster's health: external-etcd.ts), with
 * containerd (unless an existing socket is given) starting beside it → apiserver →
 * scheduler, controller-manager, kubelet, proxy. etcd and containerd are
 * child processes under one Supervisor (crash → restart alone with backoff);
 * the components are modules of this process under an InProcessSupervisor
 * (the same restart rule; component-host.ts), or with --split-processes child
 * processes too. On abort the components stop in reverse order, then the
 * children; state stays in the data dir, so the next `skiff server` on it
 * resumes the same cluster.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { ensurePKI } from '../pki/ensure.ts';
import { loopbackServer } from '../pki/kubeconfig.ts';
import type { Logger } from '../../apiserver/api/log.ts';
import { Supervisor } from '../supervisor/supervisor.ts';
import type { RestartPolicy } from '../supervisor/decide.ts';
import { componentPlans, defaultLauncher, listenPorts, type ComponentPlan, type Launcher } from './components.ts';
import { componentHost, type ComponentHost, type InProcessRunner } from './component-host.ts';
import type { InProcessSupervisor } from '../supervisor/in-process.ts';
import { defaults, serverPaths, type ServerConfig } from './config.ts';
import { prepareContainerd, waitForContainerd } from './containerd.ts';
import { waitForAnyEtcd } from './etcd.ts';
import { startEmbeddedEtcd } from './embedded-etcd.ts';
import { etcdConnection } from './external-etcd.ts';
import { readEtcdClientTLS } from '../../apiserver/storage/etcd-client.ts';
import { writeComponentKubeconfigs, type CredentialPaths } from './credentials.ts';
import { serverIdentity } from './identity.ts';
import { busyPorts, describeBusyPorts } from './preflight.ts';
import { Progress } from './progress.ts';
import { writeRegistryMirrors } from './registry-mirror.ts';
import { reapStaleChildren, runningServerPid } from './stale.ts';
import { httpReady, pollUntil } from './wait.ts';
import { startSnapshotSchedule } from '../snapshot/schedule.ts';
import { publishJoinToken } from '../join/server-token.ts';
import { publishClusterConfig } from '../join/cluster-config-publish.ts';
import { joinAsServer, publishServerBootstrap } from './server-join.ts';
import { joinEmbedded, publishEmbeddedBootstrap } from './server-join-embedded.ts';

/** Startup timeouts in ms. */
export interface ServerTimeouts {
  etcdMs: number;
  containerdMs: number;
  apiserverMs: number;
  /** For the non-critical components; they keep being waited for in the background after this. */
  componentMs: number;
}

/** What `runServer` needs besides the config; all optional except out and log. */
export interface ServerDeps {
  /** Progress lines and prefixed child output. */
  out: NodeJS.WritableStream;
  log: Logger;
  launcher?: Launcher;
  etcdBinary?: string;
  containerdBinary?: string;
  timeouts?: Partial<ServerTimeouts>;
  policy?: RestartPolicy;
  /** Run only these components (default: all five). Tests use ['apiserver']. */
  components?: string[];
  /** Called with the supervisor once it exists (tests read pids from it). */
  onSupervisor?: (s: Supervisor) => void;
  /** Runs a component in this process (the CLI's deploy/cli/in-process.ts); absent, or cfg.splitProcesses: every component is a child process. */
  inProcess?: InProcessRunner;
  /** Called with the in-process supervisor when components run in this process. */
  onModules?: (m: InProcessSupervisor) => void;
  /** Lifetime of newly issued leaf certs in ms (default 365 days); tests shorten it to see renewal. */
  leafValidityMs?: number;
  /** The clock the PKI reads (default the real one). */
  now?: () => Date;
}

const defaultTimeouts: ServerTimeouts = { etcdMs: 60_000, containerdMs: 60_000, apiserverMs: 60_000, componentMs: 120_000 };

/** Error thrown when a critical part never got healthy; the message names it. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

/**
 * Runs the cluster until `signal` aborts, then stops everything and resolves.
 * Throws `StartupError` (after stopping what it started) when a port it needs
 * is taken, a binary is missing, or etcd, containerd or the apiserver do not
 * get healthy in time, and a plain Error when another server is running on
 * the same data dir.
 */
export async function runServer(cfg: ServerConfig, signal: AbortSignal, deps: ServerDeps): Promise<void> {
  if (signal.aborted) return;
  const paths = serverPaths(cfg.dataDir);
  const t = { ...defaultTimeouts, ...deps.timeouts };
  const progress = new Progress(deps.out);
  for (const d of [cfg.dataDir, paths.runDir, paths.kubeletDir, paths.cniConfDir, paths.certsDir]) {
    mkdirSync(d, { recursive: true });
  }
  if (cfg.externalEtcd === undefined) {
    mkdirSync(paths.etcdDir, { recursive: true });
    chmodSync(paths.etcdDir, 0o700); // etcd warns about (and exposes) a world-readable data dir
  }
  const other = runningServerPid(paths.runDir);
  if (other !== undefined) throw new Error(`another skiff server (pid ${other}) is using ${cfg.dataDir}`);
  const serverPidFile = join(paths.runDir, 'server.pid');
  writeFileSync(serverPidFile, `${process.pid}\n`);

  try {
    if (cfg.externalEtcd === undefined) requireBinary(deps.etcdBinary ?? defaults.etcdBinary, 'etcd-server');
    if (cfg.containerdSocket === undefined) requireBinary(deps.containerdBinary ?? defaults.containerdBinary, 'containerd');
  } catch (err) {
    rmSync(serverPidFile, { force: true });
    throw err;
  }
  const reaped = await reapStaleChildren(paths.runDir, ['server']);
  if (reaped.length > 0) progress.line(`• stopped leftovers of an earlier run: ${reaped.join(', ')}`);
  const busy = await busyPorts(listenPorts(cfg, deps.components));
  if (busy.length > 0) {
    rmSync(serverPidFile, { force: true });
    throw new StartupError(describeBusyPorts(busy));
  }
  writeRegistryMirrors(paths.certsDir, cfg.registryMirrors);
  const who = serverIdentity(cfg, hostname(), networkInterfaces());
  /** The etcd client URLs an embedded-etcd join adds this server's member through. */
  let joinVia: string[] | undefined;
  if (cfg.join !== undefined) {
    const step = progress.step(`join ${cfg.join.server} as a server`);
    const joined = cfg.externalEtcd === undefined
      ? await joinEmbedded(cfg.dataDir, paths.etcdDir, cfg.join, t.etcdMs, signal)
      : await joinAsServer(cfg.dataDir, cfg.join, cfg.externalEtcd, t.etcdMs, signal);
    if ('error' in joined) {
      step.fail(joined.error);
      rmSync(serverPidFile, { force: true });
      throw new StartupError(`cannot join ${cfg.join.server}: ${joined.error}`);
    }
    if ('etcdClientURLs' in joined && Array.isArray(joined.etcdClientURLs)) joinVia = joined.etcdClientURLs;
    step.ok();
  }
  let creds: CredentialPaths;
  try {
    const pki = await ensurePKI({
      dataDir: cfg.dataDir, cluster: who.identity, crypto: globalThis.crypto, now: (deps.now ?? (() => new Date()))(),
      ...(deps.leafValidityMs !== undefined ? { leafValidityMs: deps.leafValidityMs } : {}),
    });
    const fresh = pki.report.issued.length;
    progress.line(fresh > 0 ? `• certificates: issued ${fresh} (${pki.report.issued.map((i) => `${i.name}: ${i.reason}`).join('; ')})` : '• certificates: up to date');
    creds = await writeComponentKubeconfigs(cfg.dataDir, cfg.nodeName, loopbackServer(cfg.apiPort));
  } catch (err) {
    rmSync(serverPidFile, { force: true });
    throw new StartupError(`cannot set up the cluster certificates under ${join(cfg.dataDir, 'tls')}: ${err instanceof Error ? err.message : String(err)}`);
  }

  const sup = new Supervisor({ runDir: paths.runDir, out: deps.out, log: deps.log, policy: deps.policy });
  deps.onSupervisor?.(sup);
  const host = componentHost({
    sup, log: deps.log, ...(deps.policy ? { policy: deps.policy } : {}), ...(deps.onModules ? { onModules: deps.onModules } : {}),
    ...(deps.inProcess !== undefined && cfg.splitProcesses !== true ? { inProcess: deps.inProcess } : {}),
  });
  try {
    await startAll(cfg, paths, sup, host, progress, t, signal, deps, { creds, nodeIP: who.nodeIP, ...(joinVia ? { joinVia } : {}) });
    if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  } finally {
    progress.line('• stopping Skiff…');
    await host.stop();
    await sup.stopAll();
    rmSync(serverPidFile, { force: true });
    progress.line('• Skiff stopped');
  }
}

async function startAll(
  cfg: ServerConfig, paths: ReturnType<typeof serverPaths>, sup: Supervisor, host: ComponentHost, progress: Progress,
  t: ServerTimeouts, signal: AbortSignal, deps: ServerDeps, id: { creds: CredentialPaths; nodeIP: string; joinVia?: string[] },
): Promise<void> {
  const etcd = etcdConnection(cfg, paths, deps.etcdBinary ?? defaults.etcdBinary, id.nodeIP);
  const containerdBinary = deps.containerdBinary ?? defaults.containerdBinary;
  // containerd needs nothing from etcd: it starts now and is waited for after etcd (about 0.2 s less start-up).
  if (cfg.containerdSocket === undefined) {
    sup.add(prepareContainerd({ paths, cniBinDir: defaults.cniBinDir, streamPort: defaults.containerdStreamPort, binary: containerdBinary }));
  }
  let step = progress.step(etcd.embedded ? 'etcd' : `etcd (external: ${etcd.endpoints.join(', ')})`);
  let clientTLS;
  try {
    clientTLS = etcd.tls ? await readEtcdClientTLS(etcd.tls) : undefined;
  } catch (err) {
    step.fail('cannot read the etcd client credentials');
    throw new StartupError(`cannot read the etcd client credentials: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (etcd.embedded && clientTLS) {
    const started = await startEmbeddedEtcd({
      sup, etcd: etcd.embedded, clientTLS, dataDir: cfg.dataDir, timeoutMs: t.etcdMs, signal, line: (l) => progress.line(l), ...(id.joinVia ? { joinVia: id.joinVia } : {}),
    });
    if (signal.aborted) return;
    if ('error' in started) {
      step.fail(started.error);
      throw new StartupError(`etcd: ${started.error}`);
    }
  } else if (!(await waitForAnyEtcd(etcd.endpoints, t.etcdMs, signal, clientTLS))) return failCritical(step, 'etcd', t.etcdMs, signal);
  step.ok();
  if (etcd.embedded) {
    void startSnapshotSchedule({ config: cfg.etcdSnapshots, nodeName: cfg.nodeName, etcd: { url: etcd.endpoints[0], ...(etcd.tls ? { tls: etcd.tls } : {}) }, log: deps.log.child('etcd-snapshot') }, signal);
  } else if (cfg.etcdSnapshots !== undefined && !cfg.etcdSnapshots.disabled) {
    progress.line('• etcd snapshots: not scheduled (the external etcd cluster is backed up by its own operator)');
  }

  let socket = cfg.containerdSocket;
  if (socket === undefined) {
    socket = paths.containerdSocket;
    step = progress.step('containerd');
    if (!(await waitForContainerd(socket, t.containerdMs, signal))) return failCritical(step, 'containerd', t.containerdMs, signal);
    step.ok();
  } else {
    progress.line(`• using the containerd at ${socket}`);
  }

  const wanted = deps.components;
  const wiring = { containerdSocket: socket, nodeIP: id.nodeIP, creds: id.creds, etcd: { url: etcd.endpoints.join(','), ...(etcd.tls ? { tls: etcd.tls } : {}) } };
  const plans = componentPlans(cfg, paths, deps.launcher ?? defaultLauncher(), wiring)
    .filter((p) => wanted === undefined || wanted.includes(p.spec.name));
  progress.line(host.mode === 'one-process'
    ? `• components: ${plans.map((p) => p.spec.name).join(', ')} in this process (pid ${process.pid}; --split-processes runs each in its own)`
    : `• components: ${plans.map((p) => p.spec.name).join(', ')} as child processes (--split-processes)`);
  for (const p of plans.filter((x) => x.critical)) {
    step = progress.step(p.spec.name);
    host.add(p);
    if (!(await waitHealthy(p, t.apiserverMs, signal))) return failCritical(step, p.spec.name, t.apiserverMs, signal);
    step.ok();
  }
  if (plans.some((p) => p.spec.name === 'apiserver')) {
    // Agents read the pod network and Service range from the API (deploy/join/cluster-config.ts).
    void publishClusterConfig(id.creds.kubeconfigs.admin, { clusterCIDR: cfg.clusterCIDR, serviceCIDR: cfg.serviceCIDR }, t.apiserverMs, signal).then((r) => {
      if (!signal.aborted && 'error' in r) progress.line(`• cluster network settings: ${r.error}`);
    });
    // In the background: the other components need not wait for it.
    void publishJoinToken(cfg.dataDir, id.creds.clusterCA, id.creds.kubeconfigs.admin, t.apiserverMs, signal, cfg.agentToken).then((joined) => {
      if (signal.aborted) return;
      if ('error' in joined) progress.line(`• join tokens: ${joined.error}`);
      else progress.line(`• join tokens: for servers ${joined.server.path}; ${'error' in joined.agent ? joined.agent.error : `for agents ${joined.agent.path}`}`);
      if ('error' in joined) return;
      const report = (where: string) => (r: { stored: boolean } | { error: string }): void => {
        if (!signal.aborted) progress.line('error' in r ? `• server bootstrap data: ${r.error}` : `• server bootstrap data for joining servers: ${r.stored ? 'stored' : 'up to date'} in ${where}`);
      };
      // Another server may join: leave it the sealed CA and ServiceAccount key (and, with the embedded etcd, the etcd CA).
      if (cfg.externalEtcd !== undefined) void publishServerBootstrap(cfg.dataDir, cfg.externalEtcd).then(report('etcd'));
      else if (etcd.tls) void publishEmbeddedBootstrap(cfg.dataDir, id.creds.kubeconfigs.admin, { url: etcd.endpoints[0], tls: etcd.tls }, t.apiserverMs, signal).then(report('Secret kube-system/skiff-server-bootstrap'));
    });
  }
  const rest = plans.filter((x) => !x.critical);
  await Promise.all(rest.map((p) => {
    const s = progress.step(p.spec.name);
    host.add(p);
    return (async () => {
      if (await waitHealthy(p, t.componentMs, signal)) { s.ok(); return; }
      if (signal.aborted) return;
      s.fail(`not ready after ${Math.round(t.componentMs / 1000)}s (still trying; see its output)`);
      // Keep watching in the background; report when it finally comes up.
      void waitHealthy(p, 365 * 24 * 3600_000, signal, 1_000).then((ok) => { if (ok) s.ok(); });
    })();
  }));
  if (signal.aborted) return;
  progress.line(`Skiff is running. Try: kubectl --kubeconfig ${paths.kubeconfig} get nodes`);
}

function requireBinary(path: string, pkg: string): void {
  if (!existsSync(path)) throw new StartupError(`${path} not found: install the Debian package ${pkg} (bash deploy/install.sh)`);
}

/** Polls the component's health every `intervalMs` (default 50: each serial start-up step waits at most that long past its readiness). */
function waitHealthy(p: ComponentPlan, timeoutMs: number, signal: AbortSignal, intervalMs = 50): Promise<boolean> {
  const ca = p.healthCA === undefined ? undefined : readFileSync(p.healthCA, 'utf8');
  return pollUntil(() => httpReady(p.healthUrl, /^ok\s*$/, ca === undefined ? {} : { tls: { ca } }), { timeoutMs, intervalMs, signal });
}

function failCritical(step: { fail(d: string): void }, name: string, timeoutMs: number, signal: AbortSignal): never | void {
  if (signal.aborted) return;
  step.fail(`not healthy after ${Math.round(timeoutMs / 1000)}s`);
  throw new StartupError(`${name} did not become healthy within ${Math.round(timeoutMs / 1000)}s; see its output above`);
}
