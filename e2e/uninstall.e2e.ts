/**
 * Acceptance test of issue 7's "Install and operations": a real `skiff
 * server` in a network namespace with a pod running (hostPort, emptyDir,
 * Service), then deploy/skiff-uninstall.sh run in that namespace with the
 * cluster's data dir. Afterwards no Skiff process, mount, iptables chain, nft
 * table, route, interface, shim socket or data file may be left. The shared
 * CNI state dir (/var/lib/cni) is pointed at a temp dir for the script, since
 * other clusters on this host use it; the harness releases this cluster's
 * reservations itself.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildImages } from '../deploy/images/build.ts';
import { startCluster, type Cluster } from './harness/cluster.ts';
import { log, prerequisites } from './harness/prelude.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MIN = 60_000;
const TOOLS = ['ip', 'nsenter', 'umoci', 'skopeo', 'docker-registry', 'gcc', 'dpkg-deb', 'etcd', 'containerd', 'runc', 'ctr', 'iptables', 'nft'];



const POD = `apiVersion: v1
kind: Pod
metadata:
  name: leftover
  namespace: default
  labels: { app: leftover }
spec:
  containers:
  - name: web
    image: nginx:1.22
    ports: [{ containerPort: 80, hostPort: 18080 }]
    volumeMounts: [{ name: cache, mountPath: /cache }]
  volumes: [{ name: cache, emptyDir: {} }]
---
apiVersion: v1
kind: Service
metadata:
  name: leftover
  namespace: default
spec:
  selector: { app: leftover }
  ports: [{ port: 80 }]
`;

/** True when process `pid` no longer runs (gone, or a zombie waiting to be reaped). */
function gone(pid: number): boolean {
  try {
    return /^State:\s*Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return true;
  }
}

function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((p) => p.startsWith(dir + '/'));
}

describe('skiff-uninstall.sh after a real cluster with a pod', { timeout: 15 * MIN }, () => {
  let skip: string | undefined;
  let cluster: Cluster | undefined;
  let work = '';

  before(async () => {
    skip = await prerequisites(TOOLS);
    if (skip) return;
    work = await mkdtemp(join(tmpdir(), 'skiff-e2e-uninstall-'));
    const built = await buildImages({ progress: log });
    cluster = await startCluster({ images: built.images, progress: log });
  }, { timeout: 8 * MIN });

  after(async () => {
    await cluster?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  }, { timeout: 3 * MIN });

  it('leaves no process, mount, chain, table, route, interface or file', { timeout: 6 * MIN }, async (t) => {
    if (skip) return t.skip(skip);
    assert.ok(cluster);
    const c = cluster;
    const manifest = join(work, 'pod.yaml');
    await writeFile(manifest, POD);
    await c.kubectl('apply', '-f', manifest);
    await c.kubectl('wait', '--for=condition=Ready', 'pod/leftover', '--timeout=240s');

    const containers = await c.containers();
    const sandboxes = containers.filter((x) => x.kind === 'sandbox').map((x) => x.id);
    const containerPids = containers.map((x) => x.pid).filter((p) => p > 0);
    assert.ok(sandboxes.length >= 1 && containerPids.length >= 1, 'the pod runs');
    const address = join(c.dataDir, 'containerd', 'containerd.sock');
    const sockets = sandboxes.map((id) => join('/run/containerd/s', createHash('sha256').update(`${address}/k8s.io/${id}`).digest('hex')));
    for (const s of sockets) assert.ok(existsSync(s), `shim socket ${s} is where skiff-killall.sh computes it`);
    assert.match(await c.exec('ip', '-o', 'link', 'show', 'cni0'), /cni0/);
    assert.match(await c.exec('iptables-save'), /:KUBE-SERVICES[\s\S]*:CNI-HOSTPORT-DNAT/);
    assert.ok(mountsUnder(c.dataDir).length > 0, 'mounts under the data dir');
    const serverPid = c.serverPid();

    const un = spawnSync('nsenter', [`--net=/run/netns/${c.netns.name}`, '--', 'bash', join(ROOT, 'deploy', 'skiff-uninstall.sh')], {
      encoding: 'utf8', timeout: 3 * MIN,
      env: {
        ...process.env, SKIFF_DATA_DIR: c.dataDir, SKIFF_INSTALL_DIR: ROOT, SKIFF_CONFIG_DIR: join(work, 'etc'), SKIFF_BIN_DIR: join(work, 'bin'),
        SKIFF_SYSTEMD_DIR: join(work, 'systemd'), SKIFF_CNI_STATE_DIR: join(work, 'cni'),
      },
    });
    log(un.stdout.trim());
    assert.equal(un.status, 0, un.stderr + un.stdout);

    assert.ok(gone(serverPid), 'skiff server stopped');
    for (const pid of containerPids) assert.ok(gone(pid), `container process ${pid} gone`);
    const left = (await c.netns.pids()).filter((p) => p !== c.registry.pid && p !== serverPid);
    assert.deepEqual(left, [], 'only the test registry is left in the namespace');
    assert.deepEqual(mountsUnder(c.dataDir), [], 'no mount under the data dir');
    assert.deepEqual((await c.exec('iptables-save')).split('\n').filter((l) => /KUBE-|CNI-/.test(l)), [], 'no Skiff chain or rule');
    assert.doesNotMatch(await c.exec('nft', 'list', 'tables'), /skiff/);
    const routes = (await c.exec('ip', '-4', 'route', 'show')).trim().split('\n').filter((l) => l !== '').map((r) => r.split(' ')[0]);
    assert.deepEqual(routes, [c.netns.nodeCIDR.replace(/\.1\/24$/, '.0/24')], 'only the namespace\'s own route');
    const links = (await c.exec('ip', '-o', 'link', 'show')).split('\n').filter((l) => l !== '').map((l) => (l.split(': ')[1] ?? '').replace(/@.*/, ''));
    assert.deepEqual(links.sort(), ['lo', 'skiff-node', 'skiff-peer']);
    for (const s of sockets) assert.ok(!existsSync(s), `${s} removed`);
    assert.ok(!existsSync(c.dataDir), 'data dir removed');
  });
});
