/**
 * `skiff check` on this machine: the real readings parse and agree with
 * what the files say (whatever this host has; nothing hard-coded), reading
 * leaves no legacy iptables tables behind, a real listener is reported, the
 * clock is compared with the real apiserver over TLS (anonymous GET
 * /version under Node,RBAC), and `skiff check` prints one line per check.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import { createServer, type Server } from 'node:net';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runApiServer } from '../../apiserver/main.ts';
import { freePort, startEtcd } from '../../testutil/etcd.ts';
import { usePKIs } from '../../testutil/pki.ts';
import { etcdSkipReason, quietLogger } from '../../testutil/real-api.ts';
import { caPaths, leafPaths } from '../pki/layout.ts';
import { CERT } from '../pki/specs.ts';
import { minAbsSkewMs, readServerClock, skewBounds } from './clock.ts';
import { checkHost, type CheckId } from './decide.ts';
import { cgroupLayout, parseMounts, parseOsRelease, parseProcCgroups, parseSwaps, parseTableNames } from './parse.ts';
import { readHost, REQUIRED_MODULES } from './readings.ts';

const pki = usePKIs('check-real', { hostname: 'srv1', serverIPs: ['127.0.0.1'], serviceCIDR: '10.96.0.0/12', nodes: [{ name: 'srv1', ips: ['127.0.0.1'] }] });
const ALL_IDS: CheckId[] = ['os', 'kernel', 'memory-cgroup', 'swap', 'modules', 'bridge-nf', 'ip-forward', 'iptables', 'ports', 'clock'];
const fileOrNull = (p: string): string | null => (existsSync(p) ? readFileSync(p, 'utf8') : null);

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

test('readHost on this machine: every reading parses and agrees with the files it came from', async () => {
  const legacyBefore = fileOrNull('/proc/net/ip_tables_names');
  const r = await readHost({ ports: [] });
  // Reading never creates legacy tables (iptables-legacy is not run).
  assert.equal(fileOrNull('/proc/net/ip_tables_names'), legacyBefore);
  assert.equal(r.arch, process.arch);
  assert.equal(r.kernelRelease?.trim(), release());

  assert.ok(r.osRelease !== null, 'os-release');
  assert.ok((parseOsRelease(r.osRelease).ID ?? '') !== '', 'os-release names an ID');

  // Swap: one area per /proc/swaps line after the header.
  const swapLines = readFileSync('/proc/swaps', 'utf8').split('\n').filter((l) => l.trim() !== '').length - 1;
  assert.ok(r.swaps !== null);
  const areas = parseSwaps(r.swaps);
  assert.equal(areas.length, swapLines);
  assert.ok(areas.every((a) => Number.isInteger(a.sizeKiB) && Number.isInteger(a.usedKiB) && a.file.startsWith('/')));

  // cgroups: the layout comes from the mount table; cgroup.controllers is read exactly when a cgroup2 mount exists.
  assert.ok(r.cgroups.mounts !== null);
  const layout = cgroupLayout(parseMounts(r.cgroups.mounts));
  assert.equal(r.cgroups.v2Controllers !== null, layout.v2Root !== null && existsSync(join(layout.v2Root, 'cgroup.controllers')));
  if (layout.mode === 'v1' || layout.mode === 'hybrid') assert.ok(layout.v1Controllers.every((c) => /^[a-z_]+$/.test(c)), layout.v1Controllers.join());
  if (r.cgroups.procCgroups !== null) {
    const rows = parseProcCgroups(r.cgroups.procCgroups);
    assert.equal(rows.size, r.cgroups.procCgroups.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#')).length);
  }

  // Modules: /sys/module entries exist for exactly the ones reported.
  assert.deepEqual(r.modules.sysfs, REQUIRED_MODULES.filter((m) => existsSync(`/sys/module/${m}`)));
  assert.equal(r.modules.procModules === null, !existsSync('/proc/modules'));

  // Sysctls: 0 or 1; the bridge one exists only with br_netfilter.
  assert.match(r.sysctl.ipForward ?? '', /^[01]\n$/);
  assert.equal(r.sysctl.bridgeNfCallIptables === null, !existsSync('/proc/sys/net/bridge/bridge-nf-call-iptables'));

  // iptables: the version line when installed; the legacy table lists are the /proc files.
  if (existsSync('/usr/sbin/iptables')) assert.match(r.iptables.version ?? '', /^iptables v\d+\.\d+/);
  assert.deepEqual(parseTableNames(r.iptables.legacyTables ?? ''), parseTableNames(legacyBefore ?? ''));
  if (process.getuid?.() === 0 && existsSync('/usr/sbin/nft')) assert.ok(r.iptables.nftTables !== null, 'root can list nft tables');

  // The verdicts: one per check, a fix with every problem, swap flagged exactly when swap is on.
  const findings = checkHost(r);
  assert.deepEqual(findings.map((f) => f.id), ALL_IDS);
  for (const f of findings) if (f.level === 'warn' || f.level === 'fail') assert.ok(f.fix, `${f.id} has a fix`);
  assert.equal(findings.find((f) => f.id === 'swap')?.level, swapLines > 0 ? 'warn' : 'ok');
  assert.equal(findings.find((f) => f.id === 'clock')?.level, 'skip');
});

test('readHost: a port with a listener is reported busy by owner, a free one is not', async () => {
  const [taken, free] = [await freePort(), await freePort()];
  const s = await listen(taken);
  try {
    const r = await readHost({ ports: [{ owner: 'apiserver', port: taken }, { owner: 'kubelet (API)', port: free }] });
    assert.deepEqual(r.ports.busy, [{ owner: 'apiserver', port: taken }]);
    const f = checkHost(r).find((x) => x.id === 'ports');
    assert.equal(f?.level, 'fail');
    assert.match(f?.message ?? '', new RegExp(`in use: ${taken} \\(apiserver\\)$`));
  } finally {
    s.close();
  }
});

test('clock against the real apiserver over TLS (Node,RBAC, anonymous /version): in sync with the cluster CA; a stranger CA is refused', async (t) => {
  const why = etcdSkipReason();
  if (why) { t.skip(why); return; }
  const etcd = await startEtcd();
  const ac = new AbortController();
  const port = await freePort();
  let listening!: (url: string) => void;
  const ready = new Promise<string>((resolve) => { listening = resolve; });
  const serving = leafPaths(pki.dataDir, CERT.apiserverServing);
  const running = runApiServer({
    etcdEndpoints: [etcd.endpoint], bindAddress: '127.0.0.1', port, serviceCIDR: '10.96.0.0/12', log: quietLogger('apiserver'),
    tls: { cert: serving.cert, key: serving.key, clientCA: caPaths(pki.dataDir, 'cluster').cert }, authorization: 'Node,RBAC', onListening: listening,
  }, ac.signal);
  try {
    await ready;
    const server = `https://127.0.0.1:${port}`;
    const ca = await readFile(caPaths(pki.dataDir, 'cluster').cert, 'utf8');
    const c = await readServerClock(server, { ca });
    assert.ok(!('error' in c), JSON.stringify(c));
    assert.ok(c.dateHeader !== null, 'the apiserver sends Date');
    const b = skewBounds(c);
    assert.ok(b !== null);
    // Same clock: the interval holds 0, give or take Node's per-second Date cache refreshing a few ms late.
    assert.ok(minAbsSkewMs(b) <= 50, `same machine, same clock: ${JSON.stringify(b)}`);
    const r = await readHost({ ports: [], server, serverCA: ca });
    assert.equal(checkHost(r).find((f) => f.id === 'clock')?.level, 'ok');

    const stranger = await readFile(caPaths(pki.otherDir, 'cluster').cert, 'utf8');
    const refused = await readServerClock(server, { ca: stranger });
    assert.ok('error' in refused, 'a server whose cert does not chain to the given CA is not read');
    const f = checkHost({ ...r, clock: refused }).find((x) => x.id === 'clock');
    assert.equal(f?.level, 'warn');
  } finally {
    ac.abort();
    await running.catch(() => undefined);
    await etcd.stop();
  }
});

test('clock: a server two minutes ahead (https, unverified without a CA) fails with the NTP fix', async () => {
  const serving = leafPaths(pki.dataDir, CERT.apiserverServing);
  const srv = createHttpsServer({ cert: await readFile(serving.cert), key: await readFile(serving.key) }, (_req, res) => {
    res.setHeader('Date', new Date(Date.now() + 120_000).toUTCString());
    res.end('{}');
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  try {
    const addr = srv.address();
    const url = `https://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    const r = await readHost({ ports: [], server: url });
    const f = checkHost(r).find((x) => x.id === 'clock');
    assert.equal(f?.level, 'fail', f?.message);
    assert.match(f?.message ?? '', /^this host is 1\d\d\.\d s behind https:\/\/127\.0\.0\.1:/);
    assert.match(f?.fix ?? '', /timedatectl set-ntp true/);
  } finally {
    srv.close();
  }
});

test('`skiff check` prints one line per check and exits 1 exactly when one failed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-check-'));
  try {
    const bin = fileURLToPath(new URL('../bin/skiff.mjs', import.meta.url));
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [bin, 'check', '--data-dir', dir], { timeout: 60_000 }, (err, out, errOut) => {
        resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout: out, stderr: errOut });
      });
    });
    const lines = stdout.split('\n').filter((l) => /^[✓!✗-] /.test(l));
    const titles = ['operating system', 'kernel', 'memory cgroup', 'swap', 'kernel modules', 'net.bridge.bridge-nf-call-iptables',
      'net.ipv4.ip_forward', 'iptables', 'ports', 'clock'];
    assert.deepEqual(lines.map((l) => l.slice(2, l.indexOf(':'))), titles, stdout);
    const failed = lines.some((l) => l.startsWith('✗'));
    assert.equal(code, failed ? 1 : 0, `${stdout}\n${stderr}`);
    assert.equal(/some checks failed/.test(stderr), failed);
    // Every problem line is followed by its fix.
    const all = stdout.split('\n');
    all.forEach((l, i) => { if (/^[!✗] /.test(l)) assert.match(all[i + 1] ?? '', /^ {4}fix: /, l); });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
