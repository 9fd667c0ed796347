import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createLogger } from '../../apiserver/api/log.ts';
import { Supervisor } from '../supervisor/supervisor.ts';
import { serverPaths } from './config.ts';
import { prepareContainerd, waitForContainerd } from './containerd.ts';
import { freePort } from '../../testutil/etcd.ts';
import { criReady } from './wait.ts';

test('embedded containerd starts from the generated config, answers CRI, and stops', async (t) => {
  if (process.getuid?.() !== 0) { t.skip('needs root'); return; }
  if (!existsSync('/usr/bin/containerd')) { t.skip('/usr/bin/containerd missing (apt-get install containerd)'); return; }
  const dir = mkdtempSync(join(tmpdir(), 'skiff-ctrd-'));
  const paths = serverPaths(dir);
  const spec = prepareContainerd({ paths, cniBinDir: '/usr/lib/cni', streamPort: await freePort() });
  assert.match(readFileSync(paths.containerdConfig, 'utf8'), /config_path/);
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => { text += c.toString(); });
  const sup = new Supervisor({ runDir: paths.runDir, out, log: createLogger('test', new PassThrough()) });
  sup.add(spec);
  try {
    assert.equal(await waitForContainerd(paths.containerdSocket, 30_000), true, `CRI ready; output:\n${text}`);
    assert.equal(sup.restarts('containerd'), 0);
  } finally {
    await sup.stopAll();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await criReady(paths.containerdSocket, 500), false, 'socket gone after stop');
    rmSync(dir, { recursive: true, force: true });
  }
});
