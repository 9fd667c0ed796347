/**
 * A second `skiff server` joining the first, for real: a TLS etcd on
 * loopback shared by both (external etcd), the first server's real API
 * server, then `--server https://first --token T`: the second gets the same
 * CA and ServiceAccount key and its own serving cert, and kubectl works
 * against either with either server's admin kubeconfig, and both hold the
 * same agent token. A token naming another CA, and the agent token, are
 * refused before anything is written.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { createLogger } from '../../apiserver/api/log.ts';
import { readEtcdClientTLS } from '../../apiserver/storage/etcd-client.ts';
import type { ClusterIdentity } from '../pki/specs.ts';
import { startEtcdCluster, type TestEtcdCluster } from '../../testutil/etcd-cluster.ts';
import { freePort } from '../../testutil/etcd.ts';
import { kubectlBin } from '../../testutil/kubectl.ts';
import { usePKIs } from '../../testutil/pki.ts';
import type { ServerConfig } from './config.ts';
import { etcdTLSFiles } from './etcd-tls.ts';
import { runServer } from './server.ts';
import { pollUntil } from './wait.ts';

const exec = promisify(execFile);
const cluster: ClusterIdentity = { hostname: 'etcd', serverIPs: ['127.0.0.1'], serviceCIDR: '10.96.0.0/12', nodes: [] };
const pki = usePKIs('server-join', cluster);
const missing = process.getuid?.() !== 0 ? 'needs root'
  : !existsSync('/usr/bin/etcd') ? '/usr/bin/etcd missing'
    : !existsSync(kubectlBin(33)) ? 'kubectl 1.33 missing' : undefined;

interface Running { cfg: ServerConfig; ac: AbortController; done: Promise<void>; out: () => string }
const s = { etcd: undefined as TestEtcdCluster | undefined, servers: [] as Running[] };

async function start(name: string, extra: Partial<ServerConfig>): Promise<Running> {
  assert.ok(s.etcd);
  const files = etcdTLSFiles(pki.dataDir);
  const cfg: ServerConfig = {
    dataDir: join(pki.dir, name), clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12', apiPort: await freePort(), bindAddress: '127.0.0.1',
    nodeName: name, nodeIP: '127.0.0.1', containerdSocket: join(pki.dir, 'no-containerd.sock'), registryMirrors: [], etcdClientPort: 1, etcdPeerPort: 1,
    externalEtcd: { endpoints: s.etcd.endpoints, tls: files.client }, ...extra,
  };
  let text = '';
  const out = new PassThrough();
  out.on('data', (c: Buffer) => { text = (text + c.toString()).slice(-20_000); });
  const ac = new AbortController();
  const done = runServer(cfg, ac.signal, { out, log: createLogger('test', new PassThrough()), components: ['apiserver'], timeouts: { etcdMs: 30_000 } });
  const r = { cfg, ac, done, out: () => text };
  s.servers.push(r);
  return r;
}

/** kubectl 1.33 with `kubeconfig`, against `port`; never throws on a non-zero exit. */
async function kubectl(kubeconfig: string, port: number, args: string[]): Promise<{ out: string; code: number }> {
  try {
    const r = await exec(kubectlBin(33), ['--kubeconfig', kubeconfig, '--server', `https://127.0.0.1:${port}`, ...args], { timeout: 60_000, env: { ...process.env, HOME: pki.dir } });
    return { out: r.stdout + r.stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number };
    return { out: `${e.stdout ?? ''}${e.stderr ?? ''}`, code: typeof e.code === 'number' ? e.code : 1 };
  }
}

describe('a second skiff server joins with --server and --token', { skip: missing }, () => {
  let first: Running;
  let second: Running;
  before(async () => {
    await pki.ready();
    const files = etcdTLSFiles(pki.dataDir);
    s.etcd = await startEtcdCluster({ dir: join(pki.dir, 'etcd'), size: 1, tls: files.server, clientTLS: await readEtcdClientTLS(files.client) });
    first = await start('srv1', {});
    first.done.catch(() => {});
    assert.ok(await pollUntil(async () => /server bootstrap data for joining servers: stored in etcd/.test(first.out()), { timeoutMs: 90_000 }), first.out());
    const token = readFileSync(join(first.cfg.dataDir, 'token'), 'utf8').trim();
    second = await start('srv2', { join: { server: `https://127.0.0.1:${first.cfg.apiPort}`, token } });
    second.done.catch(() => {});
    assert.ok(await pollUntil(async () => second.out().includes('Skiff is running.'), { timeoutMs: 90_000 }), second.out());
  });
  after(async () => {
    for (const r of s.servers) r.ac.abort();
    await Promise.all(s.servers.map((r) => r.done.catch(() => {})));
    await s.etcd?.stop();
  });

  test('same CA, ServiceAccount key, server token and agent token; its own serving cert', () => {
    const f = (r: Running, p: string): string => readFileSync(join(r.cfg.dataDir, p), 'utf8');
    for (const p of ['tls/server-ca.crt', 'tls/server-ca.key', 'tls/service.key', 'token', 'agent-token']) assert.equal(f(second, p), f(first, p), p);
    assert.notEqual(f(second, 'tls/serving-kube-apiserver.crt'), f(first, 'tls/serving-kube-apiserver.crt'));
    assert.match(second.out(), /^✓ join https:\/\/127\.0\.0\.1:\d+ as a server/m);
  });

  test('kubectl works against either server with either admin kubeconfig; both see the same objects', async () => {
    const kc = (r: Running): string => join(r.cfg.dataDir, 'admin.kubeconfig');
    const made = await kubectl(kc(first), first.cfg.apiPort, ['create', 'configmap', 'from-first', '--from-literal', 'k=1']);
    assert.equal(made.code, 0, made.out);
    for (const [who, port] of [[first, second.cfg.apiPort], [second, first.cfg.apiPort], [second, second.cfg.apiPort]] as const) {
      const got = await kubectl(kc(who), port, ['get', 'configmap', 'from-first', '-o', 'jsonpath={.data.k}']);
      assert.equal(got.code, 0, got.out);
      assert.equal(got.out, '1');
    }
  });

  test('a ServiceAccount token minted by the first apiserver authenticates at the second (shared signing key)', async () => {
    const kc = join(first.cfg.dataDir, 'admin.kubeconfig');
    const sa = await kubectl(kc, first.cfg.apiPort, ['create', 'serviceaccount', 'probe']);
    assert.equal(sa.code, 0, sa.out);
    const tok = await kubectl(kc, first.cfg.apiPort, ['create', 'token', 'probe']);
    assert.equal(tok.code, 0, tok.out);
    // A kubeconfig with no user: only the token authenticates.
    const bare = join(pki.dir, 'token-only.kubeconfig');
    writeFileSync(bare, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
    const who = await kubectl(bare, second.cfg.apiPort, ['--certificate-authority', join(second.cfg.dataDir, 'tls', 'server-ca.crt'), '--token', tok.out.trim(),
      'auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
    assert.equal(who.code, 0, who.out);
    assert.equal(who.out, 'system:serviceaccount:default:probe');
  });

  test('a token naming another CA is refused and nothing is written', async () => {
    const token = readFileSync(join(first.cfg.dataDir, 'token'), 'utf8').trim();
    const wrong = `K10${'0'.repeat(64)}${token.slice(token.indexOf('::'))}`;
    const r = await start('srv3', { join: { server: `https://127.0.0.1:${first.cfg.apiPort}`, token: wrong } });
    await assert.rejects(r.done, /does not match the token/);
    assert.equal(existsSync(join(r.cfg.dataDir, 'tls')), false);
    assert.equal(existsSync(join(r.cfg.dataDir, 'token')), false);
  });

  test('a server join with the agent token is refused before etcd is read, and nothing is written', async () => {
    const agentToken = readFileSync(join(first.cfg.dataDir, 'agent-token'), 'utf8').trim();
    const r = await start('srv4', { join: { server: `https://127.0.0.1:${first.cfg.apiPort}`, token: agentToken } });
    await assert.rejects(r.done, /this is an agent token: it joins agents only/);
    for (const p of ['tls', 'token', 'agent-token']) assert.equal(existsSync(join(r.cfg.dataDir, p)), false, p);
  });

  test('with the first server stopped, the joined server restarts and serves on its own', async () => {
    first.ac.abort();
    await first.done;
    second.ac.abort();
    await second.done;
    const again = await start('srv2', { apiPort: second.cfg.apiPort, join: second.cfg.join });
    again.done.catch(() => {});
    assert.ok(await pollUntil(async () => again.out().includes('Skiff is running.'), { timeoutMs: 90_000 }), again.out());
    assert.match(again.out(), /^✓ join https:\/\/127\.0\.0\.1:\d+ as a server/m);
    const got = await kubectl(join(again.cfg.dataDir, 'admin.kubeconfig'), again.cfg.apiPort, ['get', 'configmap', 'from-first', '-o', 'jsonpath={.data.k}']);
    assert.equal(got.code, 0, got.out);
    assert.equal(got.out, '1');
  });
});
