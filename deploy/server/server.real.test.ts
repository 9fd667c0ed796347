import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parse } from 'yaml';
import { createLogger } from '../../apiserver/api/log.ts';
import type { Supervisor } from '../supervisor/supervisor.ts';
import { freePort } from '../../testutil/etcd.ts';
import { runServer } from './server.ts';
import { httpReady, pollUntil } from './wait.ts';

// A stand-in component: serves GET /healthz -> ok on --port or --healthz-port (HTTPS with
// --tls-cert-file/--tls-private-key-file, as the apiserver is told), stops on SIGTERM.
const fakeComponent = `
import { createServer } from 'node:http';
import { createServer as createTLSServer } from 'node:https';
import { readFileSync } from 'node:fs';
const args = process.argv.slice(2);
const flag = (f) => { const i = args.indexOf(f); return i < 0 ? undefined : args[i + 1]; };
const at = Math.max(args.indexOf('--port'), args.indexOf('--healthz-port'));
const port = Number(args[at + 1]);
const handler = (req, res) => { res.end(req.url === '/healthz' ? 'ok' : 'nope'); };
const cert = flag('--tls-cert-file');
const srv = cert ? createTLSServer({ cert: readFileSync(cert), key: readFileSync(flag('--tls-private-key-file')) }, handler) : createServer(handler);
srv.listen(port, '127.0.0.1', () => console.log('fake ' + args[0] + (cert ? ' (https)' : '') + ' listening on ' + port));
process.on('SIGTERM', () => srv.close(() => process.exit(0)));
`;

test('runServer: etcd over TLS + supervised component on HTTPS, PKI and kubeconfigs, kill -9 restart, ordered stop, renewal on restart', async (t) => {
  if (process.getuid?.() !== 0) { t.skip('needs root'); return; }
  if (!existsSync('/usr/bin/etcd')) { t.skip('/usr/bin/etcd missing'); return; }
  const dir = mkdtempSync(join(tmpdir(), 'skiff-server-'));
  const script = join(dir, 'fake.mjs');
  writeFileSync(script, fakeComponent);
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => { text += c.toString(); });
  const apiPort = await freePort();
  const cfg = {
    dataDir: join(dir, 'data'), clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12', apiPort, nodeName: 'n1',
    containerdSocket: join(dir, 'no-containerd.sock'), registryMirrors: [{ host: 'docker.io', url: 'http://127.0.0.1:5000' }],
    etcdClientPort: await freePort(), etcdPeerPort: await freePort(),
    etcdSnapshots: { disabled: false, cron: '@every 1s', retention: 2, name: 'etcd-snapshot', dir: join(dir, 'snapshots') },
  };
  const ac = new AbortController();
  let sup: Supervisor | undefined;
  const deps = {
    out, log: createLogger('test', new PassThrough()), launcher: { command: process.execPath, args: [script] },
    components: ['apiserver'], policy: { initialDelayMs: 100, maxDelayMs: 400, resetAfterMs: 60_000 },
    // 30-day leaves are always within the 90-day renewal window: every start renews them.
    leafValidityMs: 30 * 24 * 3600_000,
  };
  const running = runServer(cfg, ac.signal, { ...deps, onSupervisor: (s) => { sup = s; } });
  const tlsDir = join(cfg.dataDir, 'tls');
  const serving = join(tlsDir, 'serving-kube-apiserver.crt');
  let ca = '';
  const apiHealthy = (): Promise<boolean> => httpReady(`https://127.0.0.1:${apiPort}/healthz`, /^ok$/, { tls: { ca } });
  try {
    assert.ok(await pollUntil(async () => text.includes('Skiff is running.'), { timeoutMs: 30_000 }), `started; output:\n${text}`);
    assert.match(text, /^✓ etcd ready \(\d+\.\ds\)$/m);
    assert.match(text, /^✓ apiserver ready \(\d+\.\ds\)$/m);
    assert.match(text, new RegExp(`Try: kubectl --kubeconfig ${join(cfg.dataDir, 'admin.kubeconfig')} get nodes`));
    assert.match(text, /^apiserver {10}\| fake apiserver \(https\) listening on \d+$/m);
    assert.match(text, /^• certificates: issued \d+ /m);
    ca = readFileSync(join(tlsDir, 'server-ca.crt'), 'utf8');
    const kc = parse(readFileSync(join(cfg.dataDir, 'admin.kubeconfig'), 'utf8')) as {
      clusters: Array<{ cluster: { server: string; 'certificate-authority-data': string } }>; users: Array<{ user: Record<string, string> }>;
    };
    assert.equal(kc.clusters[0].cluster.server, `https://127.0.0.1:${apiPort}`);
    assert.equal(Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64').toString(), ca);
    assert.deepEqual(Object.keys(kc.users[0].user).sort(), ['client-certificate-data', 'client-key-data']);
    for (const f of ['admin.kubeconfig', 'cred/scheduler.kubeconfig', 'cred/controller.kubeconfig', 'cred/kubelet.kubeconfig', 'cred/kubeproxy.kubeconfig',
      'tls/server-ca.key', 'tls/serving-kube-apiserver.key', 'tls/etcd/client.key']) {
      assert.equal(statSync(join(cfg.dataDir, f)).mode & 0o777, 0o600, f);
    }
    // etcd speaks TLS only: plain http gets nothing.
    assert.equal(await httpReady(`http://127.0.0.1:${cfg.etcdClientPort}/health`), false);
    assert.equal(await httpReady(`http://127.0.0.1:${apiPort}/healthz`), false, 'plain HTTP to the API port is refused');
    assert.match(readFileSync(join(cfg.dataDir, 'containerd', 'certs.d', 'docker.io', 'hosts.toml'), 'utf8'), /127\.0\.0\.1:5000/);
    const pidFile = join(cfg.dataDir, 'run', 'apiserver.pid');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    assert.equal(pid, sup?.pid('apiserver'));
    assert.ok(existsSync(join(cfg.dataDir, 'run', 'etcd.pid')));
    assert.ok(existsSync(join(cfg.dataDir, 'run', 'server.pid')));
    process.kill(pid, 'SIGKILL');
    assert.ok(await pollUntil(async () => Number(readFileSync(pidFile, 'utf8')) !== pid && await apiHealthy(), { timeoutMs: 10_000 }), 'apiserver restarted');
    assert.equal(sup?.restarts('apiserver'), 1);
    assert.equal(sup?.restarts('etcd'), 0);
    // Scheduled snapshots run in the server: files appear and retention keeps the newest 2.
    const seen = new Set<string>();
    const snaps = (): string[] => (existsSync(cfg.etcdSnapshots.dir) ? readdirSync(cfg.etcdSnapshots.dir) : []).filter((f) => !f.startsWith('.'));
    assert.ok(await pollUntil(async () => { const now = snaps(); now.forEach((f) => seen.add(f)); return seen.size >= 3 && now.length <= 2; }, { timeoutMs: 20_000 }), [...seen].join());
    for (const f of snaps()) {
      const st = statSync(join(cfg.etcdSnapshots.dir, f), { throwIfNoEntry: false }); // retention may remove it meanwhile
      if (st) assert.equal(st.mode & 0o777, 0o600, f);
    }
  } finally {
    ac.abort();
    await running;
  }
  assert.equal(await apiHealthy(), false);
  for (const f of ['server.pid', 'etcd.pid', 'apiserver.pid']) assert.equal(existsSync(join(cfg.dataDir, 'run', f)), false, f);
  assert.match(text, /Skiff stopped/);

  // Restart on the same data dir: the near-expiry leaves are renewed (new serial), the CA is kept, and the server serves the new cert.
  const before = new X509Certificate(readFileSync(serving));
  text = '';
  const ac2 = new AbortController();
  const again = runServer(cfg, ac2.signal, deps);
  try {
    assert.ok(await pollUntil(async () => text.includes('Skiff is running.'), { timeoutMs: 30_000 }), `restarted; output:\n${text}`);
    assert.match(text, /serving-kube-apiserver: [^;]*expir/);
    assert.equal(readFileSync(join(tlsDir, 'server-ca.crt'), 'utf8'), ca, 'the CA is kept');
    const after = new X509Certificate(readFileSync(serving));
    assert.notEqual(after.serialNumber, before.serialNumber);
    assert.ok(await apiHealthy());
  } finally {
    ac2.abort();
    await again;
  }
  rmSync(dir, { recursive: true, force: true });
});
