// The namespace finalizer on real etcd: it deletes a namespace's contents
// through the stores (the write path, admission included), in pages, so a
// namespace holding more than one etcd response (> 4 MiB, the gRPC receive
// limit) goes; then it removes the namespace through namespaces/finalize.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import type { KubeObject } from '../api/object.ts';
import { EtcdStorage, prefixEnd } from '../storage/etcd.ts';
import { startEtcd, type TestEtcd } from '../../testutil/etcd.ts';
import { quietLogger } from '../../testutil/log.ts';
import { waitFor } from '../../testutil/wait.ts';
import type { AdmissionAttributes } from './admission/chain.ts';
import { standardAdmission } from './admission/standard.ts';
import { Registry } from './registry.ts';
import { configMapsResource } from './resources/configmaps.ts';
import { namespacesResource } from './resources/namespaces.ts';
import { secretsResource } from './resources/secrets.ts';

let etcd: TestEtcd;
let client: Etcd3;
let registry: Registry;
const admitted: AdmissionAttributes[] = [];

before(async () => {
  etcd = await startEtcd();
  client = new Etcd3({ hosts: etcd.endpoint });
  registry = new Registry([namespacesResource(), configMapsResource(), secretsResource()], new EtcdStorage(client), {
    serviceCIDR: '10.96.0.0/12', log: quietLogger('test'),
    admission: (read) => ({ ...standardAdmission(read), validating: [(a) => { if (a.operation !== 'CREATE') admitted.push(a); }] }),
  });
});

after(async () => {
  await registry.namespaceFinalizer?.close();
  client.close();
  await etcd.stop();
});

/** Runs `fn` on 0..n-1 with `width` calls in flight. */
async function times(n: number, width: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) await fn(next++);
  }));
}

/** Bytes stored under a prefix, read in small pages so the count itself never hits the receive limit. */
async function storedBytes(prefix: string): Promise<{ keys: number; bytes: number }> {
  let keys = 0;
  let bytes = 0;
  let start = Buffer.from(prefix);
  for (;;) {
    const res = await client.kv.range({ key: start, range_end: prefixEnd(prefix), limit: 200 });
    for (const kv of res.kvs) {
      keys++;
      bytes += kv.value.length;
    }
    if (!res.more || res.kvs.length === 0) return { keys, bytes };
    start = Buffer.concat([res.kvs[res.kvs.length - 1]!.key, Buffer.from([0])]);
  }
}

test('a namespace of 2,500 ConfigMaps (over 4 MiB) is deleted in pages through the store', { timeout: 60000 }, async () => {
  const ns = registry.find('', 'v1', 'namespaces')!;
  const cms = registry.find('', 'v1', 'configmaps')!;
  const secrets = registry.find('', 'v1', 'secrets')!;
  await ns.create(undefined, { metadata: { name: 'big' } });
  const payload = 'x'.repeat(2048);
  const n = 2500;
  await times(n, 32, (i) => cms.create('big', { metadata: { name: `cm-${i}` }, data: { v: payload } } as KubeObject));
  await secrets.create('big', { metadata: { name: 's' }, stringData: { a: 'b' } } as KubeObject);
  const before = await storedBytes('/registry/configmaps/big/');
  assert.equal(before.keys, n);
  assert.ok(before.bytes > 4 * 1024 * 1024, `more than one etcd response: ${before.bytes} bytes`);

  admitted.length = 0;
  const res = await ns.delete(undefined, 'big');
  assert.equal(res.deleted, false, 'Terminating first');
  await registry.namespaceFinalizer!.finalize('big');

  await assert.rejects(ns.get(undefined, 'big'), (e: { code?: number }) => e.code === 404);
  assert.deepEqual(await storedBytes('/registry/configmaps/big/'), { keys: 0, bytes: 0 });
  assert.deepEqual(await storedBytes('/registry/secrets/big/'), { keys: 0, bytes: 0 });
  const deletes = admitted.filter((a) => a.operation === 'DELETE' && a.resource === 'configmaps');
  assert.equal(new Set(deletes.map((a) => a.name)).size, n, 'every ConfigMap was deleted through the write path');
  assert.ok(admitted.some((a) => a.operation === 'UPDATE' && a.resource === 'namespaces' && a.subresource === 'finalize'), 'the finalizer was dropped through namespaces/finalize');
});

test('a namespace whose object holds a finalizer stays Terminating until it is released', { timeout: 30000 }, async () => {
  const ns = registry.find('', 'v1', 'namespaces')!;
  const cms = registry.find('', 'v1', 'configmaps')!;
  await ns.create(undefined, { metadata: { name: 'held' } });
  await cms.create('held', { metadata: { name: 'keep', finalizers: ['example.com/hold'] } });
  await cms.create('held', { metadata: { name: 'go' } });
  await ns.delete(undefined, 'held');
  const done = registry.namespaceFinalizer!.finalize('held');
  await waitFor(async () => (await cms.get('held', 'keep')).metadata?.deletionTimestamp, 10000, 'the held object to be terminating', 20);
  await waitFor(async () => cms.get('held', 'go').then(() => false, () => true), 10000, 'the free object to go', 20);
  assert.equal((await ns.get(undefined, 'held')).metadata?.name, 'held');
  await cms.patch('held', 'keep', 'merge', { metadata: { finalizers: null } });
  await done;
  await assert.rejects(ns.get(undefined, 'held'), (e: { code?: number }) => e.code === 404);
});
