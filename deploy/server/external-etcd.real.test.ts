/**
 * `skiff server` against a real external 3-member etcd cluster with TLS on
 * loopback: no embedded etcd, the real API server (runServer components
 * ['apiserver']) on the given endpoints and files, kubectl through the
 * admin kubeconfig, and the same after one member is killed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { createLogger } from '../../apiserver/api/log.ts';
import { readEtcdClientTLS } from '../../apiserver/storage/etcd-client.ts';
import type { ClusterIdentity } from '../pki/specs.ts';
import type { Supervisor } from '../supervisor/supervisor.ts';
import { startEtcdCluster, type TestEtcdCluster } from '../../testutil/etcd-cluster.ts';
import { freePort } from '../../testutil/etcd.ts';
import { kubectlBin } from '../../testutil/kubectl.ts';
import { usePKIs } from '../../testutil/pki.ts';
import { etcdTLSFiles } from './etcd-tls.ts';
import { runServer } from './server.ts';
import { httpReady, pollUntil } from './wait.ts';

const exec = promisify(execFile);
const cluster: ClusterIdentity = { hostname: 'etcd', serverIPs: ['127.0.0.1'], serviceCIDR: '10.96.0.0/12', nodes: [] };
const pki = usePKIs('external-etcd', cluster);
const missing = process.getuid?.() !== 0 ? 'needs root'
  : !existsSync('/usr/bin/etcd') ? '/usr/bin/etcd missing'
    : !existsSync(kubectlBin(33)) ? 'kubectl 1.33 missing' : undefined;

const s = {
  etcd: undefined as TestEtcdCluster | undefined, ac: new AbortController(), running: undefined as Promise<void> | undefined,
  sup: undefined as Supervisor | undefined, out: '', dataDir: '', apiPort: 0,
};

/** kubectl 1.33 with the server's admin kubeconfig; never throws on a non-zero exit. */
async function kubectl(args: string[]): Promise<{ out: string; code: number }> {
  try {
    const r = await exec(kubectlBin(33), ['--kubeconfig', join(s.dataDir, 'admin.kubeconfig'), ...args], { timeout: 60_000, env: { ...process.env, HOME: pki.dir } });
    return { out: r.stdout + r.stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number };
    return { out: `${e.stdout ?? ''}${e.stderr ?? ''}`, code: typeof e.code === 'number' ? e.code : 1 };
  }
}

describe('skiff server with an external 3-member etcd cluster', { skip: missing }, () => {
  before(async () => {
    await pki.ready();
    const files = etcdTLSFiles(pki.dataDir);
    s.etcd = await startEtcdCluster({ dir: join(pki.dir, 'etcd'), size: 3, tls: files.server, clientTLS: await readEtcdClientTLS(files.client) });
    s.dataDir = join(pki.dir, 'server');
    s.apiPort = await freePort();
    const out = new PassThrough();
    out.on('data', (c: Buffer) => { s.out = (s.out + c.toString()).slice(-20_000); });
    s.running = runServer({
      dataDir: s.dataDir, clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12', apiPort: s.apiPort, bindAddress: '127.0.0.1', nodeName: 'n1',
      nodeIP: '127.0.0.1', containerdSocket: join(pki.dir, 'no-containerd.sock'), registryMirrors: [],
      // Ports of an embedded etcd that must not be started; the members above hold other ports.
      etcdClientPort: 1, etcdPeerPort: 1,
      externalEtcd: { endpoints: s.etcd.endpoints, tls: files.client },
    }, s.ac.signal, { out, log: createLogger('test', new PassThrough()), components: ['apiserver'], onSupervisor: (x) => { s.sup = x; } });
    s.running.catch(() => {});
    assert.ok(await pollUntil(async () => s.out.includes('Skiff is running.'), { timeoutMs: 90_000 }), `started; output:\n${s.out}\netcd:\n${s.etcd.stderr()}`);
  });
  after(async () => {
    s.ac.abort();
    await s.running?.catch(() => {});
    await s.etcd?.stop();
  });

  test('no embedded etcd: the etcd step names the external endpoints and no etcd child or data dir exists', () => {
    assert.match(s.out, /^✓ etcd \(external: https:\/\/127\.0\.0\.1:\d+, https:\/\/127\.0\.0\.1:\d+, https:\/\/127\.0\.0\.1:\d+\) ready/m);
    assert.equal(existsSync(join(s.dataDir, 'etcd')), false);
    assert.equal(existsSync(join(s.dataDir, 'run', 'etcd.pid')), false);
    assert.ok(existsSync(join(s.dataDir, 'run', 'apiserver.pid')));
  });

  test('/healthz over https and kubectl work; after one member is killed they still do', async () => {
    const ca = readFileSync(join(s.dataDir, 'tls', 'server-ca.crt'), 'utf8');
    assert.equal(await httpReady(`https://127.0.0.1:${s.apiPort}/healthz`, /^ok$/, { tls: { ca } }), true);
    const ns = await kubectl(['get', 'namespaces', '-o', 'name']);
    assert.equal(ns.code, 0, ns.out);
    assert.match(ns.out, /namespace\/kube-system/);
    const made = await kubectl(['create', 'configmap', 'before', '--from-literal', 'k=v1']);
    assert.equal(made.code, 0, made.out);

    assert.ok(s.etcd);
    await s.etcd.kill(0);
    assert.equal(await httpReady(`https://127.0.0.1:${s.apiPort}/healthz`, /^ok$/, { tls: { ca } }), true);
    const got = await kubectl(['get', 'configmap', 'before', '-o', 'jsonpath={.data.k}']);
    assert.equal(got.code, 0, got.out);
    assert.equal(got.out, 'v1');
    for (const name of ['after-1', 'after-2', 'after-3', 'after-4', 'after-5', 'after-6']) {
      const w = await kubectl(['create', 'configmap', name, '--from-literal', `k=${name}`]);
      assert.equal(w.code, 0, `${name}: ${w.out}`);
    }
    const list = await kubectl(['get', 'configmaps', '-o', 'name']);
    assert.equal(list.code, 0, list.out);
    for (const name of ['before', 'after-1', 'after-6']) assert.match(list.out, new RegExp(`configmap/${name}$`, 'm'));
  });
});
