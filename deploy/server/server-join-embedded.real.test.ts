/**
 * A second `skiff server` joining a first that runs the EMBEDDED etcd, for
 * real (both on loopback, each with its own etcd ports, API port and data
 * dir; only the apiserver component): the second fetches the sealed
 * bootstrap data through the first's API server with the join token, adds
 * its etcd member, and serves; kubectl works against either with either
 * admin kubeconfig, objects written through one are read through the
 * other; both servers hold the same agent token; a restart of the joined
 * server adds no second member; a token naming another CA, and the agent
 * token, are refused before anything is written.
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
import { freePort } from '../../testutil/etcd.ts';
import { kubectlBin } from '../../testutil/kubectl.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { ServerConfig } from './config.ts';
import { etcdTLSFiles } from './etcd-tls.ts';
import { listMembers, membershipClient } from './etcd-join.ts';
import type { EtcdMember } from './etcd-members.ts';
import { runServer } from './server.ts';
import { pollUntil } from './wait.ts';

const exec = promisify(execFile);
const missing = process.getuid?.() !== 0 ? 'needs root'
  : !existsSync('/usr/bin/etcd') ? '/usr/bin/etcd missing'
    : !existsSync(kubectlBin(33)) ? 'kubectl 1.33 missing' : undefined;

interface Running { cfg: ServerConfig; ac: AbortController; done: Promise<void>; out: () => string }
const s = { dir: '', servers: [] as Running[] };

async function start(name: string, extra: Partial<ServerConfig>): Promise<Running> {
  const cfg: ServerConfig = {
    dataDir: join(s.dir, name), clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12', apiPort: await freePort(), bindAddress: '127.0.0.1',
    nodeName: name, nodeIP: '127.0.0.1', containerdSocket: join(s.dir, 'no-containerd.sock'), registryMirrors: [],
    etcdClientPort: await freePort(), etcdPeerPort: await freePort(), ...extra,
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
    const r = await exec(kubectlBin(33), ['--kubeconfig', kubeconfig, '--server', `https://127.0.0.1:${port}`, ...args], { timeout: 60_000, env: { ...process.env, HOME: s.dir } });
    return { out: r.stdout + r.stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number };
    return { out: `${e.stdout ?? ''}${e.stderr ?? ''}`, code: typeof e.code === 'number' ? e.code : 1 };
  }
}

async function members(r: Running): Promise<EtcdMember[]> {
  const files = etcdTLSFiles(r.cfg.dataDir);
  const c = membershipClient([`https://127.0.0.1:${r.cfg.etcdClientPort}`], await readEtcdClientTLS(files.client));
  try {
    return await listMembers(c);
  } finally {
    c.close();
  }
}

describe('a second skiff server joins a first with the embedded etcd', { skip: missing }, () => {
  let first: Running;
  let second: Running;
  before(async () => {
    s.dir = await mkdtemp(join(tmpdir(), 'skiff-join-embedded-'));
    first = await start('srv1', {});
    first.done.catch(() => {});
    assert.ok(await pollUntil(async () => /server bootstrap data for joining servers: stored in Secret/.test(first.out()), { timeoutMs: 90_000 }), first.out());
    const token = readFileSync(join(first.cfg.dataDir, 'token'), 'utf8').trim();
    second = await start('srv2', { join: { server: `https://127.0.0.1:${first.cfg.apiPort}`, token } });
    second.done.catch(() => {});
    assert.ok(await pollUntil(async () => second.out().includes('Skiff is running.'), { timeoutMs: 90_000 }), second.out());
  });
  after(async () => {
    for (const r of [...s.servers].reverse()) r.ac.abort();
    await Promise.all(s.servers.map((r) => r.done.catch(() => {})));
    if (s.dir) await rm(s.dir, { recursive: true, force: true });
  });

  test('same cluster CA, ServiceAccount key, etcd CA, server token and agent token; its own serving and etcd certs', () => {
    const f = (r: Running, p: string): string => readFileSync(join(r.cfg.dataDir, p), 'utf8');
    for (const p of ['tls/server-ca.crt', 'tls/server-ca.key', 'tls/service.key', 'tls/etcd/server-ca.crt', 'tls/etcd/server-ca.key', 'token', 'agent-token']) assert.equal(f(second, p), f(first, p), p);
    assert.notEqual(f(first, 'agent-token'), f(first, 'token'));
    for (const p of ['tls/serving-kube-apiserver.crt', 'tls/etcd/server-client.crt', 'tls/etcd/peer-server-client.crt']) assert.notEqual(f(second, p), f(first, p), p);
    assert.match(second.out(), /^✓ join https:\/\/127\.0\.0\.1:\d+ as a server/m);
    assert.match(second.out(), /added learner member srv2/);
  });

  test('the etcd cluster has both servers as voting members', async () => {
    const m = await members(second);
    assert.deepEqual(m.map((x) => [x.name, x.isLearner]).sort(), [['srv1', false], ['srv2', false]]);
  });

  test('kubectl works against either server with either admin kubeconfig; an object written through one is read through the other', async () => {
    const kc = (r: Running): string => join(r.cfg.dataDir, 'admin.kubeconfig');
    const made = await kubectl(kc(first), first.cfg.apiPort, ['create', 'configmap', 'from-first', '--from-literal', 'k=1']);
    assert.equal(made.code, 0, made.out);
    const back = await kubectl(kc(second), second.cfg.apiPort, ['create', 'configmap', 'from-second', '--from-literal', 'k=2']);
    assert.equal(back.code, 0, back.out);
    for (const [who, port, name, want] of [[first, second.cfg.apiPort, 'from-first', '1'], [second, first.cfg.apiPort, 'from-second', '2'], [second, second.cfg.apiPort, 'from-first', '1']] as const) {
      const got = await kubectl(kc(who), port, ['get', 'configmap', name, '-o', 'jsonpath={.data.k}']);
      assert.equal(got.code, 0, got.out);
      assert.equal(got.out, want);
    }
  });

  test('a token naming another CA is refused and nothing is written', async () => {
    const token = readFileSync(join(first.cfg.dataDir, 'token'), 'utf8').trim();
    const wrong = `K10${'0'.repeat(64)}${token.slice(token.indexOf('::'))}`;
    const r = await start('srv3', { join: { server: `https://127.0.0.1:${first.cfg.apiPort}`, token: wrong } });
    await assert.rejects(r.done, /does not match the token/);
    assert.equal(existsSync(join(r.cfg.dataDir, 'tls')), false);
    assert.equal(existsSync(join(r.cfg.dataDir, 'token')), false);
    assert.equal((await members(first)).length, 2);
  });

  test('a server join with the agent token is refused with the reason and nothing is written', async () => {
    const agentToken = readFileSync(join(first.cfg.dataDir, 'agent-token'), 'utf8').trim();
    const r = await start('srv4', { join: { server: `https://127.0.0.1:${first.cfg.apiPort}`, token: agentToken } });
    await assert.rejects(r.done, /this is an agent token: it joins agents only/);
    for (const p of ['tls', 'token', 'agent-token']) assert.equal(existsSync(join(r.cfg.dataDir, p)), false, p);
    assert.equal((await members(first)).length, 2);
  });

  test('a restart of the joined server reuses its etcd member: no second MemberAdd', async () => {
    const ids = (await members(first)).map((m) => m.id).sort();
    second.ac.abort();
    await second.done;
    const again = await start('srv2', { apiPort: second.cfg.apiPort, etcdClientPort: second.cfg.etcdClientPort, etcdPeerPort: second.cfg.etcdPeerPort, join: second.cfg.join });
    again.done.catch(() => {});
    assert.ok(await pollUntil(async () => again.out().includes('Skiff is running.'), { timeoutMs: 90_000 }), again.out());
    assert.doesNotMatch(again.out(), /learner/);
    assert.deepEqual((await members(first)).map((m) => m.id).sort(), ids);
    const got = await kubectl(join(again.cfg.dataDir, 'admin.kubeconfig'), again.cfg.apiPort, ['get', 'configmap', 'from-first', '-o', 'jsonpath={.data.k}']);
    assert.equal(got.code, 0, got.out);
    assert.equal(got.out, '1');
  });
});
