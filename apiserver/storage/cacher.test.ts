import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/object.ts';
import { StatusError } from '../api/errors.ts';
import { waitFor } from '../../testutil/wait.ts';
import { StorageError, type StorageEvent } from './interface.ts';
import { Cacher, resourcePrefixOf } from './cacher.ts';
import { WatchTerminated } from './cacher-types.ts';
import { FakeStorage } from './fake-storage.test-helper.ts';
import { EventRing } from './cacher-ring.ts';

const cm = (name: string, ns = 'a', data = '1'): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { v: data } } as KubeObject);
const key = (name: string, ns = 'a'): string => `/registry/configmaps/${ns}/${name}`;

/** Collects a watch's events and errors. */
function sink(): { events: StorageEvent[]; errors: StorageError[]; onEvent: (ev: StorageEvent) => void; onError: (e: StorageError) => void } {
  const events: StorageEvent[] = [];
  const errors: StorageError[] = [];
  return { events, errors, onEvent: (ev) => { events.push(ev); }, onError: (e) => { errors.push(e); } };
}

const settle = (what: string, check: () => boolean): Promise<true> => waitFor(() => check() || undefined, 5000, what, 5);

test('resourcePrefixOf takes /registry/<resource>/ from a key or a namespace prefix', () => {
  const cases: Array<[string, string | undefined]> = [
    ['/registry/pods/', '/registry/pods/'],
    ['/registry/pods/ns/', '/registry/pods/'],
    ['/registry/pods/ns/p', '/registry/pods/'],
    ['/registry/nodes/n1', '/registry/nodes/'],
    ['/registry/', undefined],
    ['/other/pods/', undefined],
  ];
  for (const [input, want] of cases) assert.equal(resourcePrefixOf(input), want, input);
});

test('EventRing keeps the newest events and reports from where its history is complete', () => {
  const ring = new EventRing(3, 10);
  const ev = (rev: number): StorageEvent => ({ type: 'put', key: `k${rev}`, obj: {}, rev });
  for (const r of [11, 12, 13]) ring.push(ev(r));
  assert.deepEqual(ring.since(10)?.map((e) => e.rev), [11, 12, 13]);
  assert.deepEqual(ring.since(12)?.map((e) => e.rev), [13]);
  assert.equal(ring.since(9), undefined, 'before the initial list: too old');
  ring.push(ev(14));
  assert.equal(ring.completeAfter, 11);
  assert.equal(ring.since(10), undefined, 'event 11 was evicted');
  assert.deepEqual(ring.since(11)?.map((e) => e.rev), [12, 13, 14]);
  assert.deepEqual(ring.since(99), []);
});

test('many watchers share one inner watch and each sees every change after its revision once, in order', async () => {
  const inner = new FakeStorage();
  const cacher = new Cacher(inner);
  const first = await inner.create(key('x0'), cm('x0'));
  const from = Number(first.metadata!.resourceVersion);
  const watchers = Array.from({ length: 20 }, () => sink());
  const handles = await Promise.all(watchers.map((s) => cacher.watch('/registry/configmaps/', String(from + 1), s.onEvent, s.onError)));
  const written: number[] = [];
  for (let i = 1; i <= 30; i++) written.push(Number((await inner.create(key(`x${i}`), cm(`x${i}`))).metadata!.resourceVersion));
  await settle('every watcher got 30 events', () => watchers.every((s) => s.events.length >= 30));
  for (const s of watchers) {
    assert.deepEqual(s.events.map((e) => e.rev), written);
    assert.deepEqual(s.errors, []);
  }
  assert.equal(inner.liveWatches, 1, 'one inner watch for the resource');
  for (const h of handles) await h.stop();
  await cacher.stop();
});

test('a watch from an old revision replays the ring, then continues live, without duplicates', async () => {
  const inner = new FakeStorage();
  const cacher = new Cacher(inner);
  const early = sink();
  await cacher.watch('/registry/configmaps/', '2', early.onEvent, early.onError);
  const revs: number[] = [];
  for (let i = 0; i < 5; i++) revs.push(Number((await inner.create(key(`y${i}`), cm(`y${i}`))).metadata!.resourceVersion));
  await settle('cache saw 5 changes', () => early.events.length === 5);
  const late = sink();
  await cacher.watch('/registry/configmaps/', String(revs[1] + 1), late.onEvent, late.onError);
  revs.push(Number((await inner.create(key('y5'), cm('y5'))).metadata!.resourceVersion));
  await settle('late watcher caught up', () => late.events.length === 4);
  assert.deepEqual(late.events.map((e) => e.rev), revs.slice(2));
  await cacher.stop();
});

test('namespace prefixes and deletes are filtered per watcher', async () => {
  const inner = new FakeStorage();
  const cacher = new Cacher(inner);
  const onlyB = sink();
  await cacher.watch('/registry/configmaps/b/', '2', onlyB.onEvent, onlyB.onError);
  const a = await inner.create(key('p', 'a'), cm('p', 'a'));
  const b = await inner.create(key('p', 'b'), cm('p', 'b'));
  await inner.delete(key('p', 'b'), b.metadata!.resourceVersion!);
  await inner.delete(key('p', 'a'), a.metadata!.resourceVersion!);
  await settle('b saw put and delete', () => onlyB.events.length === 2);
  assert.deepEqual(onlyB.events.map((e) => [e.type, e.key]), [['put', key('p', 'b')], ['delete', key('p', 'b')]]);
  await cacher.stop();
});

test('a watch older than the ring is refused with Compacted (the route answers 410)', async () => {
  const inner = new FakeStorage();
  const cacher = new Cacher(inner, { ringSize: 3 });
  await cacher.warm(['/registry/configmaps/']);
  const start = inner.rev;
  for (let i = 0; i < 5; i++) await inner.create(key(`z${i}`), cm(`z${i}`));
  await settle('cache caught up', () => cacher.cacheOf('/registry/configmaps/')!.revision === inner.rev);
  const s = sink();
  await assert.rejects(cacher.watch('/registry/configmaps/', String(start + 1), s.onEvent, s.onError), (e: unknown) => e instanceof StorageError && e.kind === 'Compacted' && e.message === String(start + 2));
  const ok = sink();
  await cacher.watch('/registry/configmaps/', String(inner.rev - 2), ok.onEvent, ok.onError);
  await settle('the last three replayed', () => ok.events.length === 3);
  await cacher.stop();
});

test('the first watch after a fresh list does not get 410: the cache loads at the watch revision', async () => {
  const inner = new FakeStorage();
  await inner.create(key('w0'), cm('w0'));
  const listed = Number(inner.rev);
  await inner.create(key('w1'), cm('w1'));
  const cacher = new Cacher(inner);
  const s = sink();
  await cacher.watch('/registry/configmaps/', String(listed + 1), s.onEvent, s.onError);
  await settle('the change after the list arrives', () => s.events.length === 1);
  assert.equal(s.events[0].key, key('w1'));
  await cacher.stop();
});

test('initial mode sends the current objects as puts, then changes, and consistent mode waits for the current revision', async () => {
  const inner = new FakeStorage();
  await inner.create(key('b'), cm('b'));
  await inner.create(key('a'), cm('a'));
  const cacher = new Cacher(inner);
  const s = sink();
  const w = await cacher.watchCached('/registry/configmaps/', { mode: 'initial', consistent: true }, s.onEvent, s.onError);
  assert.equal(w.startRevision, String(inner.rev));
  await inner.create(key('c'), cm('c'));
  await settle('two initial and one change', () => s.events.length === 3);
  assert.deepEqual(s.events.map((e) => [e.key, e.prev === undefined]), [[key('a'), true], [key('b'), true], [key('c'), true]]);
  await cacher.stop();
});

test('listCached serves rv=0 from memory and NotOlderThan after waiting for the revision; 504 if it never comes', async () => {
  const inner = new FakeStorage();
  await inner.create(key('l1'), cm('l1'));
  const cacher = new Cacher(inner, { freshnessTimeoutMs: 50 });
  const zero = await cacher.listCached('/registry/configmaps/a/', 0);
  assert.deepEqual(zero.items.map((o) => o.metadata?.name), ['l1']);
  const callsAfterStart = inner.listCalls;
  const written = await inner.create(key('l2'), cm('l2'));
  const fresh = await cacher.listCached('/registry/configmaps/', Number(written.metadata!.resourceVersion));
  assert.deepEqual(fresh.items.map((o) => o.metadata?.name), ['l1', 'l2']);
  assert.equal(inner.listCalls, callsAfterStart, 'no inner list once the cache runs');
  await assert.rejects(cacher.listCached('/registry/configmaps/', inner.rev + 10), (e: unknown) => e instanceof StatusError && e.code === 504
    && e.message === `Timeout: Too large resource version: ${inner.rev + 10}, current: ${inner.rev}`
    && e.status.reason === 'Timeout' && e.status.details?.causes?.[0]?.reason === 'ResourceVersionTooLarge' && e.status.details?.retryAfterSeconds === 1);
  await cacher.stop();
});

test('progress notifications advance an idle watcher\'s revision (bookmarks) and satisfy NotOlderThan waits', async () => {
  const inner = new FakeStorage();
  const cacher = new Cacher(inner, { freshnessTimeoutMs: 5000 });
  await inner.create(key('p1'), cm('p1'));
  const s = sink();
  const w = await cacher.watch('/registry/configmaps/', String(inner.rev + 1), s.onEvent, s.onError);
  const before = Number(w.revision());
  inner.bump();
  inner.bump();
  const target = inner.rev;
  const listed = cacher.listCached('/registry/configmaps/', target);
  inner.progress();
  assert.equal((await listed).revision, String(target));
  assert.equal(Number(w.revision()), target);
  assert.ok(target > before);
  assert.deepEqual(s.events, []);
  await cacher.stop();
});

test('a watcher that stops reading is terminated once its queue is full, and others keep receiving', async () => {
  const inner = new FakeStorage();
  const cacher = new Cacher(inner, { watcherQueueLimit: 5 });
  const slow = sink();
  let slowGot = 0;
  const slowWatch = await cacher.watch('/registry/configmaps/', '2', () => { slowGot++; return false; }, slow.onError);
  const fast = sink();
  await cacher.watch('/registry/configmaps/', '2', fast.onEvent, fast.onError);
  for (let i = 0; i < 10; i++) await inner.create(key(`s${i}`), cm(`s${i}`));
  await settle('fast got all', () => fast.events.length === 10);
  assert.equal(slowGot, 1, 'the congested consumer got one event, then pushed back');
  assert.equal(slow.errors.length, 1);
  assert.ok(slow.errors[0] instanceof WatchTerminated);
  assert.deepEqual(fast.errors, []);
  assert.equal(cacher.cacheOf('/registry/configmaps/')!.watcherCount, 1);
  slowWatch.resume();
  assert.equal(slowGot, 1, 'a terminated watcher gets nothing more');
  await cacher.stop();
});

test('a congested consumer resumes and gets the held events in order', async () => {
  const inner = new FakeStorage();
  const cacher = new Cacher(inner, { watcherQueueLimit: 100 });
  const got: number[] = [];
  let congested = true;
  const w = await cacher.watch('/registry/configmaps/', '2', (ev) => { got.push(ev.rev); return !congested; }, () => assert.fail('not terminated'));
  const revs: number[] = [];
  for (let i = 0; i < 6; i++) revs.push(Number((await inner.create(key(`r${i}`), cm(`r${i}`))).metadata!.resourceVersion));
  await settle('cache saw all', () => cacher.cacheOf('/registry/configmaps/')!.revision === inner.rev);
  assert.deepEqual(got, revs.slice(0, 1));
  congested = false;
  w.resume();
  assert.deepEqual(got, revs);
  await cacher.stop();
});

test('when the inner watch fails, watchers are terminated and the cache reloads', async () => {
  const inner = new FakeStorage();
  const cacher = new Cacher(inner, { restartDelayMs: 1 });
  const s = sink();
  await cacher.watch('/registry/configmaps/', '2', s.onEvent, s.onError);
  await settle('cache ready', () => cacher.cacheOf('/registry/configmaps/')!.isReady);
  inner.cancelWatches();
  assert.ok(s.errors[0] instanceof WatchTerminated);
  await settle('cache restarted', () => cacher.cacheOf('/registry/configmaps/')!.isReady && inner.liveWatches === 1);
  await inner.create(key('after'), cm('after'));
  const list = await cacher.listCached('/registry/configmaps/', inner.rev);
  assert.deepEqual(list.items.map((o) => o.metadata?.name), ['after']);
  await cacher.stop();
});

test('writes and non-cache reads pass through to the inner storage', async () => {
  const inner = new FakeStorage();
  const cacher = new Cacher(inner);
  const c = await cacher.create(key('t'), cm('t'));
  const u = await cacher.update(key('t'), cm('t', 'a', '2'), c.metadata!.resourceVersion!);
  assert.equal((await cacher.get(key('t')))?.metadata?.resourceVersion, u.metadata?.resourceVersion);
  assert.equal((await cacher.list('/registry/configmaps/')).items.length, 1);
  assert.equal(await cacher.reserve('serviceips/10.0.0.1', 'x'), true);
  assert.deepEqual(await cacher.reserved('serviceips/'), ['serviceips/10.0.0.1']);
  await cacher.delete(key('t'), u.metadata!.resourceVersion!);
  assert.equal(await cacher.get(key('t')), undefined);
  await cacher.stop();
});

test('a change the inner watch delivers twice (replay after a reconnect) reaches watchers once', async () => {
  const inner = new FakeStorage();
  const cacher = new Cacher(inner);
  const s = sink();
  await cacher.watch('/registry/configmaps/', '2', s.onEvent, s.onError);
  const a = await inner.create(key('d1'), cm('d1'));
  inner.redeliverLast();
  inner.progress();
  inner.redeliverLast();
  const b = await inner.create(key('d2'), cm('d2'));
  await settle('both changes', () => s.events.length >= 2 && cacher.cacheOf('/registry/configmaps/')!.revision === inner.rev);
  assert.deepEqual(s.events.map((e) => e.rev), [Number(a.metadata!.resourceVersion), Number(b.metadata!.resourceVersion)]);
  await cacher.stop();
});

test('a first watch from a future revision loads the cache at the current one and waits for changes after its revision', async () => {
  const inner = new FakeStorage();
  await inner.create(key('f0'), cm('f0'));
  const cacher = new Cacher(inner);
  const s = sink();
  const future = inner.rev + 2;
  await cacher.watch('/registry/configmaps/', String(future + 1), s.onEvent, s.onError);
  await inner.create(key('f1'), cm('f1'));
  await inner.create(key('f2'), cm('f2'));
  const last = await inner.create(key('f3'), cm('f3'));
  await settle('the change after the future revision', () => s.events.length === 1);
  assert.equal(s.events[0].rev, Number(last.metadata!.resourceVersion));
  await cacher.stop();
});

test('compacting through the cache makes watches from before the compacted revision Compacted, and keeps later history', async () => {
  const inner = new FakeStorage();
  const cacher = new Cacher(inner);
  await cacher.warm(['/registry/configmaps/']);
  const start = inner.rev;
  const a = await inner.create(key('k1'), cm('k1'));
  const b = await inner.create(key('k2'), cm('k2'));
  await settle('cache caught up', () => cacher.cacheOf('/registry/configmaps/')!.revision === inner.rev);
  await cacher.compact(a.metadata!.resourceVersion!);
  const s = sink();
  await assert.rejects(cacher.watch('/registry/configmaps/', String(start + 1), s.onEvent, s.onError), (e: unknown) => e instanceof StorageError && e.kind === 'Compacted');
  await cacher.watch('/registry/configmaps/', String(Number(a.metadata!.resourceVersion) + 1), s.onEvent, s.onError);
  await settle('the change after the compacted revision', () => s.events.length === 1);
  assert.equal(s.events[0].rev, Number(b.metadata!.resourceVersion));
  await cacher.stop();
});
