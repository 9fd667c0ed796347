import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parse } from 'yaml';
import { createLogger } from '../../apiserver/api/log.ts';
import type { Supervisor } from '../supervisor/supervisor.ts';
import { freePort } from '../../testutil/etcd.ts';
import { runServer } from './server.ts';
import { httpReady, pollUntil } from './wait.ts';

// A stand-in component: serves GET /healthz -> ok on --port or --healthz-port, stops on SIGTERM.
const fakeComponent = `
import { createServer } from 'node:http';
const args = process.argv.slice(2);
const at = Math.max(args.indexOf('--port'), args.indexOf('--healthz-port'));
const port = Number(args[at + 1]);
const srv = createServer((req, res) => { res.end(req.url === '/healthz' ? 'ok' : 'nope'); });
srv.listen(port, '127.0.0.1', () => console.log('fake ' + args[0] + ' listening on ' + port));
process.on('SIGTERM', () => srv.close(() => process.exit(0)));
`;

test('runServer: etcd + supervised component, kubeconfig, kill -9 restart, ordered stop', async (t) => {
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
  };
  const ac = new AbortController();
  let sup: Supervisor | undefined;
  const running = runServer(cfg, ac.signal, {
    out, log: createLogger('test', new PassThrough()), launcher: { command: process.execPath, args: [script] },
    components: ['apiserver'], policy: { initialDelayMs: 100, maxDelayMs: 400, resetAfterMs: 60_000 },
    onSupervisor: (s) => { sup = s; },
  });
  try {
    assert.ok(await pollUntil(async () => text.includes('Skiff is running.'), { timeoutMs: 30_000 }), `started; output:\n${text}`);
    assert.match(text, /^✓ etcd ready \(\d+\.\ds\)$/m);
    assert.match(text, /^✓ apiserver ready \(\d+\.\ds\)$/m);
    assert.match(text, new RegExp(`Try: kubectl --kubeconfig ${join(cfg.dataDir, 'admin.kubeconfig')} get nodes`));
    assert.match(text, /^apiserver {10}\| fake apiserver listening on \d+$/m);
    const kc = parse(readFileSync(join(cfg.dataDir, 'admin.kubeconfig'), 'utf8')) as { clusters: Array<{ cluster: { server: string } }> };
    assert.equal(kc.clusters[0].cluster.server, `http://127.0.0.1:${apiPort}`);
    assert.match(readFileSync(join(cfg.dataDir, 'containerd', 'certs.d', 'docker.io', 'hosts.toml'), 'utf8'), /127\.0\.0\.1:5000/);
    const pidFile = join(cfg.dataDir, 'run', 'apiserver.pid');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    assert.equal(pid, sup?.pid('apiserver'));
    assert.ok(existsSync(join(cfg.dataDir, 'run', 'etcd.pid')));
    assert.ok(existsSync(join(cfg.dataDir, 'run', 'server.pid')));
    process.kill(pid, 'SIGKILL');
    assert.ok(await pollUntil(async () => Number(readFileSync(pidFile, 'utf8')) !== pid && await httpReady(`http://127.0.0.1:${apiPort}/healthz`, /^ok$/), { timeoutMs: 10_000 }), 'apiserver restarted');
    assert.equal(sup?.restarts('apiserver'), 1);
    assert.equal(sup?.restarts('etcd'), 0);
  } finally {
    ac.abort();
    await running;
  }
  assert.equal(await httpReady(`http://127.0.0.1:${apiPort}/healthz`), false);
  assert.equal(await httpReady(`http://127.0.0.1:${cfg.etcdClientPort}/health`), false);
  for (const f of ['server.pid', 'etcd.pid', 'apiserver.pid']) assert.equal(existsSync(join(cfg.dataDir, 'run', f)), false, f);
  assert.match(text, /Skiff stopped/);
  rmSync(dir, { recursive: true, force: true });
});
