import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/object.ts';
import { StatusError } from '../api/errors.ts';
import { Cacher } from '../storage/cacher.ts';
import { FakeStorage } from '../storage/fake-storage.test-helper.ts';
import { waitFor } from '../../testutil/wait.ts';
import { cachedList, listFromCache, namespaceForCreate, type ListSourceParams } from './cached-reads.ts';

test('listFromCache decides as kube\'s shouldDelegateList', () => {
  const cases: Array<[string, ListSourceParams, boolean]> = [
    ['no resourceVersion: quorum read from etcd', {}, false],
    ['empty resourceVersion', { resourceVersion: '' }, false],
    ['rv=0', { resourceVersion: '0' }, true],
    ['rv=0 with limit: cache, limit ignored', { resourceVersion: '0', limit: 5 }, true],
    ['rv=n (NotOlderThan)', { resourceVersion: '12' }, true],
    ['rv=n with limit', { resourceVersion: '12', limit: 5 }, false],
    ['Exact', { resourceVersion: '12', exact: true }, false],
    ['continue', { resourceVersion: '0', continue: 'abc' }, false],
  ];
  for (const [name, p, want] of cases) assert.equal(listFromCache(p), want, name);
});

test('cachedList: undefined without a Cacher or for etcd-only parameters; 400 for a non-numeric resourceVersion', async () => {
  const inner = new FakeStorage();
  assert.equal(await cachedList(inner, '/registry/pods/', { resourceVersion: '0' }), undefined);
  const cacher = new Cacher(inner);
  assert.equal(await cachedList(cacher, '/registry/pods/', {}), undefined);
  await assert.rejects(cachedList(cacher, '/registry/pods/', { resourceVersion: 'abc' }), (e: unknown) => e instanceof StatusError && e.code === 400);
  assert.deepEqual((await cachedList(cacher, '/registry/pods/', { resourceVersion: '0' }))?.items, []);
  await cacher.stop();
});

const ns = (name: string, terminating = false): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...(terminating ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) } } as KubeObject);

test('namespaceForCreate reads an active namespace from the cache, and goes live when it is missing or terminating there', async () => {
  const inner = new FakeStorage();
  const cacher = new Cacher(inner);
  const key = '/registry/namespaces/default';
  await inner.create(key, ns('default'));
  assert.equal((await namespaceForCreate(cacher, key))?.metadata?.name, 'default', 'cache not started yet: live read');
  await waitFor(() => cacher.cacheOf(key)?.isReady || undefined, 5000, 'namespaces cache ready', 5);
  const before = inner.getCalls;
  for (let i = 0; i < 5; i++) assert.equal((await namespaceForCreate(cacher, key))?.metadata?.name, 'default');
  assert.equal(inner.getCalls, before, 'no etcd GET per create once the cache holds the namespace');
  assert.equal(await namespaceForCreate(cacher, '/registry/namespaces/missing'), undefined);
  assert.equal(inner.getCalls, before + 1, 'a namespace missing from the cache is read live');
  const t = await inner.create('/registry/namespaces/t', ns('t'));
  await inner.update('/registry/namespaces/t', ns('t', true), t.metadata!.resourceVersion!);
  await waitFor(() => cacher.cacheOf(key)!.revision === inner.rev || undefined, 5000, 'cache caught up', 5);
  const got = await namespaceForCreate(cacher, '/registry/namespaces/t');
  assert.ok(got?.metadata?.deletionTimestamp);
  assert.equal(inner.getCalls, before + 2, 'a terminating namespace is confirmed live');
  await cacher.stop();
});

test('namespaceForCreate reads its own writes: a namespace just marked terminating through the Cacher is read live until the cache has the change', async () => {
  const inner = new FakeStorage();
  const cacher = new Cacher(inner);
  const key = '/registry/namespaces/doomed';
  const created = await cacher.create(key, ns('doomed'));
  await cacher.warm([key]);
  await waitFor(() => cacher.cacheOf(key)!.revision === inner.rev || undefined, 5000, 'cache caught up', 5);
  inner.holdWatches();
  await cacher.update(key, ns('doomed', true), created.metadata!.resourceVersion!);
  assert.equal(cacher.cacheOf(key)!.getObject(key)?.metadata?.deletionTimestamp, undefined, 'the cache has not seen the update yet');
  assert.ok((await namespaceForCreate(cacher, key))?.metadata?.deletionTimestamp, 'the terminating state is seen');
  inner.releaseWatches();
  await waitFor(() => cacher.cacheOf(key)!.revision === inner.rev || undefined, 5000, 'cache caught up', 5);
  const gets = inner.getCalls;
  await cacher.create('/registry/namespaces/other', ns('other'));
  await waitFor(() => cacher.cacheOf(key)!.revision === inner.rev || undefined, 5000, 'cache caught up', 5);
  assert.ok((await namespaceForCreate(cacher, '/registry/namespaces/other'))?.metadata?.name);
  assert.equal(inner.getCalls, gets, 'served from the cache once it caught up');
  await cacher.stop();
});
