import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from 'commander';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { ServerConfig } from '../server/config.ts';
import { buildProgram, type CliActions } from './program.ts';

type Call = { name: string; opts: unknown };

/** A program whose actions only record what they were given, and that throws instead of exiting. */
function recorder(vars: Record<string, string | undefined> = {}): { program: Command; calls: Call[]; errors: () => string; levels: string[] } {
  const calls: Call[] = [];
  const levels: string[] = [];
  const rec = (name: string) => async (opts: unknown): Promise<void> => { calls.push({ name, opts }); };
  const actions: CliActions = {
    server: rec('server'), apiserver: rec('apiserver'), scheduler: rec('scheduler'),
    controllerManager: rec('controller-manager'), kubelet: rec('kubelet'), hollowNodes: rec('hollow-nodes'), proxy: rec('proxy'),
    proxyCleanup: rec('proxy-cleanup'), check: rec('check'), agent: rec('agent'), logging: (level) => { levels.push(level); },
    etcdSnapshot: { save: rec('etcd-snapshot save'), list: rec('etcd-snapshot list'), delete: rec('etcd-snapshot delete'), prune: rec('etcd-snapshot prune'), restore: rec('etcd-snapshot restore') },
  };
  const program = buildProgram(actions, { hostname: 'Test-Host', vars });
  let err = '';
  for (const c of [program, ...program.commands]) {
    c.exitOverride();
    c.configureOutput({ writeErr: (s) => { err += s; }, writeOut: () => {} });
  }
  return { program, calls, errors: () => err, levels };
}

async function parse(args: string[]): Promise<Call> {
  const r = recorder();
  await r.program.parseAsync(['node', 'skiff', ...args]);
  assert.equal(r.calls.length, 1);
  return r.calls[0];
}

test('server: defaults', async () => {
  const c = await parse(['server']);
  assert.equal(c.name, 'server');
  const want: ServerConfig = {
    dataDir: '/var/lib/skiff', clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12', apiPort: 6443, bindAddress: '0.0.0.0',
    nodeName: 'test-host', nodeIP: undefined, containerdSocket: undefined, registryMirrors: [],
    etcdClientPort: 2479, etcdPeerPort: 2480,
    etcdSnapshots: { disabled: false, cron: '0 */12 * * *', retention: 5, name: 'etcd-snapshot', dir: '/var/lib/skiff/snapshots' },
  };
  assert.deepEqual(c.opts, want);
});

test('server: every flag, repeated mirrors', async () => {
  const c = await parse([
    'server', '--data-dir', '/tmp/s', '--cluster-cidr', '10.100.0.0/16', '--service-cidr', '10.200.0.0/16',
    '--api-port', '7443', '--bind-address', '10.1.0.2', '--node-name', 'n1', '--node-ip', '10.1.0.2', '--containerd-socket', '/run/c.sock',
    '--registry-mirror', 'docker.io=http://127.0.0.1:5000', '--registry-mirror', 'registry.k8s.io=http://127.0.0.1:5000',
    '--etcd-client-port', '3479', '--etcd-peer-port', '3480',
  ]);
  assert.deepEqual(c.opts, {
    dataDir: '/tmp/s', clusterCIDR: '10.100.0.0/16', serviceCIDR: '10.200.0.0/16', apiPort: 7443, bindAddress: '10.1.0.2', nodeName: 'n1',
    nodeIP: '10.1.0.2', containerdSocket: '/run/c.sock',
    registryMirrors: [{ host: 'docker.io', url: 'http://127.0.0.1:5000' }, { host: 'registry.k8s.io', url: 'http://127.0.0.1:5000' }],
    etcdClientPort: 3479, etcdPeerPort: 3480,
    etcdSnapshots: { disabled: false, cron: '0 */12 * * *', retention: 5, name: 'etcd-snapshot', dir: '/tmp/s/snapshots' },
  });
});

test('server: an external etcd cluster (--etcd-servers and its TLS files, made absolute)', async () => {
  const o = (await parse(['server', '--etcd-servers', 'https://10.0.0.1:2379,https://10.0.0.2:2379,https://10.0.0.3:2379',
    '--etcd-cafile', '/e/ca.crt', '--etcd-certfile', '/e/client.crt', '--etcd-keyfile', 'e/client.key'])).opts as ServerConfig;
  assert.deepEqual(o.externalEtcd, {
    endpoints: ['https://10.0.0.1:2379', 'https://10.0.0.2:2379', 'https://10.0.0.3:2379'],
    tls: { caFile: '/e/ca.crt', certFile: '/e/client.crt', keyFile: join(process.cwd(), 'e/client.key') },
  });
});

test('server: --server and --token join as another server, with the external etcd', async () => {
  const o = (await parse(['server', '--server', 'https://10.0.0.1:6443', '--token', 'K10abc::abcdef.0123456789abcdef',
    '--etcd-servers', 'http://10.0.0.9:2379'])).opts as ServerConfig;
  assert.deepEqual(o.join, { server: 'https://10.0.0.1:6443', token: 'K10abc::abcdef.0123456789abcdef' });
  assert.deepEqual(o.externalEtcd, { endpoints: ['http://10.0.0.9:2379'] });
});

test('server: --server and --token without --etcd-servers join the embedded etcd', async () => {
  const o = (await parse(['server', '--server', 'https://10.0.0.1:6443', '--token', 'K10abc::abcdef.0123456789abcdef'])).opts as ServerConfig;
  assert.deepEqual(o.join, { server: 'https://10.0.0.1:6443', token: 'K10abc::abcdef.0123456789abcdef' });
  assert.equal(o.externalEtcd, undefined);
});

test('server: relative paths become absolute', async () => {
  const c = await parse(['server', '--data-dir', 'rel/data', '--containerd-socket', 'c.sock']);
  const o = c.opts as ServerConfig;
  assert.equal(o.dataDir, join(process.cwd(), 'rel/data'));
  assert.equal(o.containerdSocket, join(process.cwd(), 'c.sock'));
});

test('apiserver: defaults and a list of etcd endpoints', async () => {
  assert.deepEqual((await parse(['apiserver'])).opts, {
    etcdEndpoints: ['http://127.0.0.1:2479'], bindAddress: '127.0.0.1', port: 6443, serviceCIDR: '10.96.0.0/12',
  });
  const c = await parse(['apiserver', '--etcd-endpoints', 'http://127.0.0.1:1,http://127.0.0.1:2/', '--port', '8080']);
  assert.deepEqual(c.opts, { etcdEndpoints: ['http://127.0.0.1:1', 'http://127.0.0.1:2'], bindAddress: '127.0.0.1', port: 8080, serviceCIDR: '10.96.0.0/12' });
});

test('scheduler, controller-manager, proxy: defaults', async () => {
  const leader = { leaderElect: true, leaderElection: { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 } };
  assert.deepEqual((await parse(['scheduler'])).opts, { apiUrl: 'http://127.0.0.1:6443', schedulerName: 'default-scheduler', healthzPort: 10259, ...leader });
  const cm = await parse(['controller-manager']);
  assert.equal(cm.name, 'controller-manager');
  assert.deepEqual(cm.opts, {
    apiUrl: 'http://127.0.0.1:6443', clusterCIDR: '10.244.0.0/16', nodeCIDRMaskSize: 24, healthzPort: 10257, ...leader,
    nodeMonitorGracePeriodMs: 40_000, nodeStartupGracePeriodMs: 60_000, nodeMonitorPeriodMs: 5_000,
  });
  assert.deepEqual((await parse(['proxy'])).opts, {
    apiUrl: 'http://127.0.0.1:6443', nodeName: 'test-host', serviceCIDR: '10.96.0.0/12', clusterCIDR: '10.244.0.0/16', healthzPort: 10256, proxyMode: 'iptables',
    ingress: { httpPort: 80, httpsPort: 443 },
    dns: { clusterDNS: '10.96.0.10', clusterDomain: 'cluster.local', port: 10053 },
  });
  const ingressOf = async (args: string[]): Promise<unknown> => ((await parse(['proxy', ...args])).opts as { ingress?: unknown }).ingress;
  assert.equal(await ingressOf(['--disable-ingress']), undefined);
  assert.deepEqual(await ingressOf(['--ingress-http-port', '8080', '--ingress-https-port', '8443']), { httpPort: 8080, httpsPort: 8443 });
  assert.equal((((await parse(['proxy', '--no-dns'])).opts) as { dns?: unknown }).dns, undefined);
});

test('--split-processes: server and agent run their components in one process unless it is given', async () => {
  assert.equal(((await parse(['server'])).opts as ServerConfig).splitProcesses, undefined, 'one process is the default');
  assert.equal(((await parse(['server', '--split-processes'])).opts as ServerConfig).splitProcesses, true);
  const agent = await parse(['agent', '--server', 'https://10.0.0.1:6443', '--token', 'K10', '--split-processes']);
  assert.equal((agent.opts as { splitProcesses?: boolean }).splitProcesses, true);
  const plain = await parse(['agent', '--server', 'https://10.0.0.1:6443', '--token', 'K10']);
  assert.equal((plain.opts as { splitProcesses?: boolean }).splitProcesses, undefined);
});

test('--proxy-mode: proxy, server and agent take iptables or nftables; anything else is refused', async () => {
  assert.equal(((await parse(['proxy', '--proxy-mode', 'nftables'])).opts as { proxyMode: string }).proxyMode, 'nftables');
  assert.equal(((await parse(['server', '--proxy-mode', 'nftables'])).opts as ServerConfig).proxyMode, 'nftables');
  assert.equal(((await parse(['server'])).opts as ServerConfig).proxyMode, undefined, 'the default is not spelled out');
  const agent = await parse(['agent', '--server', 'https://10.0.0.1:6443', '--token', 'K10', '--proxy-mode', 'nftables']);
  assert.equal((agent.opts as { proxyMode?: string }).proxyMode, 'nftables');
  for (const args of [['proxy', '--proxy-mode', 'ipvs'], ['server', '--proxy-mode', 'userspace']]) {
    const r = recorder();
    await assert.rejects(r.program.parseAsync(['node', 'skiff', ...args]), args.join(' '));
    assert.match(r.errors(), /must be one of iptables, nftables/);
  }
});

test('proxy --cleanup runs the cleanup, not the proxy', async () => {
  const call = await parse(['proxy', '--cleanup', '--cluster-cidr', '10.42.0.0/16']);
  assert.equal(call.name, 'proxy-cleanup');
  assert.deepEqual(call.opts, { serviceCIDR: '10.96.0.0/12', clusterCIDR: '10.42.0.0/16' });
});

test('kubelet: defaults under /var/lib/skiff', async () => {
  assert.deepEqual((await parse(['kubelet'])).opts, {
    apiUrl: 'http://127.0.0.1:6443', nodeName: 'test-host', nodeIP: undefined,
    containerdSocket: '/var/lib/skiff/containerd/containerd.sock', rootDir: '/var/lib/skiff/kubelet',
    cniBinDir: '/usr/lib/cni', cniConfDir: '/var/lib/skiff/cni/net.d', port: 10250, healthzPort: 10248,
    clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local',
  });
  const dns = (await parse(['kubelet', '--cluster-dns', '10.43.0.10,10.43.0.11', '--cluster-domain', 'home.lan'])).opts as { clusterDNS: string[]; clusterDomain: string };
  assert.deepEqual([dns.clusterDNS, dns.clusterDomain], [['10.43.0.10', '10.43.0.11'], 'home.lan']);
  const c = await parse(['kubelet', '--api-url', 'http://10.0.0.1:6443/', '--node-name', 'w2', '--node-ip', 'fd00::2']);
  const o = c.opts as { apiUrl: string; nodeName: string; nodeIP: string };
  assert.equal(o.apiUrl, 'http://10.0.0.1:6443');
  assert.equal(o.nodeName, 'w2');
  assert.equal(o.nodeIP, 'fd00::2');
});

test('kubelet: TLS and authorization flags, absent unless given', async () => {
  const c = await parse(['kubelet', '--tls-cert-file', '/t/serving-kubelet-n1.crt', '--tls-private-key-file', '/t/serving-kubelet-n1.key',
    '--client-ca-file', '/t/server-ca.crt', '--authorization-mode', 'Webhook', '--authentication-token-webhook']);
  const o = c.opts as Record<string, unknown>;
  assert.deepEqual([o.tlsCertFile, o.tlsPrivateKeyFile, o.clientCAFile, o.authorizationMode, o.authenticationTokenWebhook],
    ['/t/serving-kubelet-n1.crt', '/t/serving-kubelet-n1.key', '/t/server-ca.crt', 'Webhook', true]);
  const plain = (await parse(['kubelet'])).opts as Record<string, unknown>;
  for (const k of ['tlsCertFile', 'tlsPrivateKeyFile', 'clientCAFile', 'authorizationMode', 'authenticationTokenWebhook']) assert.ok(!(k in plain), k);
});

test('apiserver: TLS, authorization and kubelet-client flags group into options', async () => {
  const o = (await parse(['apiserver', '--tls-cert-file', '/t/a.crt', '--tls-private-key-file', '/t/a.key', '--client-ca-file', '/t/ca.crt',
    '--service-account-key-file', '/t/service.key', '--authorization-mode', 'Node,RBAC',
    '--kubelet-certificate-authority', '/t/ca.crt', '--kubelet-client-certificate', '/t/k.crt', '--kubelet-client-key', '/t/k.key',
    '--etcd-cafile', '/t/etcd/server-ca.crt', '--etcd-certfile', '/t/etcd/client.crt', '--etcd-keyfile', '/t/etcd/client.key', '--advertise-address', '10.0.0.5'])).opts as Record<string, unknown>;
  assert.deepEqual(o.tls, { cert: '/t/a.crt', key: '/t/a.key', clientCA: '/t/ca.crt', serviceAccountKey: '/t/service.key' });
  assert.deepEqual(o.kubeletClient, { ca: '/t/ca.crt', cert: '/t/k.crt', key: '/t/k.key' });
  assert.equal(o.authorization, 'Node,RBAC');
  assert.deepEqual(o.etcdTLS, { caFile: '/t/etcd/server-ca.crt', certFile: '/t/etcd/client.crt', keyFile: '/t/etcd/client.key' });
  assert.equal(o.advertiseAddress, '10.0.0.5');
  const plain = (await parse(['apiserver'])).opts as Record<string, unknown>;
  for (const k of ['tls', 'kubeletClient', 'authorization', 'etcdTLS', 'advertiseAddress']) assert.ok(!(k in plain), k);
});

test('components: --kubeconfig (made absolute) reaches every client component; absent unless given', async () => {
  for (const cmd of ['scheduler', 'controller-manager', 'kubelet', 'proxy']) {
    const o = (await parse([cmd, '--kubeconfig', 'cred/x.kubeconfig'])).opts as Record<string, unknown>;
    assert.equal(o.kubeconfig, join(process.cwd(), 'cred/x.kubeconfig'), cmd);
    assert.ok(!('kubeconfig' in ((await parse([cmd])).opts as Record<string, unknown>)), cmd);
  }
  const cm = (await parse(['controller-manager', '--root-ca-file', '/t/ca.crt', '--service-account-private-key-file', '/t/service.key'])).opts as Record<string, unknown>;
  assert.equal(cm.rootCAFile, '/t/ca.crt');
  assert.equal(cm.serviceAccountKeyFile, '/t/service.key');
  const kl = (await parse(['kubelet', '--project-service-account-tokens'])).opts as Record<string, unknown>;
  assert.equal(kl.projectServiceAccountTokens, true);
});

test('leader election and node-monitor flags take kube\'s duration and boolean forms', async () => {
  const s = (await parse(['scheduler', '--leader-elect', 'false', '--leader-elect-lease-duration', '1m30s', '--leader-elect-renew-deadline', '500ms', '--leader-elect-retry-period', '2s'])).opts as Record<string, unknown>;
  assert.equal(s.leaderElect, false);
  assert.deepEqual(s.leaderElection, { leaseDurationMs: 90_000, renewDeadlineMs: 500, retryPeriodMs: 2_000 });
  const cm = (await parse(['controller-manager', '--node-monitor-grace-period', '20s', '--node-monitor-period', '1.5s'])).opts as Record<string, unknown>;
  assert.deepEqual([cm.nodeMonitorGracePeriodMs, cm.nodeMonitorPeriodMs], [20_000, 1_500]);
});

test('--lb-pool: ranges and CIDRs on server and controller-manager, normalized; absent by default', async () => {
  const o = (await parse(['server', '--lb-pool', '192.168.1.240-192.168.1.250, 10.0.0.8/29'])).opts as ServerConfig;
  assert.equal(o.lbPool, '192.168.1.240-192.168.1.250,10.0.0.8/29');
  assert.ok(!('lbPool' in ((await parse(['server'])).opts as Record<string, unknown>)));
  const cm = (await parse(['controller-manager', '--lb-pool', '10.77.0.240-10.77.0.250'])).opts as Record<string, unknown>;
  assert.equal(cm.lbPool, '10.77.0.240-10.77.0.250');
});

const bad: Array<[string[], RegExp]> = [
  [['server', '--lb-pool', '10.0.0.9-10.0.0.1'], /ranges or CIDRs.*ends before it starts/],
  [['controller-manager', '--lb-pool', '10.0.0.1/24'], /host bits set/],
  [['scheduler', '--leader-elect', 'yes'], /true or false/],
  [['controller-manager', '--node-monitor-grace-period', '40'], /duration like 40s/],
  [['controller-manager', '--leader-elect-lease-duration', '15s5'], /duration like 40s/],
  [['apiserver', '--tls-cert-file', '/t/a.crt'], /go together; missing --tls-private-key-file, --client-ca-file/],
  [['apiserver', '--service-account-key-file', '/t/s.key'], /needs --tls-cert-file/],
  [['apiserver', '--kubelet-client-key', '/t/k.key'], /missing --kubelet-certificate-authority, --kubelet-client-certificate/],
  [['apiserver', '--authorization-mode', 'Webhook'], /AlwaysAllow, RBAC, Node,RBAC/],
  [['apiserver', '--etcd-certfile', '/t/c.crt'], /missing --etcd-cafile, --etcd-keyfile/],
  [['server', '--api-port', '0'], /port number/],
  [['server', '--api-port', '6443x'], /port number/],
  [['server', '--cluster-cidr', '10.244.0.0'], /CIDR/],
  [['server', '--node-ip', 'not-an-ip'], /IP address/],
  [['server', '--node-name', 'Upper_Case'], /lowercase DNS/],
  [['server', '--registry-mirror', 'docker.io'], /HOST=URL/],
  [['scheduler', '--api-url', '127.0.0.1:6443'], /http/],
  [['controller-manager', '--node-cidr-mask-size', '33'], /prefix length/],
  [['kubelet', '--authorization-mode', 'RBAC'], /AlwaysAllow, Webhook/],
  [['server', '--no-such-flag'], /unknown option/],
  [['server', '--etcd-cafile', '/e/ca.crt'], /--etcd-cafile need --etcd-servers/],
  [['server', '--server', 'https://10.0.0.1:6443'], /--server and --token go together/],
  [['server', '--etcd-servers', 'https://10.0.0.1:2379', '--etcd-cafile', '/e/ca.crt'], /missing --etcd-certfile, --etcd-keyfile/],
  [['frobnicate'], /unknown command/],
];
for (const [args, re] of bad) {
  test(`rejects: skiff ${args.join(' ')}`, async () => {
    const r = recorder();
    await assert.rejects(r.program.parseAsync(['node', 'skiff', ...args]));
    assert.match(r.errors(), re);
    assert.equal(r.calls.length, 0);
  });
}

test('help lists every subcommand', () => {
  const { program } = recorder();
  const help = program.helpInformation();
  for (const name of ['server', 'apiserver', 'scheduler', 'controller-manager', 'kubelet', 'proxy']) assert.match(help, new RegExp(`\\b${name}\\b`));
});

test('check: defaults, --server and --data-dir; a non-URL server is refused', async () => {
  assert.deepEqual(await parse(['check']), { name: 'check', opts: { dataDir: '/var/lib/skiff' } });
  assert.deepEqual((await parse(['check', '--server', 'https://10.0.0.1:6443/', '--data-dir', 'rel'])).opts,
    { dataDir: join(process.cwd(), 'rel'), server: 'https://10.0.0.1:6443' });
  const r = recorder();
  await assert.rejects(r.program.parseAsync(['node', 'skiff', 'check', '--server', '10.0.0.1']), /must be an http/);
  assert.equal(r.calls.length, 0);
});

test('agent: --server and a token (or token file) are required; flags as k3s agent', async () => {
  const c = await parse(['agent', '--server', 'https://10.0.0.1:6443/', '--token', 'K10abc::x.y', '--node-ip', '10.0.0.2', '--registry-mirror', 'docker.io=http://127.0.0.1:5000']);
  assert.equal(c.name, 'agent');
  assert.deepEqual(c.opts, {
    server: 'https://10.0.0.1:6443', token: 'K10abc::x.y', dataDir: '/var/lib/skiff-agent', nodeName: 'test-host', nodeIP: '10.0.0.2',
    containerdSocket: undefined, registryMirrors: [{ host: 'docker.io', url: 'http://127.0.0.1:5000' }],
  });
  for (const args of [['agent', '--token', 'K10'], ['agent', '--server', 'https://a:6443'], ['agent', '--server', 'http://a:6443', '--token', 'K10'],
    ['agent', '--server', 'https://a:6443', '--token', 'K10', '--token-file', '/t']]) {
    const r = recorder();
    await assert.rejects(r.program.parseAsync(['node', 'skiff', ...args]), args.join(' '));
    assert.equal(r.calls.length, 0, args.join(' '));
  }
});

test('hollow-nodes: --count is required; defaults and every flag', async () => {
  assert.deepEqual((await parse(['hollow-nodes', '--count', '100'])).opts, {
    apiUrl: 'http://127.0.0.1:6443', count: 100, namePrefix: 'hollow-', addressOffset: 0, rootDir: join(tmpdir(), 'skiff-hollow-nodes'),
    heartbeatMs: 10_000, startBurst: 10,
  });
  const c = await parse(['hollow-nodes', '--count', '5', '--kubeconfig', 'admin.kubeconfig', '--name-prefix', 'sim.', '--address-offset', '100',
    '--root-dir', 'h', '--node-status-update-frequency', '1m', '--start-burst', '50']);
  assert.equal(c.name, 'hollow-nodes');
  assert.deepEqual(c.opts, {
    apiUrl: 'http://127.0.0.1:6443', kubeconfig: join(process.cwd(), 'admin.kubeconfig'), count: 5, namePrefix: 'sim.', addressOffset: 100,
    rootDir: join(process.cwd(), 'h'), heartbeatMs: 60_000, startBurst: 50,
  });
  for (const args of [['hollow-nodes'], ['hollow-nodes', '--count', '0'], ['hollow-nodes', '--count', '2.5'], ['hollow-nodes', '--count', '32769'],
    ['hollow-nodes', '--count', '1', '--name-prefix', 'Hollow-'], ['hollow-nodes', '--count', '10', '--address-offset', '32760']]) {
    const r = recorder();
    await assert.rejects(r.program.parseAsync(['node', 'skiff', ...args]), args.join(' '));
    assert.equal(r.calls.length, 0, args.join(' '));
  }
});

test('controller-manager: the cluster signing cert and key go together', async () => {
  const c = await parse(['controller-manager', '--cluster-signing-cert-file', 'ca.crt', '--cluster-signing-key-file', 'ca.key']);
  assert.deepEqual([(c.opts as { clusterSigningCertFile?: string }).clusterSigningCertFile, (c.opts as { clusterSigningKeyFile?: string }).clusterSigningKeyFile], [join(process.cwd(), 'ca.crt'), join(process.cwd(), 'ca.key')]);
  const r = recorder();
  await assert.rejects(r.program.parseAsync(['node', 'skiff', 'controller-manager', '--cluster-signing-cert-file', 'ca.crt']));
  assert.equal(r.calls.length, 0);
});

test('--log-level and -v on every subcommand; SKIFF_DEBUG is the default', async () => {
  const cases: Array<[string[], Record<string, string>, string]> = [
    [['scheduler'], {}, 'info'],
    [['scheduler'], { SKIFF_DEBUG: '1' }, 'debug'],
    [['kubelet', '-v', '4'], {}, 'trace'],
    [['proxy', '--log-level', 'warn'], {}, 'warn'],
    [['etcd-snapshot', 'list', '-v', '2'], {}, 'debug'],
    [['server', '--log-level', 'error', '-v', '4'], {}, 'error'],
  ];
  for (const [args, vars, want] of cases) {
    const r = recorder(vars);
    await r.program.parseAsync(['node', 'skiff', ...args]);
    assert.deepEqual(r.levels, [want], args.join(' '));
  }
});
