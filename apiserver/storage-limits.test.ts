/**
 * Regression tests, against the real API server on real etcd, for the
 * failures that used to take every request down for ~5 s (the etcd3 client's
 * circuit breaker) or fail large lists outright (the gRPC 4 MiB receive limit).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import { randomUUID } from 'node:crypto';
import type { TestApiServer } from '../testutil/apiserver.ts';
import { etcdSkipReason } from '../testutil/real-api.ts';

const skip = etcdSkipReason();
let api: TestApiServer;

before(async () => {
  if (skip) return;
  const { startApiServer } = await import('../testutil/apiserver.ts');
  api = await startApiServer();
});
after(async () => {
  await api?.stop();
});

/** One HTTP call; resolves status code and parsed JSON body. */
async function call(method: string, path: string, body?: unknown): Promise<{ code: number; body: { [k: string]: unknown } }> {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { code: res.status, body: JSON.parse(text) as { [k: string]: unknown } };
}

const configMap = (name: string, bytes: number, namespace = 'default'): unknown => ({
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { blob: 'x'.repeat(bytes) },
});

/** A valid Pod whose size is all in one container argument (no validation bounds it), so only etcd's limit applies. */
const bigPod = (name: string, bytes: number): unknown => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' },
  spec: { containers: [{ name: 'c', image: 'busybox', args: ['x'.repeat(bytes)] }] },
});

test('a 2.5 MiB ConfigMap is 422 (over its 1 MiB limit, as Kubernetes); a 2.5 MiB Pod is 413 from etcd\'s limit; the next requests succeed at once', { skip }, async () => {
  const cm = await call('POST', '/api/v1/namespaces/default/configmaps', configMap('big', 2.5 * 1024 * 1024));
  assert.equal(cm.code, 422);
  assert.equal(cm.body.kind, 'Status');
  const big = await call('POST', '/api/v1/namespaces/default/pods', bigPod('big', 2.5 * 1024 * 1024));
  assert.equal(big.code, 413, JSON.stringify(big.body).slice(0, 300));
  assert.equal(big.body.kind, 'Status');
  assert.equal(big.body.reason, 'RequestEntityTooLarge');
  assert.equal(big.body.message, 'Request entity too large: etcdserver: request is too large');
  assert.equal((await call('GET', '/api/v1/namespaces/default/pods/big')).code, 404, 'nothing stored');
  const ok = await call('POST', '/api/v1/namespaces/default/configmaps', configMap('small-1', 100));
  assert.equal(ok.code, 201, JSON.stringify(ok.body));
  assert.equal((await call('GET', '/api/v1/namespaces/default')).code, 200);
});

test('three oversized requests in a row, then a normal one succeeds (no open circuit breaker)', { skip }, async () => {
  for (let i = 0; i < 3; i++) {
    const r = await call('POST', '/api/v1/namespaces/default/pods', bigPod(`big-${i}`, 2.5 * 1024 * 1024));
    assert.equal(r.code, 413, JSON.stringify(r.body).slice(0, 300));
  }
  const ok = await call('POST', '/api/v1/namespaces/default/configmaps', configMap('small-2', 100));
  assert.equal(ok.code, 201, JSON.stringify(ok.body));
  const list = await call('GET', '/api/v1/namespaces/default/configmaps');
  assert.equal(list.code, 200);
});

test('a bad continue token is 400; the next request is fine', { skip }, async () => {
  const tokens = [
    Buffer.from(JSON.stringify({ rv: '', start: '/registry/configmaps/' })).toString('base64url'),
    Buffer.from(JSON.stringify({ rv: 'x', start: '/registry/configmaps/' })).toString('base64url'),
    'garbage',
  ];
  for (const t of [...tokens, ...tokens]) {
    const r = await call('GET', `/api/v1/configmaps?limit=1&continue=${encodeURIComponent(t)}`);
    assert.equal(r.code, 400, JSON.stringify(r.body));
    assert.equal(r.body.reason, 'BadRequest');
  }
  assert.equal((await call('GET', '/api/v1/namespaces/default/configmaps?limit=1')).code, 200);
});

test('LIST of 10,000 ConfigMaps of 1 KB works with and without limit; unrelated requests keep succeeding meanwhile', { skip, timeout: 240000 }, async () => {
  const n = 10000;
  const etcd = new Etcd3({ hosts: api.etcd.endpoint });
  try {
    // Setup only: raw puts in txns of 100 (etcd's default max-txn-ops is 128).
    const ns = 'bulk';
    assert.equal((await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })).code, 201);
    const blob = 'y'.repeat(1024);
    for (let i = 0; i < n; i += 100) {
      const ops = [];
      for (let j = i; j < Math.min(n, i + 100); j++) {
        const name = `cm-${String(j).padStart(5, '0')}`;
        const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, uid: randomUUID(), creationTimestamp: '2026-01-01T00:00:00Z' }, data: { blob } };
        ops.push(etcd.put(`/registry/configmaps/${ns}/${name}`).value(JSON.stringify(obj)));
      }
      await etcd.if(`/registry/configmaps/${ns}/none`, 'Mod', '==', 0).then(...ops).commit();
    }
  } finally {
    etcd.close();
  }

  // Unrelated traffic while the big list runs.
  let stop = false;
  const unrelated: number[] = [];
  const background = (async () => {
    for (let i = 0; !stop; i++) {
      const r = i % 2 === 0
        ? await call('GET', '/api/v1/namespaces/default')
        : await call('POST', '/api/v1/namespaces/default/configmaps', configMap(`during-${i}`, 50));
      unrelated.push(r.code);
    }
  })();
  const full = await call('GET', '/api/v1/namespaces/bulk/configmaps');
  const all = await call('GET', '/api/v1/configmaps');
  stop = true;
  await background;
  assert.equal(full.code, 200, JSON.stringify(full.body).slice(0, 300));
  assert.equal((full.body.items as unknown[]).length, n);
  assert.equal(all.code, 200);
  assert.ok((all.body.items as unknown[]).length >= n);
  assert.ok(unrelated.length > 0);
  assert.deepEqual(unrelated.filter((c) => c !== 200 && c !== 201), [], 'unrelated requests all succeeded');

  // limit + continue pages through all of them, at one resourceVersion.
  const names: string[] = [];
  let cont: string | undefined;
  let rv: string | undefined;
  let pages = 0;
  do {
    const r = await call('GET', `/api/v1/namespaces/bulk/configmaps?limit=3000${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
    assert.equal(r.code, 200, JSON.stringify(r.body).slice(0, 300));
    const meta = r.body.metadata as { continue?: string; resourceVersion?: string };
    rv ??= meta.resourceVersion;
    assert.equal(meta.resourceVersion, rv, 'every page at the first page revision');
    for (const o of r.body.items as Array<{ metadata: { name: string } }>) names.push(o.metadata.name);
    cont = meta.continue;
    pages++;
  } while (cont);
  assert.equal(pages, 4);
  assert.equal(names.length, n);
  assert.equal(new Set(names).size, n);
  assert.deepEqual(names, [...names].sort());
});
