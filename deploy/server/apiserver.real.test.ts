import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createLogger } from '../../apiserver/client/log.ts';
import { freePort } from './free-port.ts';
import { runServer } from './server.ts';
import { httpReady, pollUntil } from './wait.ts';

const run = promisify(execFile);
const apiserverMain = fileURLToPath(new URL('../../apiserver/main.ts', import.meta.url));

test('skiff server startup with the real apiserver: /healthz ok and kubectl get ns works with admin.kubeconfig', async (t) => {
  if (process.getuid?.() !== 0) { t.skip('needs root'); return; }
  if (!existsSync('/usr/bin/etcd')) { t.skip('/usr/bin/etcd missing'); return; }
  if (!existsSync(apiserverMain)) { t.skip('apiserver/main.ts not written yet'); return; }
  if (!existsSync('/usr/bin/kubectl')) { t.skip('/usr/bin/kubectl missing'); return; }
  const dir = mkdtempSync(join(tmpdir(), 'skiff-api-'));
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => { text += c.toString(); });
  const apiPort = await freePort();
  const cfg = {
    dataDir: join(dir, 'data'), clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12', apiPort, nodeName: 'n1',
    containerdSocket: join(dir, 'unused.sock'), registryMirrors: [],
    etcdClientPort: await freePort(), etcdPeerPort: await freePort(),
  };
  const ac = new AbortController();
  const running = runServer(cfg, ac.signal, { out, log: createLogger('test', new PassThrough()), components: ['apiserver'] });
  running.catch(() => {}); // awaited below; avoid an unhandled rejection while polling
  try {
    const up = await pollUntil(async () => text.includes('Skiff is running.'), { timeoutMs: 90_000 });
    assert.ok(up, `server started; output:\n${text}`);
    assert.equal(await httpReady(`http://127.0.0.1:${apiPort}/healthz`, /^ok$/), true);
    const kubeconfig = join(cfg.dataDir, 'admin.kubeconfig');
    const { stdout } = await run('/usr/bin/kubectl', ['--kubeconfig', kubeconfig, 'get', 'ns'], { timeout: 30_000 });
    assert.match(stdout, /^NAME\s+STATUS\s+AGE/m);
    assert.match(stdout, /^default\s+Active/m);
  } finally {
    ac.abort();
    await running;
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(await httpReady(`http://127.0.0.1:${apiPort}/healthz`), false, 'apiserver stopped');
});
