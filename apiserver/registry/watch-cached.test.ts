import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/object.ts';
import type { WatchEvent } from '../client/types.ts';
import { Cacher } from '../storage/cacher.ts';
import { FakeStorage } from '../storage/fake-storage.test-helper.ts';
import { testDefs } from '../routes/core.test-helper.ts';
import { waitFor } from '../../testutil/wait.ts';
import { strategyContext } from './strategy-context.ts';
import { ResourceStore } from './store.ts';
import { watchStore } from './watch.ts';
import { cachedWatchStart } from './watch-cached.ts';

const podsDef = testDefs()[2];
const pod = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns' }, spec: { containers: [{ name: 'c', image: 'x' }] } } as KubeObject);
const name = (e: WatchEvent<KubeObject>): string => `${e.type} ${(e.object as KubeObject).metadata?.name ?? ''}`;

function setup(opts: { consistentWaitMs?: number } = {}): { inner: FakeStorage; cacher: Cacher; store: ResourceStore } {
  const inner = new FakeStorage();
  const cacher = new Cacher(inner, opts);
  const store = new ResourceStore(podsDef, { storage: cacher, ctx: strategyContext(cacher, { serviceCIDR: '10.96.0.0/12' }) });
  return { inner, cacher, store };
}

test('cachedWatchStart: unset and 0 start from the current state (unset consistently), a number after it', () => {
  assert.deepEqual(cachedWatchStart({}), { mode: 'initial', consistent: true });
  assert.deepEqual(cachedWatchStart({ resourceVersion: '0' }), { mode: 'initial', consistent: false });
  assert.deepEqual(cachedWatchStart({ resourceVersion: '7' }), { mode: 'after', after: 7 });
  assert.deepEqual(cachedWatchStart({ resourceVersion: '7', sendInitialEvents: true }), { mode: 'initial', consistent: false });
});

test('a watch without resourceVersion whose cache lags falls back to an etcd list, then continues from the cache exactly once', async () => {
  const { inner, cacher, store } = setup({ consistentWaitMs: 1 });
  await inner.create('/registry/pods/ns/a', pod('a'));
  await cacher.warm(['/registry/pods/']);
  await waitFor(() => cacher.cacheOf('/registry/pods/')!.revision === inner.rev || undefined, 5000, 'cache caught up', 5);
  inner.holdWatches();
  await inner.create('/registry/pods/ns/b', pod('b'));
  const got: WatchEvent<KubeObject>[] = [];
  await watchStore(store, 'ns', {}, (e) => { got.push(e); });
  assert.deepEqual(got.map(name), ['ADDED a', 'ADDED b'], 'initial state read from the inner storage');
  inner.releaseWatches();
  await inner.create('/registry/pods/ns/c', pod('c'));
  await waitFor(() => got.length >= 3 || undefined, 5000, 'the change after the list', 5);
  await waitFor(() => cacher.cacheOf('/registry/pods/')!.revision === inner.rev || undefined, 5000, 'cache caught up', 5);
  assert.deepEqual(got.map(name), ['ADDED a', 'ADDED b', 'ADDED c'], 'b is not delivered twice');
  await cacher.stop();
});

test('sendInitialEvents over the cache: current state, the initial-events-end bookmark at the snapshot revision, then changes', async () => {
  const { inner, cacher, store } = setup();
  await inner.create('/registry/pods/ns/a', pod('a'));
  const got: WatchEvent<KubeObject>[] = [];
  await watchStore(store, 'ns', { sendInitialEvents: true, resourceVersion: '0' }, (e) => { got.push(e); });
  const snapshotAt = String(inner.rev);
  await inner.create('/registry/pods/ns/b', pod('b'));
  await waitFor(() => got.length >= 3 || undefined, 5000, 'three events', 5);
  assert.deepEqual(got.map((e) => e.type), ['ADDED', 'BOOKMARK', 'ADDED']);
  const bm = got[1].object as KubeObject;
  assert.equal(bm.metadata?.resourceVersion, snapshotAt);
  assert.equal(bm.metadata?.annotations?.['k8s.io/initial-events-end'], 'true');
  await cacher.stop();
});

test('a cached watch that falls too far behind ends without an ERROR event (the client re-watches)', async () => {
  const inner = new FakeStorage();
  const cacher = new Cacher(inner, { watcherQueueLimit: 2 });
  const store = new ResourceStore(podsDef, { storage: cacher, ctx: strategyContext(cacher, { serviceCIDR: '10.96.0.0/12' }) });
  const got: WatchEvent<KubeObject>[] = [];
  let ended = false;
  await watchStore(store, 'ns', { resourceVersion: String(inner.rev) }, (e) => { got.push(e); return false; }, () => { ended = true; });
  for (const n of ['a', 'b', 'c', 'd']) await inner.create(`/registry/pods/ns/${n}`, pod(n));
  await waitFor(() => ended || undefined, 5000, 'the watch ended', 5);
  assert.deepEqual(got.map(name), ['ADDED a'], 'one event, then the consumer pushed back and never resumed');
  await cacher.stop();
});
