import { test } from 'node:test';
import assert from 'node:assert/strict';
import { componentPlans, listenPorts, type ClusterWiring } from './components.ts';
import { credentialPaths } from './credentials.ts';
import { serverPaths, type ServerConfig } from './config.ts';
import { etcdAdvertiseClientUrl, etcdArgs, etcdChildSpec, etcdClientUrl, etcdPeerUrl } from './etcd.ts';
import { etcdTLSFiles } from './etcd-tls.ts';
import { containerdConfigText } from './containerd.ts';
import { looksLikeChild } from './stale.ts';

const cfg: ServerConfig = {
  dataDir: '/d', clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12', apiPort: 6443,
  nodeName: 'node-a', registryMirrors: [], etcdClientPort: 2479, etcdPeerPort: 2480,
};

/** Reads `--flag value` pairs after the component name. */
function flags(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) if (args[i].startsWith('--')) out[args[i]] = args[i + 1];
  return out;
}

const creds = credentialPaths('/d', 'node-a');
const wiring: ClusterWiring = { containerdSocket: '/d/containerd/containerd.sock', nodeIP: '10.1.0.2', creds, etcd: { url: 'https://127.0.0.1:2479', tls: { caFile: '/e/ca', certFile: '/e/c', keyFile: '/e/k' } } };

test('componentPlans: order, launcher and per-component flags: HTTPS, Node,RBAC, a kubeconfig each, kubelet TLS', () => {
  const plans = componentPlans(cfg, serverPaths('/d'), { command: '/usr/bin/node', args: ['/r/deploy/bin/skiff.mjs'] }, wiring, 4242);
  assert.deepEqual(plans.map((p) => p.spec.name), ['apiserver', 'scheduler', 'controller-manager', 'kubelet', 'proxy']);
  assert.deepEqual(plans.map((p) => p.critical), [true, false, false, false, false]);
  assert.deepEqual(plans.map((p) => p.healthUrl), [
    'https://127.0.0.1:6443/healthz', 'http://127.0.0.1:10259/healthz', 'http://127.0.0.1:10257/healthz',
    'http://127.0.0.1:10248/healthz', 'http://127.0.0.1:10256/healthz',
  ]);
  assert.equal(plans[0].healthCA, '/d/tls/server-ca.crt');
  for (const p of plans) {
    assert.equal(p.spec.command, '/usr/bin/node');
    assert.deepEqual(p.spec.args.slice(0, 2), ['/r/deploy/bin/skiff.mjs', p.spec.name]);
    assert.equal(p.spec.env?.SKIFF_PARENT_PID, '4242');
  }
  const [api, sched, cm, kubelet, proxy] = plans.map((p) => flags(p.spec.args));
  assert.deepEqual(api, {
    '--etcd-endpoints': 'https://127.0.0.1:2479', '--etcd-cafile': '/e/ca', '--etcd-certfile': '/e/c', '--etcd-keyfile': '/e/k',
    '--bind-address': '0.0.0.0', '--port': '6443', '--service-cidr': '10.96.0.0/12', '--advertise-address': '10.1.0.2',
    '--tls-cert-file': '/d/tls/serving-kube-apiserver.crt', '--tls-private-key-file': '/d/tls/serving-kube-apiserver.key',
    '--client-ca-file': '/d/tls/server-ca.crt', '--service-account-key-file': '/d/tls/service.key', '--authorization-mode': 'Node,RBAC',
    '--kubelet-certificate-authority': '/d/tls/server-ca.crt', '--kubelet-client-certificate': '/d/tls/client-kube-apiserver.crt',
    '--kubelet-client-key': '/d/tls/client-kube-apiserver.key',
  });
  const le = { '--leader-elect-lease-duration': '8s', '--leader-elect-renew-deadline': '5s', '--leader-elect-retry-period': '1s' };
  assert.deepEqual(sched, { '--kubeconfig': '/d/cred/scheduler.kubeconfig', '--healthz-port': '10259', ...le });
  assert.deepEqual(cm, {
    '--kubeconfig': '/d/cred/controller.kubeconfig', '--root-ca-file': '/d/tls/server-ca.crt', '--service-account-private-key-file': '/d/tls/service.key', '--cluster-cidr': '10.244.0.0/16',
    '--cluster-signing-cert-file': '/d/tls/server-ca.crt', '--cluster-signing-key-file': '/d/tls/server-ca.key',
    '--node-cidr-mask-size': '24', '--healthz-port': '10257', ...le,
  });
  assert.deepEqual(kubelet, {
    '--kubeconfig': '/d/cred/kubelet.kubeconfig', '--node-name': 'node-a', '--node-ip': '10.1.0.2', '--containerd-socket': '/d/containerd/containerd.sock',
    '--root-dir': '/d/kubelet', '--cni-bin-dir': '/usr/lib/cni', '--cni-conf-dir': '/d/cni/net.d', '--port': '10250', '--healthz-port': '10248',
    '--cluster-dns': '10.96.0.10', '--cluster-domain': 'cluster.local',
    '--tls-cert-file': '/d/tls/serving-kubelet-node-a.crt', '--tls-private-key-file': '/d/tls/serving-kubelet-node-a.key',
    '--client-ca-file': '/d/tls/server-ca.crt', '--authorization-mode': 'Webhook',
    '--authentication-token-webhook': '--project-service-account-tokens', '--project-service-account-tokens': undefined as unknown as string,
  });
  assert.deepEqual(proxy, { '--kubeconfig': '/d/cred/kubeproxy.kubeconfig', '--node-name': 'node-a', '--service-cidr': '10.96.0.0/12', '--cluster-cidr': '10.244.0.0/16', '--healthz-port': '10256',
    '--cluster-dns': '10.96.0.10', '--cluster-domain': 'cluster.local', '--dns-port': '10053',
    '--dns-kubeconfig': '/d/cred/skiff-dns.kubeconfig' });
  for (const p of plans.slice(1)) assert.ok(!p.spec.args.includes('--api-url'), `${p.spec.name} reaches the API only through its kubeconfig`);
});

test('componentPlans: bind address and API port are passed through; no node IP: the kubelet picks and nothing is advertised; plain etcd', () => {
  const plans = componentPlans({ ...cfg, bindAddress: '127.0.0.1', apiPort: 7443 }, serverPaths('/d'), { command: 'n', args: [] },
    { ...wiring, nodeIP: '', etcd: { url: 'http://127.0.0.1:2479' } });
  const api = flags(plans[0].spec.args);
  assert.equal(api['--bind-address'], '127.0.0.1');
  assert.equal(api['--port'], '7443');
  for (const f of ['--advertise-address', '--etcd-cafile']) assert.ok(!(f in api), f);
  assert.ok(!('--node-ip' in flags(plans[3].spec.args)));
  assert.equal(plans[0].healthUrl, 'https://127.0.0.1:7443/healthz');
  assert.ok(!('--lb-pool' in flags(plans[2].spec.args)), 'no pool unless configured');
});

test('componentPlans: --lb-pool reaches the controller-manager only', () => {
  const plans = componentPlans({ ...cfg, lbPool: '10.77.0.240-10.77.0.250' }, serverPaths('/d'), { command: 'n', args: [] }, wiring);
  assert.deepEqual(plans.filter((p) => p.spec.args.includes('--lb-pool')).map((p) => [p.spec.name, flags(p.spec.args)['--lb-pool']]), [['controller-manager', '10.77.0.240-10.77.0.250']]);
});

test('etcdArgs: single member named skiff on the given data dir, run as child etcd', () => {
  const o = { dataDir: '/d/etcd', clientPort: 2479, peerPort: 2480 };
  const f = flags(etcdArgs(o));
  assert.equal(f['--name'], 'skiff');
  assert.equal(f['--data-dir'], '/d/etcd');
  const spec = etcdChildSpec(o);
  assert.equal(spec.name, 'etcd');
  assert.equal(spec.command, '/usr/bin/etcd');
});

test('etcdArgs with advertiseHost (the node IP): clients on loopback and it, peers on it only, both advertised there', () => {
  const o = { dataDir: '/d/etcd', clientPort: 2479, peerPort: 2480, name: 'node-1', advertiseHost: '10.0.0.1', tls: etcdTLS };
  const f = flags(etcdArgs(o));
  assert.equal(etcdClientUrl(o), 'https://127.0.0.1:2479');
  assert.equal(etcdAdvertiseClientUrl(o), 'https://10.0.0.1:2479');
  assert.equal(f['--listen-client-urls'], 'https://127.0.0.1:2479,https://10.0.0.1:2479');
  assert.equal(f['--advertise-client-urls'], 'https://10.0.0.1:2479');
  assert.equal(f['--listen-peer-urls'], 'https://10.0.0.1:2480');
  assert.equal(f['--initial-advertise-peer-urls'], 'https://10.0.0.1:2480');
  assert.equal(f['--initial-cluster'], 'node-1=https://10.0.0.1:2480');
  assert.equal(f['--initial-cluster-state'], 'new');
  const v6 = flags(etcdArgs({ ...o, advertiseHost: 'fd00::1' }));
  assert.equal(v6['--listen-peer-urls'], 'https://[fd00::1]:2480');
  const same = flags(etcdArgs({ ...o, advertiseHost: '127.0.0.1' }));
  assert.equal(same['--listen-client-urls'], 'https://127.0.0.1:2479');
});

test('etcdArgs of a joining member: the given --initial-cluster and state existing', () => {
  const o = { dataDir: '/d/etcd', clientPort: 2479, peerPort: 2480, name: 'node-2', advertiseHost: '10.0.0.2', initialCluster: 'node-1=https://10.0.0.1:2480,node-2=https://10.0.0.2:2480', initialClusterState: 'existing' as const };
  const f = flags(etcdArgs(o));
  assert.equal(f['--initial-cluster'], 'node-1=https://10.0.0.1:2480,node-2=https://10.0.0.2:2480');
  assert.equal(f['--initial-cluster-state'], 'existing');
});

const etcdTLS = {
  certFile: '/t/s.crt', keyFile: '/t/s.key', trustedCAFile: '/t/ca.crt',
  peerCertFile: '/t/p.crt', peerKeyFile: '/t/p.key', peerTrustedCAFile: '/t/pca.crt',
};

const tlsFlagNames = ['--cert-file', '--key-file', '--trusted-ca-file', '--client-cert-auth', '--peer-cert-file', '--peer-key-file', '--peer-trusted-ca-file', '--peer-client-cert-auth'];

for (const [name, tls, scheme] of [
  ['plain', undefined, 'http'],
  ['TLS', etcdTLS, 'https'],
] as const) {
  test(`etcdArgs ${name}: ${scheme} client and peer URLs on loopback${tls ? ', cert files and client-cert auth on both ports' : ', no TLS flags'}`, () => {
    const o = { dataDir: '/d/etcd', clientPort: 2479, peerPort: 2480, tls };
    const args = etcdArgs(o);
    const f = flags(args);
    assert.equal(etcdClientUrl(o), `${scheme}://127.0.0.1:2479`);
    assert.equal(etcdPeerUrl(o), `${scheme}://127.0.0.1:2480`);
    assert.equal(f['--listen-client-urls'], `${scheme}://127.0.0.1:2479`);
    assert.equal(f['--advertise-client-urls'], `${scheme}://127.0.0.1:2479`);
    assert.equal(f['--listen-peer-urls'], `${scheme}://127.0.0.1:2480`);
    assert.equal(f['--initial-advertise-peer-urls'], `${scheme}://127.0.0.1:2480`);
    assert.equal(f['--initial-cluster'], `skiff=${scheme}://127.0.0.1:2480`);
    if (!tls) {
      assert.deepEqual(tlsFlagNames.filter((n) => args.includes(n)), []);
      return;
    }
    assert.equal(f['--cert-file'], '/t/s.crt');
    assert.equal(f['--key-file'], '/t/s.key');
    assert.equal(f['--trusted-ca-file'], '/t/ca.crt');
    assert.equal(f['--peer-cert-file'], '/t/p.crt');
    assert.equal(f['--peer-key-file'], '/t/p.key');
    assert.equal(f['--peer-trusted-ca-file'], '/t/pca.crt');
    // The boolean flags stand alone: the next arg is another flag, never a value.
    for (const b of ['--client-cert-auth', '--peer-client-cert-auth']) {
      const i = args.indexOf(b);
      assert.ok(i > 0, b);
      assert.ok(i === args.length - 1 || args[i + 1].startsWith('--'), b);
    }
  });
}

test('etcdTLSFiles: etcd serves with etcd/server-client and etcd/peer-server-client, trusts only the etcd CA; the client side is the etcd CA and etcd/client', () => {
  assert.deepEqual(etcdTLSFiles('/d'), {
    server: {
      certFile: '/d/tls/etcd/server-client.crt', keyFile: '/d/tls/etcd/server-client.key', trustedCAFile: '/d/tls/etcd/server-ca.crt',
      peerCertFile: '/d/tls/etcd/peer-server-client.crt', peerKeyFile: '/d/tls/etcd/peer-server-client.key', peerTrustedCAFile: '/d/tls/etcd/server-ca.crt',
    },
    client: { caFile: '/d/tls/etcd/server-ca.crt', certFile: '/d/tls/etcd/client.crt', keyFile: '/d/tls/etcd/client.key' },
  });
});

test('containerd config: paths under the data dir, config_path certs.d, never mirrors', () => {
  const text = containerdConfigText({ paths: serverPaths('/d'), cniBinDir: '/usr/lib/cni', streamPort: 10010, restrictOomScoreAdj: true });
  assert.match(text, /^root = "\/d\/containerd\/root"$/m);
  assert.match(text, /^state = "\/d\/containerd\/state"$/m);
  assert.match(text, /address = "\/d\/containerd\/containerd.sock"/);
  assert.match(text, /config_path = "\/d\/containerd\/certs.d"/);
  assert.match(text, /conf_dir = "\/d\/cni\/net.d"/);
  assert.match(text, /restrict_oom_score_adj = true/);
  assert.match(text, /sandbox_image = "registry.k8s.io\/pause:3.9"/);
  assert.match(text, /stream_server_port = "10010"/);
  assert.doesNotMatch(text, /mirrors/);
  const real = containerdConfigText({ paths: serverPaths('/d'), cniBinDir: '/usr/lib/cni', streamPort: 10010, restrictOomScoreAdj: false });
  assert.match(real, /restrict_oom_score_adj = false/);
});

const cmdCases: Array<[string, string[], boolean]> = [
  ['etcd', ['/usr/bin/etcd', '--name', 'skiff'], true],
  ['etcd', ['/usr/bin/etcdctl', 'get'], false],
  ['containerd', ['/usr/bin/containerd', '--config', 'x'], true],
  ['containerd', ['/usr/bin/containerd-shim-runc-v2', '-namespace', 'k8s.io'], false],
  ['kubelet', ['/usr/bin/node', '/r/deploy/bin/skiff.mjs', 'kubelet', '--api-url', 'x'], true],
  ['kubelet', ['/usr/bin/node', '/r/deploy/bin/skiff.mjs', 'proxy'], false],
  ['apiserver', ['/usr/bin/node', '--import', 'tsx', 'deploy/cli.ts', 'apiserver'], true],
  ['apiserver', ['/usr/bin/vim', 'apiserver'], false],
  ['proxy', ['/usr/local/bin/skiff', 'proxy', '--kubeconfig', 'x'], true],
  ['scheduler', ['/tmp/d/skiff-linux-arm64', 'scheduler'], true],
  ['proxy', ['/usr/local/bin/skiff', 'kubelet'], false],
  ['proxy', ['/usr/bin/myskiff', 'proxy'], false],
  ['apiserver', [], false],
];
for (const [name, argv, want] of cmdCases) {
  test(`looksLikeChild(${name}, ${argv.join(' ')}) = ${want}`, () => {
    assert.equal(looksLikeChild(argv.join('\0') + '\0', name), want);
  });
}

test('listenPorts: all ports of a full server, and only the chosen parts otherwise', () => {
  assert.deepEqual(listenPorts(cfg).map((u) => u.port), [2479, 2480, 10010, 6443, 10259, 10257, 10250, 10248, 10256, 10053]);
  const some = listenPorts({ ...cfg, containerdSocket: '/run/c.sock', apiPort: 7443 }, ['apiserver']);
  assert.deepEqual(some, [
    { owner: 'etcd (client)', port: 2479 }, { owner: 'etcd (peer)', port: 2480 }, { owner: 'apiserver', port: 7443 },
  ]);
});

test('components inherit the log level and format the CLI decided (SKIFF_LOG_LEVEL, SKIFF_LOG_FORMAT)', () => {
  const saved = { level: process.env.SKIFF_LOG_LEVEL, format: process.env.SKIFF_LOG_FORMAT };
  process.env.SKIFF_LOG_LEVEL = 'debug';
  process.env.SKIFF_LOG_FORMAT = 'pretty';
  try {
    for (const p of componentPlans(cfg, serverPaths('/d'), { command: 'n', args: [] }, wiring)) {
      assert.equal(p.spec.env?.SKIFF_LOG_LEVEL, 'debug', p.spec.name);
      assert.equal(p.spec.env?.SKIFF_LOG_FORMAT, 'pretty', p.spec.name);
    }
  } finally {
    for (const [k, v] of [['SKIFF_LOG_LEVEL', saved.level], ['SKIFF_LOG_FORMAT', saved.format]] as const) {
      if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  }
});
