import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, existsSync, writeFileSync, statSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { buildKubeconfig, renderKubeconfig, writeKubeconfig } from './kubeconfig.ts';
import { parseRegistryMirror, renderHostsToml, writeRegistryMirrors } from './registry-mirror.ts';
import { serverPaths } from './config.ts';
import { formatSeconds, Progress } from './progress.ts';
import { PassThrough } from 'node:stream';

test('kubeconfig: one cluster, user and context, current-context skiff', () => {
  const text = renderKubeconfig({ server: 'http://127.0.0.1:6443' });
  assert.deepEqual(parse(text), {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'skiff', cluster: { server: 'http://127.0.0.1:6443' } }],
    users: [{ name: 'admin', user: {} }],
    contexts: [{ name: 'skiff', context: { cluster: 'skiff', user: 'admin' } }],
    'current-context': 'skiff',
    preferences: {},
  });
  assert.equal(buildKubeconfig({ server: 'http://x:1', clusterName: 'c', userName: 'u', contextName: 'k' })['current-context'], 'k');
});

test('kubeconfig: written with mode 0600 and readable by kubectl when present', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-kc-'));
  const file = join(dir, 'admin.kubeconfig');
  writeKubeconfig(file, { server: 'http://127.0.0.1:16443' });
  writeKubeconfig(file, { server: 'http://127.0.0.1:16443' }); // idempotent rewrite
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const kc = parse(readFileSync(file, 'utf8')) as { clusters: Array<{ cluster: { server: string } }> };
  assert.equal(kc.clusters[0].cluster.server, 'http://127.0.0.1:16443');
  rmSync(dir, { recursive: true, force: true });
});

const mirrorCases: Array<{ in: string; want?: { host: string; url: string }; err?: RegExp }> = [
  { in: 'docker.io=http://127.0.0.1:5000', want: { host: 'docker.io', url: 'http://127.0.0.1:5000' } },
  { in: 'registry.k8s.io=http://127.0.0.1:5000/', want: { host: 'registry.k8s.io', url: 'http://127.0.0.1:5000' } },
  { in: '10.0.0.1:5000=https://mirror.local:443', want: { host: '10.0.0.1:5000', url: 'https://mirror.local:443' } },
  { in: 'docker.io', err: /HOST=URL/ },
  { in: '=http://x', err: /HOST=URL/ },
  { in: 'a/b=http://x', err: /bad registry host/ },
  { in: 'docker.io=127.0.0.1:5000', err: /http/ },
  { in: 'docker.io=ftp://x', err: /http:\/\/ or https/ },
];
for (const c of mirrorCases) {
  test(`parseRegistryMirror(${JSON.stringify(c.in)})`, () => {
    if (c.err) assert.throws(() => parseRegistryMirror(c.in), c.err);
    else assert.deepEqual(parseRegistryMirror(c.in), c.want);
  });
}

test('renderHostsToml: server plus a pull/resolve host entry, no mirrors table', () => {
  const text = renderHostsToml('http://127.0.0.1:5000');
  const lines = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  assert.deepEqual(lines, [
    'server = "http://127.0.0.1:5000"',
    '[host."http://127.0.0.1:5000"]',
    '  capabilities = ["pull", "resolve"]',
  ]);
  assert.doesNotMatch(text, /mirrors/);
});

test('writeRegistryMirrors: writes per-host files, drops its own stale ones, keeps foreign ones', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-certs-'));
  writeRegistryMirrors(dir, [
    { host: 'docker.io', url: 'http://127.0.0.1:5000' },
    { host: 'quay.io', url: 'http://127.0.0.1:5001' },
  ]);
  mkdirSync(join(dir, 'ghcr.io'));
  writeFileSync(join(dir, 'ghcr.io', 'hosts.toml'), 'server = "https://ghcr.io"\n');
  writeRegistryMirrors(dir, [{ host: 'docker.io', url: 'http://127.0.0.1:5002' }]);
  assert.match(readFileSync(join(dir, 'docker.io', 'hosts.toml'), 'utf8'), /server = "http:\/\/127.0.0.1:5002"/);
  assert.equal(existsSync(join(dir, 'quay.io')), false);
  assert.equal(existsSync(join(dir, 'ghcr.io', 'hosts.toml')), true);
  rmSync(dir, { recursive: true, force: true });
});

test('serverPaths follows the documented layout', () => {
  const p = serverPaths('/var/lib/skiff');
  assert.equal(p.etcdDir, '/var/lib/skiff/etcd');
  assert.equal(p.containerdSocket, '/var/lib/skiff/containerd/containerd.sock');
  assert.equal(p.containerdConfig, '/var/lib/skiff/containerd/config.toml');
  assert.equal(p.certsDir, '/var/lib/skiff/containerd/certs.d');
  assert.equal(p.cniConfDir, '/var/lib/skiff/cni/net.d');
  assert.equal(p.kubeletDir, '/var/lib/skiff/kubelet');
  assert.equal(p.runDir, '/var/lib/skiff/run');
  assert.equal(p.kubeconfig, '/var/lib/skiff/admin.kubeconfig');
});

test('progress lines', () => {
  assert.equal(formatSeconds(812), '0.8s');
  assert.equal(formatSeconds(12_345), '12.3s');
  assert.equal(formatSeconds(-5), '0.0s');
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => { text += c.toString(); });
  let now = 1_000;
  const p = new Progress(out, () => now);
  const s = p.step('etcd');
  now += 800;
  s.ok();
  const k = p.step('kubelet');
  now += 120_000;
  k.fail('not ready after 120s');
  assert.equal(text, '✓ etcd ready (0.8s)\n✗ kubelet not ready after 120s (120.0s)\n');
});
