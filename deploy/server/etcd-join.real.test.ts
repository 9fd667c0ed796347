/**
 * The embedded etcd's HA join for real (Debian's etcd 3.4 on loopback, TLS
 * from one etcd CA): a first member started by startEmbeddedEtcd, a second
 * joining it (learner added, etcd started with state existing, promoted),
 * writes through one read through the other; a restart of the joined
 * member adds nothing; a join whose etcd never comes up leaves no member
 * behind and the next start completes it; a member advertising an old peer
 * URL is updated on its next start.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { createEtcdClient, readEtcdClientTLS, type EtcdClientTLS } from '../../apiserver/storage/etcd-client.ts';
import type { ClusterIdentity } from '../pki/specs.ts';
import { Supervisor } from '../supervisor/supervisor.ts';
import { freePort } from '../../testutil/etcd.ts';
import { quietLogger } from '../../testutil/log.ts';
import { usePKIs } from '../../testutil/pki.ts';
import { etcdAdvertiseClientUrl, etcdClientUrl, etcdPeerUrl, type EtcdOptions } from './etcd.ts';
import { etcdTLSFiles } from './etcd-tls.ts';
import { etcdJoinMarker, startEmbeddedEtcd } from './embedded-etcd.ts';
import { listMembers, membershipClient, removeMember } from './etcd-join.ts';
import type { EtcdMember } from './etcd-members.ts';

const cluster: ClusterIdentity = { hostname: 'etcd', serverIPs: ['127.0.0.1'], serviceCIDR: '10.96.0.0/12', nodes: [] };
const pki = usePKIs('etcd-join', cluster);
const missing = process.getuid?.() !== 0 ? 'needs root' : !existsSync('/usr/bin/etcd') ? '/usr/bin/etcd missing' : undefined;

/** One server's etcd: its options, its supervisor and its server data dir (for the join marker). */
interface Node { name: string; etcd: EtcdOptions; sup: Supervisor; dataDir: string; lines: string[] }
const s = { nodes: [] as Node[], tls: undefined as EtcdClientTLS | undefined };
const tls = (): EtcdClientTLS => {
  assert.ok(s.tls);
  return s.tls;
};

async function node(name: string, extra: Partial<EtcdOptions> = {}): Promise<Node> {
  const dataDir = join(pki.dir, name);
  const etcd: EtcdOptions = {
    dataDir: join(dataDir, 'etcd'), clientPort: await freePort(), peerPort: await freePort(), name, advertiseHost: '127.0.0.1', tls: etcdTLSFiles(pki.dataDir).server, ...extra,
  };
  const n = { name, etcd, dataDir, lines: [] as string[], sup: new Supervisor({ runDir: join(dataDir, 'run'), out: new PassThrough(), log: quietLogger('sup') }) };
  s.nodes.push(n);
  return n;
}

async function start(n: Node, joinVia?: string[], timeoutMs = 30_000): Promise<{ ok: true } | { error: string }> {
  return startEmbeddedEtcd({
    sup: n.sup, etcd: n.etcd, clientTLS: tls(), dataDir: n.dataDir, timeoutMs, addTimeoutMs: 30_000, signal: new AbortController().signal, line: (l) => n.lines.push(l), ...(joinVia ? { joinVia } : {}),
  });
}

async function members(via: Node): Promise<EtcdMember[]> {
  const c = membershipClient([etcdClientUrl(via.etcd)], tls());
  try {
    return await listMembers(c);
  } finally {
    c.close();
  }
}

describe('embedded etcd: a second server joins as a member', { skip: missing }, () => {
  let a: Node;
  let b: Node;
  before(async () => {
    await pki.ready();
    s.tls = await readEtcdClientTLS(etcdTLSFiles(pki.dataDir).client);
    a = await node('srv-a');
    assert.deepEqual(await start(a), { ok: true });
    b = await node('srv-b');
    assert.deepEqual(await start(b, [etcdAdvertiseClientUrl(a.etcd)]), { ok: true }, b.lines.join('\n'));
  });
  after(async () => {
    for (const n of [...s.nodes].reverse()) await n.sup.stopAll();
  });

  test('both are voting members, under their names and peer URLs; the join marker is gone', async () => {
    const m = await members(a);
    assert.deepEqual(m.map((x) => [x.name, x.peerURLs, x.isLearner]).sort(), [['srv-a', [etcdPeerUrl(a.etcd)], false], ['srv-b', [etcdPeerUrl(b.etcd)], false]]);
    assert.match(b.lines.join('\n'), /added learner member srv-b .*\n.*promoted to a voter/);
    assert.equal(existsSync(etcdJoinMarker(b.dataDir)), false);
  });

  test('a key written through one member is read through the other', async () => {
    const ca = createEtcdClient({ hosts: [etcdClientUrl(a.etcd)], tls: tls() });
    const cb = createEtcdClient({ hosts: [etcdClientUrl(b.etcd)], tls: tls() });
    try {
      await ca.put('/skiff-test/join').value('from-a');
      assert.equal(await cb.get('/skiff-test/join').string(), 'from-a');
      await cb.put('/skiff-test/join-b').value('from-b');
      assert.equal(await ca.get('/skiff-test/join-b').string(), 'from-b');
    } finally {
      ca.close();
      cb.close();
    }
  });

  test('a restart of the joined member reuses it: no second MemberAdd, same member ID', async () => {
    const before = await members(a);
    await b.sup.stopAll();
    b.sup = new Supervisor({ runDir: join(b.dataDir, 'run'), out: new PassThrough(), log: quietLogger('sup') });
    b.lines = [];
    assert.deepEqual(await start(b, [etcdAdvertiseClientUrl(a.etcd)]), { ok: true });
    assert.doesNotMatch(b.lines.join('\n'), /learner/);
    assert.deepEqual((await members(a)).map((x) => x.id).sort(), before.map((x) => x.id).sort());
  });

  test('a join whose etcd never gets healthy removes its learner again; the next start joins', async () => {
    const c = await node('srv-c', { binary: '/bin/false' });
    const failed = await start(c, [etcdAdvertiseClientUrl(a.etcd)], 3_000);
    assert.ok('error' in failed);
    assert.match(failed.error, /did not become healthy.*its learner member was removed again/);
    assert.equal((await members(a)).length, 2, 'no member of srv-c left behind');
    assert.equal(existsSync(etcdJoinMarker(c.dataDir)), true, 'the marker stays for the next start');
    await c.sup.stopAll();
    c.sup = new Supervisor({ runDir: join(c.dataDir, 'run'), out: new PassThrough(), log: quietLogger('sup') });
    c.etcd = { ...c.etcd, binary: '/usr/bin/etcd' };
    // joinVia is not given again: the marker tells where to join.
    assert.deepEqual(await start(c), { ok: true }, c.lines.join('\n'));
    const m = await members(a);
    assert.deepEqual(m.map((x) => [x.name, x.isLearner]).sort(), [['srv-a', false], ['srv-b', false], ['srv-c', false]]);
    await c.sup.stopAll();
    // A clean removal so the 2-member cluster keeps its quorum for the rest of the file.
    const rm = membershipClient([etcdClientUrl(a.etcd)], tls());
    try {
      assert.deepEqual(await removeMember(rm, m.find((x) => x.name === 'srv-c')?.id ?? ''), { ok: true });
    } finally {
      rm.close();
    }
  });
});

describe('embedded etcd: a member advertising an old peer URL is updated on its next start', { skip: missing }, () => {
  test('loopback-only member (an older Skiff) → advertises the node address after a restart with advertiseHost', async () => {
    await pki.ready();
    s.tls ??= await readEtcdClientTLS(etcdTLSFiles(pki.dataDir).client);
    const n = await node('srv-old', { advertiseHost: undefined });
    assert.deepEqual(await start(n), { ok: true });
    assert.deepEqual((await members(n)).map((x) => x.peerURLs), [[etcdPeerUrl(n.etcd)]]);
    await n.sup.stopAll();
    // 127.0.0.2 is loopback too, but another address: as a node IP would be.
    n.etcd = { ...n.etcd, advertiseHost: '127.0.0.2' };
    n.sup = new Supervisor({ runDir: join(n.dataDir, 'run'), out: new PassThrough(), log: quietLogger('sup') });
    assert.deepEqual(await start(n), { ok: true });
    assert.deepEqual((await members(n)).map((x) => x.peerURLs), [[`https://127.0.0.2:${n.etcd.peerPort}`]]);
    assert.match(n.lines.join('\n'), /now advertises its peer URL https:\/\/127\.0\.0\.2/);
    await n.sup.stopAll();
  });
});
