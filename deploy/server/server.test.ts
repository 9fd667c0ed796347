import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createServer } from 'node:net';
import { freePort } from '../../testutil/etcd.ts';
import { createLogger } from '../../apiserver/api/log.ts';
import type { Supervisor } from '../supervisor/supervisor.ts';
import { runServer, StartupError } from './server.ts';

test('runServer: a missing etcd binary fails fast with the package to install, and cleans up', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-nobin-'));
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => { text += c.toString(); });
  const cfg = {
    dataDir: join(dir, 'data'), clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12', apiPort: 1, nodeName: 'n',
    registryMirrors: [], etcdClientPort: 1, etcdPeerPort: 2,
  };
  const t0 = Date.now();
  await assert.rejects(
    runServer(cfg, new AbortController().signal, { out, log: createLogger('t', new PassThrough()), etcdBinary: join(dir, 'no-etcd') }),
    (err: unknown) => err instanceof StartupError && /not found: install the Debian package etcd-server/.test(err.message),
  );
  assert.ok(Date.now() - t0 < 5_000);
  assert.equal(existsSync(join(cfg.dataDir, 'run', 'server.pid')), false);
  assert.equal(text, '', 'nothing was started, so nothing to report');
  rmSync(dir, { recursive: true, force: true });
});

test('runServer: a busy port is reported by number and owner before anything starts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-busy-'));
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  const addr = blocker.address();
  const busy = typeof addr === 'object' && addr ? addr.port : 0;
  const out = new PassThrough();
  out.resume();
  const cfg = {
    dataDir: join(dir, 'data'), clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12', apiPort: busy, nodeName: 'n',
    containerdSocket: '/nonexistent.sock', registryMirrors: [], etcdClientPort: await freePort(), etcdPeerPort: await freePort(),
  };
  let sup: Supervisor | undefined;
  try {
    await assert.rejects(
      runServer(cfg, new AbortController().signal, {
        out, log: createLogger('t', new PassThrough()), etcdBinary: process.execPath, components: ['apiserver'],
        onSupervisor: (s) => { sup = s; },
      }),
      (err: unknown) => err instanceof StartupError && err.message.includes(`${busy} (apiserver)`),
    );
    assert.equal(sup, undefined, 'no supervisor, nothing started');
    assert.equal(existsSync(join(cfg.dataDir, 'run', 'server.pid')), false);
  } finally {
    blocker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('runServer: an already aborted signal starts nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-abort-'));
  const ac = new AbortController();
  ac.abort();
  const out = new PassThrough();
  out.resume();
  const cfg = {
    dataDir: join(dir, 'data'), clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12', apiPort: 1, nodeName: 'n',
    containerdSocket: '/nonexistent.sock', registryMirrors: [], etcdClientPort: 1, etcdPeerPort: 2,
  };
  let sup: Supervisor | undefined;
  await runServer(cfg, ac.signal, {
    out, log: createLogger('t', new PassThrough()), etcdBinary: process.execPath,
    onSupervisor: (s) => { sup = s; },
  });
  assert.equal(sup?.names().length ?? 0, 0);
  assert.equal(existsSync(join(cfg.dataDir, 'run', 'etcd.pid')), false);
  rmSync(dir, { recursive: true, force: true });
});
