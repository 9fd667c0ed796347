/**
 * Issue 9: "No module-level state may leak between components in one
 * process … add a test that runs two apiserver instances in one process."
 * Two apiservers, each on its own real etcd, run side by side in this test
 * process through the CLI's in-process runner (the path `skiff server` takes),
 * and must behave as two clusters: objects, resourceVersions, watches and
 * the ClusterIP allocator of one never show in the other, and stopping one
 * leaves the other serving.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { freePort, startEtcd, type TestEtcd } from '../../testutil/etcd.ts';
import { waitFor } from '../../testutil/wait.ts';
import { inProcessRunner } from '../cli/in-process.ts';

const skip = existsSync('/usr/bin/etcd') ? false : '/usr/bin/etcd missing';

interface Running { url: string; ac: AbortController; done: Promise<void>; etcd: TestEtcd }

/** Starts one apiserver in this process on its own etcd and waits for /readyz. */
async function start(): Promise<Running> {
  const etcd = await startEtcd({ tmpRoot: '/dev/shm' });
  const port = await freePort();
  const ac = new AbortController();
  const done = inProcessRunner()(['apiserver', '--etcd-endpoints', etcd.endpoint, '--bind-address', '127.0.0.1', '--port', String(port), '--service-cidr', '10.96.0.0/12'], ac.signal);
  done.catch(() => {}); // awaited in stop
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, 30_000, `apiserver on ${port} ready`);
  return { url, ac, done, etcd };
}

async function stop(r: Running): Promise<void> {
  r.ac.abort();
  await r.done;
  await r.etcd.stop();
}

/** Sends `body` as JSON; the status and the parsed answer. */
async function call(method: string, url: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, json: await res.json() as Record<string, unknown> };
}

const cm = (name: string, v: string): unknown => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { v } });
const svc = (name: string): unknown => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { ports: [{ port: 80 }] } });

test('two apiservers in one process keep separate state, watches and allocators, and one stops alone', { skip }, async () => {
  const a = await start();
  let b: Running | undefined;
  try {
    b = await start();
    const cms = '/api/v1/namespaces/default/configmaps';
    assert.equal((await call('POST', a.url + cms, cm('only-in-a', 'a'))).status, 201);
    assert.equal((await call('POST', b.url + cms, cm('shared-name', 'b'))).status, 201);
    assert.equal((await call('POST', a.url + cms, cm('shared-name', 'a'))).status, 201, 'the same name is free in the other cluster');
    assert.equal((await call('GET', `${b.url}${cms}/only-in-a`)).status, 404);
    const fromB = await call('GET', `${b.url}${cms}/shared-name`);
    assert.deepEqual(fromB.json.data, { v: 'b' });
    const fromA = await call('GET', `${a.url}${cms}/shared-name`);
    assert.deepEqual(fromA.json.data, { v: 'a' });

    // A watch on B sees B's change only; A's writes meanwhile do not reach it (its watch cache and etcd watcher are B's own).
    const listB = await call('GET', b.url + cms);
    const rv = (listB.json.metadata as { resourceVersion: string }).resourceVersion;
    const ctl = new AbortController();
    const watch = await fetch(`${b.url}${cms}?watch=true&resourceVersion=${rv}`, { signal: ctl.signal });
    assert.equal((await call('POST', a.url + cms, cm('a-during-watch', 'a'))).status, 201);
    assert.equal((await call('POST', b.url + cms, cm('b-during-watch', 'b'))).status, 201);
    const reader = watch.body?.getReader();
    assert.ok(reader);
    let text = '';
    while (!text.includes('b-during-watch')) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
    }
    ctl.abort();
    assert.match(text, /b-during-watch/);
    assert.doesNotMatch(text, /a-during-watch|only-in-a/);

    // Each ClusterIP allocator hands out from its own bitmap: the first Service of each cluster gets the same first free address.
    const sa = await call('POST', `${a.url}/api/v1/namespaces/default/services`, svc('web'));
    const sb = await call('POST', `${b.url}/api/v1/namespaces/default/services`, svc('web'));
    assert.equal(sa.status, 201);
    assert.equal(sb.status, 201);
    assert.equal((sa.json.spec as { clusterIP: string }).clusterIP, (sb.json.spec as { clusterIP: string }).clusterIP);

    await stop(a);
    assert.equal((await fetch(`${b.url}/readyz`)).status, 200, 'B still serves after A stopped');
    assert.equal((await call('GET', `${b.url}${cms}/shared-name`)).status, 200);
  } finally {
    if (!a.ac.signal.aborted) await stop(a);
    if (b) await stop(b);
  }
});

test('the in-process runner refuses non-components and reports bad flags as a rejection, not an exit', async () => {
  const run = inProcessRunner();
  const ac = new AbortController();
  await assert.rejects(run(['server'], ac.signal), /server cannot run in the server's process/);
  await assert.rejects(run([], ac.signal), /no component cannot run/);
  await assert.rejects(run(['scheduler', '--healthz-port', 'abc'], ac.signal), /scheduler: .*abc/);
  await assert.rejects(run(['kubelet', '--no-such-flag'], ac.signal), /kubelet: .*unknown option/);
});
