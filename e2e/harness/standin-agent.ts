/**
 * A stand-in for `skiff agent` until it exists: containerd, `skiff kubelet`
 * and `skiff proxy` started by hand in a node namespace, reaching the server
 * at https://<server IP>:6443 with a copy of the ADMIN kubeconfig. For
 * exercising multi-node networking only: no join, no node identity, and the
 * kubelet serves its API without TLS, so the API server cannot reach it
 * (`kubectl logs` of pods on these nodes fails). Never a model for the agent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nsWrap } from '../../deploy/images/exec.ts';
import { serverPaths } from '../../deploy/server/config.ts';
import { prepareContainerd, waitForContainerd } from '../../deploy/server/containerd.ts';
import { writeRegistryMirrors } from '../../deploy/server/registry-mirror.ts';
import { listCriContainers, type CriContainer } from './containers.ts';
import type { NodeProcess } from './node-process.ts';
import type { Member } from './topology.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Inputs of {@link startStandInAgent}. */
export interface StandInOptions {
  member: Member;
  nodeName: string;
  dataDir: string;
  logFile: string;
  /** Address of the node running `skiff server` (its API listens on :6443). */
  serverIP: string;
  /** The server's admin.kubeconfig (its https://127.0.0.1:6443 is rewritten to serverIP). */
  adminKubeconfig: string;
  /** Plain-http registry used as the docker.io and registry.k8s.io mirror. */
  registryUrl: string;
  /** Sandbox ids listed by containers() are added here (for CNI cleanup). */
  seenSandboxes: Set<string>;
  /** Command before `kubelet ...`/`proxy ...`; default node deploy/bin/skiff.mjs. */
  command?: readonly string[];
}

/**
 * startStandInAgent writes containerd's config and mirrors under dataDir,
 * starts containerd in the namespace and waits (30 s) for its CRI, then starts
 * the kubelet and the proxy. Resolves a NodeProcess over the three (stop():
 * proxy and kubelet, then containerd). Throws if containerd never answers.
 */
export async function startStandInAgent(o: StandInOptions): Promise<NodeProcess> {
  const command = o.command ?? [process.execPath, join(REPO_ROOT, 'deploy/bin/skiff.mjs')];
  const paths = serverPaths(o.dataDir);
  await mkdir(o.dataDir, { recursive: true });
  const spec = prepareContainerd({ paths, cniBinDir: '/usr/lib/cni', streamPort: 10010 });
  writeRegistryMirrors(paths.certsDir, [{ host: 'docker.io', url: o.registryUrl }, { host: 'registry.k8s.io', url: o.registryUrl }]);
  const kubeconfig = join(o.dataDir, 'standin.kubeconfig');
  const admin = await readFile(o.adminKubeconfig, 'utf8');
  await writeFile(kubeconfig, admin.replace(/https:\/\/127\.0\.0\.1:6443/g, `https://${o.serverIP}:6443`), { mode: 0o600 });
  const log = createWriteStream(o.logFile, { flags: 'a' });
  const children: Array<{ name: string; child: ChildProcess; exit: Promise<void>; done: boolean }> = [];
  const start = (name: string, argv: readonly string[]): void => {
    const [cmd, args] = nsWrap(o.member.name, argv[0] ?? process.execPath, argv.slice(1));
    const child = spawn(cmd, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const prefix = (b: Buffer): string => b.toString().split('\n').filter(Boolean).map((l) => `${name} | ${l}\n`).join('');
    child.stdout?.on('data', (b: Buffer) => log.write(prefix(b)));
    child.stderr?.on('data', (b: Buffer) => log.write(prefix(b)));
    const entry = { name, child, done: false, exit: Promise.resolve() };
    entry.exit = new Promise<void>((res) => {
      child.once('exit', (code, signal) => { entry.done = true; log.write(`=== ${name} exited code=${code} signal=${signal}\n`); res(); });
      child.once('error', () => { entry.done = true; res(); });
    });
    children.push(entry);
  };
  start('containerd', [spec.command, ...spec.args]);
  const stop = async (graceMs = 30_000): Promise<void> => {
    for (const c of [...children].reverse()) {
      if (c.done) continue;
      c.child.kill('SIGTERM');
      const timer = setTimeout(() => c.child.kill('SIGKILL'), graceMs);
      await c.exit;
      clearTimeout(timer);
    }
    log.end();
  };
  if (!(await waitForContainerd(paths.containerdSocket, 30_000))) {
    await stop(5000);
    throw new Error(`${o.nodeName}: containerd did not answer on ${paths.containerdSocket}`);
  }
  const common = ['--kubeconfig', kubeconfig, '--node-name', o.nodeName];
  start('kubelet', [...command, 'kubelet', ...common, '--node-ip', o.member.ip, '--containerd-socket', paths.containerdSocket,
    '--root-dir', paths.kubeletDir, '--cni-conf-dir', paths.cniConfDir]);
  start('proxy', [...command, 'proxy', ...common]);
  return {
    nodeName: o.nodeName, member: o.member, dataDir: o.dataDir, logFile: o.logFile,
    pid: () => children.find((c) => c.name === 'kubelet')?.child.pid ?? -1,
    exited: () => children.some((c) => c.done),
    stop,
    logTail: async (bytes = 6000) => (await readFile(o.logFile, 'utf8').catch(() => '')).slice(-bytes),
    exec: (c, ...a) => o.member.runAllowFail(c, a, { timeoutMs: 120_000 }),
    containers: async (): Promise<CriContainer[]> => {
      if (!existsSync(paths.containerdSocket)) return [];
      const list = await listCriContainers((...args: string[]) =>
        o.member.runAllowFail('ctr', ['--address', paths.containerdSocket, '--connect-timeout', '5s', '--timeout', '20s', '-n', 'k8s.io', ...args], { timeoutMs: 30_000 }));
      for (const x of list) if (x.kind === 'sandbox') o.seenSandboxes.add(x.id);
      return list;
    },
  };
}
