/**
 * The acceptance check of issue 7's install slice: `install.sh server`
 * into a test prefix, then what a Skiff node leaves behind is created for
 * real inside a network namespace (the proxy's iptables rules written by the
 * real IptablesBackend, CNI-style chains, the nft table, routes, the CNI
 * bridge and a veth, mounts under the data dir, supervisor and shim processes
 * with their pid file, shim socket and fifo, CNI IP reservations), and
 * `skiff-uninstall.sh` run in that namespace must leave none of it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../apiserver/api/log.ts';
import { createNetns, type Netns } from '../e2e/harness/netns.ts';
import { mustExec, netnsExec } from '../proxy/exec.ts';
import { IptablesBackend } from '../proxy/iptables.ts';
import { ep, slice, svc } from '../proxy/fixtures.test-util.ts';
import { addConfigOption, expandConfigFile } from './cli/config-file.ts';
import { buildProgram, type CliActions } from './cli/program.ts';
import type { ServerConfig } from './server/config.ts';
import { NODE_MEMORY_FLAGS } from './server/node-flags.ts';

const repo = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root';
  for (const bin of ['nsenter', 'ip', 'iptables', 'nft', 'mount']) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) return `${bin} missing`;
  }
  return undefined;
}

/** Spawns `bash -c script name args...` inside the namespace; resolves the pid and an exit promise. */
function spawnInNs(ns: Netns, script: string, argv: string[], env: Record<string, string> = {}): { child: ChildProcess; exited: Promise<void> } {
  const child = spawn('nsenter', [`--net=/run/netns/${ns.name}`, '--', 'bash', '-c', script, ...argv], { stdio: 'ignore', env: { ...process.env, ...env } });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, exited };
}

function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((p) => p.startsWith(dir + '/'));
}

test('install.sh server + skiff-uninstall.sh in a network namespace leaves nothing behind', { timeout: 300_000 }, async (t) => {
  const why = skipReason();
  if (why) { t.skip(why); return; }
  const tmp = mkdtempSync(join(tmpdir(), 'skiff-uninstall-'));
  const dirs = {
    data: join(tmp, 'data'), config: join(tmp, 'etc-skiff'), bin: join(tmp, 'bin'), systemd: join(tmp, 'systemd'),
    cni: join(tmp, 'cni'), run: join(tmp, 'run-containerd'),
  };
  const env = {
    SKIFF_INSTALL_DIR: repo, SKIFF_CONFIG_DIR: dirs.config, SKIFF_BIN_DIR: dirs.bin, SKIFF_SYSTEMD_DIR: dirs.systemd,
    SKIFF_CNI_STATE_DIR: dirs.cni, SKIFF_CONTAINERD_RUN_DIR: dirs.run,
  };
  const ns = await createNetns();
  const children: { child: ChildProcess; exited: Promise<void> }[] = [];
  t.after(async () => {
    for (const c of children) c.child.kill('SIGKILL');
    for (const m of mountsUnder(tmp).sort((a, b) => b.length - a.length)) spawnSync('umount', ['-l', m]);
    await ns.destroy();
    rmSync(tmp, { recursive: true, force: true });
  });

  // --- install (in place: SKIFF_INSTALL_DIR is this checkout) ---
  const inst = spawnSync('bash', ['deploy/install.sh', 'server', '--data-dir', dirs.data, '--node-ip', ns.nodeIP,
    '--registry-mirror', 'docker.io=http://127.0.0.1:5000', '--registry-mirror', 'quay.io=http://127.0.0.1:5001'],
  { cwd: repo, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 600_000 });
  assert.equal(inst.status, 0, inst.stderr + inst.stdout);
  assert.match(inst.stdout, /systemd is not running here|started skiff\.service/);
  for (const f of ['config.yaml', 'install.env']) assert.ok(existsSync(join(dirs.config, f)), f);
  assert.equal(readFileSync(join(dirs.systemd, 'skiff.service'), 'utf8').match(/^ExecStart=.*$/m)?.[0],
    `ExecStart=/usr/bin/env node ${NODE_MEMORY_FLAGS.join(' ')} ${repo.replace(/\/$/, '')}/deploy/bin/skiff.mjs server --config ${dirs.config}/config.yaml`);
  for (const f of ['skiff', 'skiff-killall.sh', 'skiff-uninstall.sh', 'skiff-paths.sh']) assert.ok(existsSync(join(dirs.bin, f)), f);
  assert.equal(spawnSync('readlink', [join(dirs.config, 'skiff.yaml')], { encoding: 'utf8' }).stdout.trim(), join(dirs.data, 'admin.kubeconfig'));

  // The config.yaml install.sh wrote is what `skiff server --config` reads back.
  const calls: ServerConfig[] = [];
  const none = async (): Promise<void> => {};
  const actions: CliActions = {
    server: async (c) => { calls.push(c); }, apiserver: none, scheduler: none, controllerManager: none, kubelet: none, hollowNodes: none, proxy: none, proxyCleanup: none, check: none, agent: none, logging: () => {},
    etcdSnapshot: { save: none, list: none, delete: none, prune: none, restore: none },
  };
  const program = addConfigOption(buildProgram(actions, { hostname: 'node-a' }));
  const io = { exists: existsSync, read: (p: string) => readFileSync(p, 'utf8') };
  await program.parseAsync(expandConfigFile(['node', 'skiff', 'server', '--config', join(dirs.config, 'config.yaml')], program, io));
  assert.equal(calls[0]?.dataDir, dirs.data);
  assert.equal(calls[0]?.nodeIP, ns.nodeIP);
  assert.deepEqual(calls[0]?.registryMirrors.map((m) => m.host), ['docker.io', 'quay.io']);

  // --- what a node leaves behind ---
  const node = netnsExec(ns.name);
  const sh = (cmd: string, ...args: string[]): Promise<unknown> => mustExec(node, cmd, args);
  await sh('ip', 'link', 'add', 'cni0', 'type', 'bridge');
  await sh('ip', 'addr', 'add', '10.244.0.1/24', 'dev', 'cni0');
  await sh('ip', 'link', 'set', 'cni0', 'up');
  await sh('ip', 'link', 'add', 'veth1a2b3c4d', 'type', 'veth', 'peer', 'name', 'eth0pod');
  await sh('ip', 'link', 'set', 'veth1a2b3c4d', 'master', 'cni0');
  await sh('ip', 'link', 'set', 'veth1a2b3c4d', 'up');
  await new IptablesBackend({ serviceCIDR: '10.96.0.0/12', clusterCIDR: '10.244.0.0/16', nodeName: 'node-a' }, createLogger('uninstall-test'), node)
    .sync({ services: [svc('default', 'web', '10.96.0.10', [{ name: 'http', port: 80, targetPort: 8080 }])],
      endpointSlices: [slice('default', 'web', 'web-1', [{ name: 'http', port: 8080 }], [ep('10.244.0.5')])] }, true);
  const tag = 'name: "skiff" id: "0123abcd"';
  await mustExec(node, 'iptables-restore', ['--noflush'], [
    '*nat', ':CNI-0123456789abcdef01234567 - [0:0]', ':CNI-HOSTPORT-DNAT - [0:0]', ':CNI-DN-0123456789abcdef01234 - [0:0]',
    `-A POSTROUTING -s 10.244.0.5/32 -m comment --comment "${tag.replace(/"/g, '\\"')}" -j CNI-0123456789abcdef01234567`,
    `-A CNI-0123456789abcdef01234567 -d 10.244.0.0/24 -m comment --comment "${tag.replace(/"/g, '\\"')}" -j ACCEPT`,
    '-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT',
    `-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat ${tag.replace(/"/g, '\\"')}" -m multiport --dports 8080 -j CNI-DN-0123456789abcdef01234`,
    '-A CNI-DN-0123456789abcdef01234 -p tcp --dport 8080 -j DNAT --to-destination 10.244.0.5:80',
    ':SKIFF-POD-MASQ - [0:0]', '-A POSTROUTING -m comment --comment "skiff pod masquerade" -j SKIFF-POD-MASQ',
    '-A SKIFF-POD-MASQ -s 10.244.0.0/16 -j MASQUERADE', 'COMMIT', '',
  ].join('\n'));
  await mustExec(node, 'nft', ['-f', '-'], 'table ip skiff {\n chain services { type nat hook output priority -100; }\n}\n');
  await mustExec(node, 'nft', ['-f', '-'], 'table inet skiff-netpol {\n chain ingress { type filter hook forward priority 0; }\n}\n');
  await sh('ip', 'route', 'replace', 'blackhole', '10.244.0.0/16');
  await sh('ip', 'route', 'replace', '10.96.0.0/12', 'dev', 'lo');
  await sh('ip', 'route', 'replace', '10.244.7.0/24', 'via', ns.nodeIP.replace(/\.1$/, '.2'), 'dev', ns.device, 'onlink');

  for (const m of ['containerd/state/io.containerd.grpc.v1.cri/sandboxes/0123abcd/shm', 'kubelet/pods/uid-1/volumes/kubernetes.io~empty-dir/cache']) {
    mkdirSync(join(dirs.data, m), { recursive: true });
    spawnSync('mount', ['-t', 'tmpfs', 'tmpfs', join(dirs.data, m)]);
  }
  assert.equal(mountsUnder(dirs.data).length, 2);
  const address = join(dirs.data, 'containerd', 'containerd.sock');
  const fifoDir = join(dirs.run, 'fifo', '4242');
  mkdirSync(fifoDir, { recursive: true });
  spawnSync('mkfifo', [join(fifoDir, '0123abcd-stdout')]);
  const socket = join(dirs.run, 's', createHash('sha256').update(`${address}/k8s.io/0123abcd`).digest('hex'));
  mkdirSync(join(dirs.run, 's'), { recursive: true });
  writeFileSync(socket, '');
  // A supervisor with a child (pid file in <data-dir>/run), and a shim with a container under it holding its stdio fifo.
  const server = spawnInNs(ns, 'sleep 100000 & wait', ['skiff.mjs', 'server', '--data-dir', dirs.data]);
  const shim = spawnInNs(ns, 'exec 3<>"$FIFO"; sleep 100000 & wait', ['containerd-shim-runc-v2', '-namespace', 'k8s.io', '-id', '0123abcd', '-address', address],
    { FIFO: join(fifoDir, '0123abcd-stdout') });
  children.push(server, shim);
  mkdirSync(join(dirs.data, 'run'), { recursive: true });
  writeFileSync(join(dirs.data, 'run', 'server.pid'), `${server.child.pid}\n`);
  for (const f of [['networks', 'skiff', '10.244.0.5'], ['networks', 'skiff', 'last_reserved_ip.0'], ['results', 'skiff-0123abcd-eth0'], ['networks', 'other', '10.9.0.2']]) {
    mkdirSync(join(dirs.cni, ...f.slice(0, -1)), { recursive: true });
    writeFileSync(join(dirs.cni, ...f), '0123abcd\n');
  }
  await new Promise((r) => setTimeout(r, 300)); // let bash start its sleep and open the fifo
  assert.ok((await ns.pids()).length >= 4, 'the fake server and shim with their children run in the namespace');

  const before = await ns.run('iptables-save', []);
  for (const chain of ['KUBE-SERVICES', 'KUBE-POSTROUTING', 'KUBE-FORWARD', 'KUBE-SVC-', 'CNI-0123456789abcdef01234567', 'CNI-HOSTPORT-DNAT', 'SKIFF-POD-MASQ']) assert.ok(before.includes(`:${chain}`), chain);
  assert.match(await ns.run('nft', ['list', 'tables']), /table ip skiff\n[\s\S]*table inet skiff-netpol/);
  assert.match(await ns.run('ip', ['route', 'show']), /blackhole 10\.244\.0\.0\/16[\s\S]*10\.244\.7\.0\/24 via/);

  // --- uninstall, in the namespace ---
  const un = spawnSync('nsenter', [`--net=/run/netns/${ns.name}`, '--', 'bash', join(dirs.bin, 'skiff-uninstall.sh')],
    { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  assert.equal(un.status, 0, un.stderr + un.stdout);
  assert.match(un.stdout, /distribution packages .* are still installed/);
  t.diagnostic(un.stdout.trim());

  await Promise.all([server.exited, shim.exited]);
  assert.deepEqual(await ns.pids(), [], 'no process left in the namespace');
  assert.deepEqual(mountsUnder(tmp), [], 'no mount left');
  const saved = (await ns.run('iptables-save', [])).split('\n').filter((l) => /KUBE-|CNI-|SKIFF-/.test(l));
  assert.deepEqual(saved, [], 'no Skiff iptables chain or rule');
  assert.doesNotMatch(await ns.run('nft', ['list', 'tables']), /skiff/);
  const routes = (await ns.run('ip', ['-4', 'route', 'show'])).trim().split('\n').filter((l) => l !== '');
  assert.deepEqual(routes.map((r) => r.split(' ')[0]), [ns.nodeCIDR.replace(/\.1\/24$/, '.0/24')], `only the namespace's own route: ${routes.join('; ')}`);
  const links = (await ns.run('ip', ['-o', 'link', 'show'])).split('\n').filter((l) => l !== '').map((l) => (l.split(': ')[1] ?? '').replace(/@.*/, ''));
  assert.deepEqual(links.sort(), ['lo', 'skiff-node', 'skiff-peer']);
  for (const gone of [dirs.data, dirs.config, join(dirs.bin, 'skiff'), join(dirs.bin, 'skiff-killall.sh'), join(dirs.bin, 'skiff-uninstall.sh'), join(dirs.bin, 'skiff-paths.sh'),
    join(dirs.systemd, 'skiff.service'), join(dirs.cni, 'networks', 'skiff'), join(dirs.cni, 'results', 'skiff-0123abcd-eth0'), socket, fifoDir, dirs.run]) {
    assert.ok(!existsSync(gone), `${gone} removed`);
  }
  assert.deepEqual(readdirSync(join(dirs.cni, 'networks')), ['other'], 'another CNI network\'s state is kept');
  assert.ok(existsSync(join(repo, 'deploy', 'bin', 'skiff.mjs')), 'an in-place checkout is kept');
});

test('skiff-killall.sh without the app (no node cleanup) still removes the proxy\'s chains and routes, and spares another data dir\'s server', { timeout: 120_000 }, async (t) => {
  const why = skipReason();
  if (why) { t.skip(why); return; }
  const tmp = mkdtempSync(join(tmpdir(), 'skiff-killall-'));
  const ns = await createNetns();
  const data = join(tmp, 'data');
  // A server of another data dir whose path starts like ours: it must survive.
  const other = spawnInNs(ns, 'sleep 100000 & wait', ['skiff.mjs', 'server', '--data-dir', `${data}-other`]);
  t.after(async () => {
    other.child.kill('SIGKILL');
    await ns.destroy();
    rmSync(tmp, { recursive: true, force: true });
  });
  const node = netnsExec(ns.name);
  await new IptablesBackend({ serviceCIDR: '10.96.0.0/12', clusterCIDR: '10.244.0.0/16', nodeName: 'node-a' }, createLogger('killall-test'), node)
    .sync({ services: [svc('default', 'web', '10.96.0.10', [{ port: 80 }])], endpointSlices: [slice('default', 'web', 'web-1', [{ port: 80 }], [ep('10.244.0.5')])] }, true);
  await mustExec(node, 'ip', ['route', 'replace', 'blackhole', '10.244.0.0/16']);
  await mustExec(node, 'ip', ['route', 'replace', '10.96.0.0/12', 'dev', 'lo']);
  assert.match(await ns.run('iptables-save', []), /:KUBE-SVC-/);
  // A LoadBalancer address of the servicelb speaker (metric 250) and one somebody else added.
  await mustExec(node, 'ip', ['addr', 'add', '192.0.2.40/32', 'dev', ns.device, 'metric', '250']);
  await mustExec(node, 'ip', ['addr', 'add', '192.0.2.41/32', 'dev', ns.device]);

  const r = spawnSync('nsenter', [`--net=/run/netns/${ns.name}`, '--', 'bash', join(repo, 'deploy', 'skiff-killall.sh')], {
    encoding: 'utf8', timeout: 60_000,
    env: { ...process.env, SKIFF_DATA_DIR: data, SKIFF_INSTALL_DIR: join(tmp, 'no-app'), SKIFF_CONFIG_DIR: join(tmp, 'etc'), SKIFF_CNI_STATE_DIR: join(tmp, 'cni'), SKIFF_CONTAINERD_RUN_DIR: join(tmp, 'run') },
  });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.deepEqual((await ns.run('iptables-save', [])).split('\n').filter((l) => /KUBE-/.test(l)), []);
  assert.deepEqual((await ns.run('ip', ['-4', 'route', 'show'])).trim().split('\n').map((l) => l.split(' ')[0]), [ns.nodeCIDR.replace(/\.1\/24$/, '.0/24')]);
  const addrs = await ns.run('ip', ['-4', '-o', 'addr', 'show']);
  assert.ok(!addrs.includes('192.0.2.40/32') && addrs.includes('192.0.2.41/32'), `only our LoadBalancer address is gone: ${addrs}`);
  assert.ok(other.child.exitCode === null && other.child.signalCode === null, 'the other data dir\'s server still runs');
});
