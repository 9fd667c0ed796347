import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createLogger } from '../../apiserver/api/log.ts';
import { Supervisor, type SupervisorEvent } from '../supervisor/supervisor.ts';
import { freePort } from '../../testutil/etcd.ts';
import { etcdChildSpec, etcdClientUrl, waitForEtcd } from './etcd.ts';
import { httpReady } from './wait.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

async function put(url: string, key: string, value: string): Promise<void> {
  const res = await fetch(`${url}/v3/kv/put`, { method: 'POST', body: JSON.stringify({ key: b64(key), value: b64(value) }) });
  assert.equal(res.status, 200);
}

async function get(url: string, key: string): Promise<string | undefined> {
  const res = await fetch(`${url}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: b64(key) }) });
  const body = (await res.json()) as { kvs?: Array<{ value: string }> };
  return body.kvs?.[0] ? Buffer.from(body.kvs[0].value, 'base64').toString() : undefined;
}

test('embedded etcd starts on free ports, keeps data across a restart, and stops cleanly', async (t) => {
  if (process.getuid?.() !== 0) { t.skip('needs root'); return; }
  if (!existsSync('/usr/bin/etcd')) { t.skip('/usr/bin/etcd missing (apt-get install etcd-server)'); return; }
  const dir = mkdtempSync(join(tmpdir(), 'skiff-etcd-'));
  const opts = { dataDir: join(dir, 'etcd'), clientPort: await freePort(), peerPort: await freePort() };
  const url = etcdClientUrl(opts);
  const out = new PassThrough();
  out.resume();
  const run = async (expectExisting: boolean): Promise<SupervisorEvent[]> => {
    const events: SupervisorEvent[] = [];
    const sup = new Supervisor({ runDir: join(dir, 'run'), out, log: createLogger('test', new PassThrough()), onEvent: (e) => events.push(e) });
    sup.add(etcdChildSpec(opts));
    try {
      assert.equal(await waitForEtcd(url, 30_000), true, 'etcd healthy');
      assert.ok(existsSync(join(dir, 'run', 'etcd.pid')));
      const before = await get(url, '/skiff-test/k');
      assert.equal(before, expectExisting ? 'v1' : undefined);
      if (!expectExisting) await put(url, '/skiff-test/k', 'v1');
      assert.equal(await get(url, '/skiff-test/k'), 'v1');
    } finally {
      await sup.stopAll();
    }
    return events;
  };
  try {
    const first = await run(false);
    const exit = first.find((e) => e.type === 'exited');
    assert.ok(exit && exit.type === 'exited');
    assert.ok(exit.code === 0 || exit.signal === 'SIGTERM', `clean exit, got ${JSON.stringify(exit)}`);
    assert.equal(first.filter((e) => e.type === 'restart-scheduled').length, 0);
    assert.equal(await httpReady(`${url}/health`), false, 'port closed after stop');
    assert.equal(existsSync(join(dir, 'run', 'etcd.pid')), false);
    // Same data dir again: the value written by the first run is still there.
    await run(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
