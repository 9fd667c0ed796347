/**
 * etcd snapshots for real: Debian's etcd 3.4 with the cluster PKI's TLS in a
 * server data dir, the real API server on it, and the real `skiff
 * etcd-snapshot` actions. Objects made through the API are saved, the
 * keyspace is then changed, etcd stopped, the snapshot restored with
 * etcdctl, and etcd started again: every key comes back with its value and
 * mod_revision (= resourceVersion), the later changes are gone, and the API
 * server serves the objects at their old resourceVersions. The schedule,
 * driven by a stepping clock, keeps only the newest `retention` snapshots.
 */
import { stopChild } from '../../testutil/child.ts';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, stat, writeFile, rm, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runApiServer } from '../../apiserver/main.ts';
import { createEtcdClient, readEtcdClientTLS } from '../../apiserver/storage/etcd-client.ts';
import { freePort } from '../../testutil/etcd.ts';
import { quietLogger } from '../../testutil/log.ts';
import { usePKIs } from '../../testutil/pki.ts';
import type { ClusterIdentity } from '../pki/specs.ts';
import { serverPaths } from '../server/config.ts';
import { etcdChildSpec, etcdClientUrl, waitForEtcd, type EtcdOptions } from '../server/etcd.ts';
import { etcdTLSFiles } from '../server/etcd-tls.ts';
import { etcdSnapshotActions } from './actions.ts';
import { startSnapshotSchedule, type ScheduledRun } from './schedule.ts';
import { steppingClock } from './testing.ts';

const cluster: ClusterIdentity = { hostname: 'srv1', serverIPs: ['127.0.0.1'], serviceCIDR: '10.96.0.0/12', nodes: [{ name: 'srv1', ips: ['127.0.0.1'] }] };
const pki = usePKIs('snapshot', cluster);
const missing = process.getuid?.() !== 0 ? 'needs root'
  : !existsSync('/usr/bin/etcd') ? '/usr/bin/etcd missing (apt-get install etcd-server)'
    : !existsSync('/usr/bin/etcdctl') ? '/usr/bin/etcdctl missing (apt-get install etcd-client)' : undefined;

/** One etcd key as the test compares it. */
type Kv = { value: string; mod: string; create: string; version: string };

const s = { opts: undefined as EtcdOptions | undefined, child: undefined as ChildProcess | undefined, stderr: '' };
const etcdOpts = (): EtcdOptions => {
  assert.ok(s.opts);
  return s.opts;
};

/** Starts etcd on the data dir (same ports every time) and waits for it. */
async function startEtcd(): Promise<void> {
  const o = etcdOpts();
  const spec = etcdChildSpec(o);
  const child = spawn(spec.command, spec.args, { stdio: ['ignore', 'ignore', 'pipe'] });
  s.child = child;
  child.stderr?.on('data', (d: Buffer) => { s.stderr = (s.stderr + d.toString()).slice(-4000); });
  const ac = new AbortController();
  child.once('exit', () => ac.abort());
  const ok = await waitForEtcd(etcdClientUrl(o), 30_000, ac.signal, await readEtcdClientTLS(etcdTLSFiles(pki.dataDir).client));
  assert.equal(ok, true, `etcd healthy; stderr: ${s.stderr}`);
}

/** Stops etcd (SIGTERM, SIGKILL after 5 s). */
async function stopEtcd(): Promise<void> {
  const child = s.child;
  s.child = undefined;
  await stopChild(child);
}

/** An etcd client with the etcd client cert, closed after `fn`. */
async function withEtcd<T>(fn: (c: ReturnType<typeof createEtcdClient>) => Promise<T>): Promise<T> {
  const c = createEtcdClient({ hosts: [etcdClientUrl(etcdOpts())], tls: await readEtcdClientTLS(etcdTLSFiles(pki.dataDir).client) });
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

/** Every key in etcd with its value and revisions. */
function dump(): Promise<Map<string, Kv>> {
  return withEtcd(async (c) => {
    const r = await c.getAll().exec();
    return new Map(r.kvs.map((kv) => [kv.key.toString(), { value: kv.value.toString('base64'), mod: kv.mod_revision, create: kv.create_revision, version: kv.version }]));
  });
}

/** Runs the plain-HTTP API server on etcd until the returned stop is called. */
async function startApi(): Promise<{ url: string; stop: () => Promise<void> }> {
  const ac = new AbortController();
  let listening!: (url: string) => void;
  const ready = new Promise<string>((resolve) => { listening = resolve; });
  const running = runApiServer({
    etcdEndpoints: [etcdClientUrl(etcdOpts())], etcdTLS: etcdTLSFiles(pki.dataDir).client, bindAddress: '127.0.0.1', port: await freePort(),
    serviceCIDR: cluster.serviceCIDR, log: quietLogger('apiserver'), compactionIntervalMs: 0, onListening: listening,
  }, ac.signal);
  let timer: NodeJS.Timeout | undefined;
  const url = await Promise.race([
    ready,
    running.then(() => { throw new Error('API server exited before listening'); }),
    new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('API server did not listen within 30 s')), 30_000); }),
  ]).finally(() => clearTimeout(timer));
  return { url, stop: async () => { ac.abort(); await running.catch(() => undefined); } };
}

/** POSTs `body` to `url + path` and resolves the created object's resourceVersion. */
async function create(url: string, path: string, body: object): Promise<string> {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const obj = await res.json() as { metadata?: { resourceVersion?: string } };
  assert.equal(res.status, 201, JSON.stringify(obj));
  assert.ok(obj.metadata?.resourceVersion);
  return obj.metadata.resourceVersion;
}

/** GETs `url + path`: status and resourceVersion. */
async function getRV(url: string, path: string): Promise<{ status: number; rv?: string }> {
  const res = await fetch(`${url}${path}`);
  const obj = await res.json() as { metadata?: { resourceVersion?: string } };
  return { status: res.status, rv: obj.metadata?.resourceVersion };
}

/** The actions with their output captured. */
function actions(now: Date): { a: ReturnType<typeof etcdSnapshotActions>; out: () => string } {
  let text = '';
  const out = new Writable({ write(chunk: Buffer, _enc, cb) { text += chunk.toString(); cb(); } });
  return { a: etcdSnapshotActions(out, () => now), out: () => text };
}

describe('etcd snapshot save, list and restore against real etcd over TLS', () => {
  before(async () => {
    if (missing) return;
    const paths = serverPaths(pki.dataDir);
    await mkdir(paths.etcdDir, { recursive: true, mode: 0o700 });
    s.opts = { dataDir: paths.etcdDir, clientPort: await freePort(), peerPort: await freePort(), tls: etcdTLSFiles(pki.dataDir).server };
    await startEtcd();
  });
  after(stopEtcd);

  const dirs = () => ({ dataDir: pki.dataDir, dir: join(pki.dataDir, 'snapshots') });
  const saved = { name: '', before: new Map<string, Kv>(), rvs: new Map<string, string>() };

  test('save writes a 0600 snapshot of what the API server stored, and list shows it', { skip: missing }, async () => {
    const api = await startApi();
    try {
      saved.rvs.set('/api/v1/namespaces/default/configmaps/cfg', await create(api.url, '/api/v1/namespaces/default/configmaps', { metadata: { name: 'cfg' }, data: { k: 'v1' } }));
      saved.rvs.set('/api/v1/namespaces/default/secrets/pw', await create(api.url, '/api/v1/namespaces/default/secrets', { metadata: { name: 'pw' }, stringData: { password: 'hunter2' } }));
      saved.rvs.set('/api/v1/namespaces/team', await create(api.url, '/api/v1/namespaces', { metadata: { name: 'team' } }));
    } finally {
      await api.stop();
    }
    // The API server is stopped, so nothing writes between this dump and the snapshot.
    saved.before = await dump();
    assert.ok(saved.before.has('/registry/secrets/default/pw'), 'the Secret is in etcd');

    const { a, out } = actions(new Date(1_780_000_000_000));
    await a.save({ ...dirs(), name: 'on-demand', nodeName: 'srv1', etcdClientPort: etcdOpts().clientPort });
    saved.name = 'on-demand-srv1-1780000000';
    assert.match(out(), new RegExp(`^Snapshot ${saved.name} saved to ${dirs().dir}/${saved.name} \\(\\d+ bytes\\)\\n$`));
    const file = join(dirs().dir, saved.name);
    assert.equal((await stat(file)).mode & 0o777, 0o600, 'the snapshot holds Secrets: owner only');
    assert.equal((await stat(dirs().dir)).mode & 0o777, 0o700);
    assert.deepEqual(await readdir(dirs().dir), [saved.name], 'no temp file left');

    const listed = actions(new Date());
    await listed.a.list(dirs());
    const lines = listed.out().trimEnd().split('\n');
    assert.match(lines[0], /^Name\s+Location\s+Size\s+Created$/);
    assert.equal(lines.length, 2);
    const [name, location, size, created] = lines[1].split(/\s+/);
    assert.deepEqual([name, location, Number(size), created], [saved.name, `file://${file}`, (await stat(file)).size, '2026-05-28T20:26:40Z']);

    await assert.rejects(a.save({ ...dirs(), name: 'on-demand', nodeName: 'srv1', etcdClientPort: etcdOpts().clientPort }), /already exists/);
  });

  test('restore is refused while a skiff server or its etcd runs on the data dir, and changes nothing', { skip: missing }, async () => {
    const runDir = serverPaths(pki.dataDir).runDir;
    await mkdir(runDir, { recursive: true });
    const { a } = actions(new Date());
    const restore = (): Promise<void> => a.restore({ ...dirs(), file: saved.name, etcdPeerPort: etcdOpts().peerPort });
    await writeFile(join(runDir, 'etcd.pid'), `${s.child?.pid}\n`);
    try {
      await assert.rejects(restore(), /etcd \(pid \d+\) is still running/);
    } finally {
      await rm(join(runDir, 'etcd.pid'));
    }
    // A process whose command line is that of `skiff server` (deploy/server/stale.ts runningServerPid).
    const server = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)', '/opt/skiff/deploy/cli.ts', 'server'], { stdio: 'ignore' });
    await writeFile(join(runDir, 'server.pid'), `${server.pid}\n`);
    try {
      await assert.rejects(restore(), new RegExp(`skiff server \\(pid ${server.pid}\\) is running on ${pki.dataDir}: stop it`));
    } finally {
      server.kill('SIGKILL');
      await rm(join(runDir, 'server.pid'));
    }
    assert.deepEqual((await readdir(pki.dataDir)).filter((n) => n.startsWith('etcd-')), []);
  });

  test('after changes, stop, restore and start: every key and mod_revision is back and the changes are gone', { skip: missing }, async () => {
    await withEtcd(async (c) => {
      await c.put('/registry/configmaps/default/cfg').value('changed');
      await c.delete().key('/registry/secrets/default/pw');
      await c.put('/registry/configmaps/default/later').value('made after the snapshot');
    });
    const changed = await dump();
    assert.notDeepEqual(changed, saved.before);
    await stopEtcd();

    const down = actions(new Date(1_780_000_400_000));
    await assert.rejects(down.a.save({ ...dirs(), name: 'on-demand', nodeName: 'srv1', etcdClientPort: etcdOpts().clientPort }),
      /snapshot of etcd at https:\/\/127\.0\.0\.1:\d+ failed: .*\(is skiff server running on /);
    assert.deepEqual(await readdir(dirs().dir), [saved.name], 'a failed save leaves no file');

    const corrupt = join(pki.dir, 'corrupt.db');
    await writeFile(corrupt, Buffer.alloc(4128, 1));
    const refused = actions(new Date(1_780_000_500_000));
    await assert.rejects(refused.a.restore({ ...dirs(), file: corrupt, etcdPeerPort: etcdOpts().peerPort }), /not an intact etcd snapshot/);
    assert.deepEqual((await readdir(pki.dataDir)).filter((n) => n.startsWith('etcd-')), [], 'a refused restore moves nothing');

    const { a, out } = actions(new Date(1_780_001_000_000));
    await a.restore({ ...dirs(), file: saved.name, etcdPeerPort: etcdOpts().peerPort }); // by name, from the snapshot dir
    const etcdDir = serverPaths(pki.dataDir).etcdDir;
    const old = join(pki.dataDir, 'etcd-old-1780001000');
    assert.equal(out(), `Restored ${join(dirs().dir, saved.name)} into ${etcdDir}\nThe previous etcd data is in ${old}\n`
      + `Start the restored cluster with: skiff server --data-dir ${pki.dataDir}\n`);
    assert.ok(existsSync(join(old, 'member')), 'the old data dir was kept');
    assert.equal((await stat(etcdDir)).mode & 0o777, 0o700);

    await startEtcd();
    const restored = await dump();
    assert.deepEqual(restored, saved.before, 'every key, value, create/mod revision and version as saved');
    assert.equal(restored.has('/registry/configmaps/default/later'), false);
  });

  test('the API server on the restored etcd serves the objects at their saved resourceVersions, and new writes go after them', { skip: missing }, async () => {
    const api = await startApi();
    try {
      for (const [path, rv] of saved.rvs) assert.deepEqual(await getRV(api.url, path), { status: 200, rv }, path);
      assert.equal((await getRV(api.url, '/api/v1/namespaces/default/configmaps/later')).status, 404);
      const newRV = await create(api.url, '/api/v1/namespaces/default/configmaps', { metadata: { name: 'after-restore' } });
      const highest = Math.max(...[...saved.before.values()].map((kv) => Number(kv.mod)));
      assert.ok(Number(newRV) > highest, `${newRV} > ${highest}`);
    } finally {
      await api.stop();
    }
  });

  test('scheduled snapshots with retention 2: after three runs the oldest is gone; on-demand ones are kept', { skip: missing }, async () => {
    const dir = join(pki.dataDir, 'scheduled');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'on-demand-srv1-1'), '');
    const ac = new AbortController();
    const clock = steppingClock(new Date('2026-06-01T05:00:00Z'), 3, ac);
    const runs: ScheduledRun[] = [];
    await startSnapshotSchedule({
      config: { disabled: false, cron: '0 */12 * * *', retention: 2, name: 'etcd-snapshot', dir },
      nodeName: 'srv1', etcd: { url: etcdClientUrl(etcdOpts()), tls: etcdTLSFiles(pki.dataDir).client }, log: quietLogger('snapshot'), clock,
      onRun: (r) => runs.push(r),
    }, ac.signal);
    const names = clock.waits.slice(0, 3).map((t) => `etcd-snapshot-srv1-${t.getTime() / 1000}`);
    assert.deepEqual(runs, [{ saved: names[0], pruned: [] }, { saved: names[1], pruned: [] }, { saved: names[2], pruned: [names[0]] }]);
    assert.deepEqual((await readdir(dir)).sort(), [names[1], names[2], 'on-demand-srv1-1'].sort());
  });

  test('wipe the etcd data dir, restore, start: the saved keyspace is back', { skip: missing }, async () => {
    await stopEtcd();
    const etcdDir = serverPaths(pki.dataDir).etcdDir;
    await rm(etcdDir, { recursive: true, force: true });
    const { a, out } = actions(new Date(1_780_002_000_000));
    await a.restore({ ...dirs(), file: join(dirs().dir, saved.name), etcdPeerPort: etcdOpts().peerPort });
    assert.doesNotMatch(out(), /previous etcd data/);
    await startEtcd();
    assert.deepEqual(await dump(), saved.before);
  });
});
