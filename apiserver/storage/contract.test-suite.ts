/**
 * The Storage contract as tests, run against every implementation
 * (memory.test.ts, etcd.contract.test.ts): revisions, CAS, ranges at a
 * revision, watches from a revision, compaction, claims, TTLs and the size
 * limit. Each case uses its own key prefix, so one storage serves them all.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/object.ts';
import { quietLogger } from '../../testutil/log.ts';
import { startCompactor } from './compactor.ts';
import { objectKey, resourcePrefix } from './keys.ts';
import { StorageError, type Storage, type StorageErrorKind, type StorageEvent } from './interface.ts';

/** A storage under test and how to dispose of it. */
export interface ContractSubject {
  storage: Storage;
  close(): Promise<void>;
}

const isKind = (kind: StorageErrorKind) => (e: unknown): boolean => e instanceof StorageError && e.kind === kind;

/** Collects watch events until `n` arrived (or the test times out). */
function collector(n: number): { seen: StorageEvent[]; done: Promise<void>; onEvent: (ev: StorageEvent) => void } {
  const seen: StorageEvent[] = [];
  let resolve!: () => void;
  const done = new Promise<void>((r) => { resolve = r; });
  return {
    seen,
    done,
    onEvent: (ev) => {
      seen.push(ev);
      if (seen.length >= n) resolve();
    },
  };
}

const rvOf = (o: { metadata?: { resourceVersion?: string } }): string => o.metadata?.resourceVersion ?? '';

/** Registers the contract tests for the storage `make` builds (once, before the tests). */
export function storageContract(name: string, make: () => Promise<ContractSubject>): void {
  let subject: ContractSubject;
  let s: Storage;
  before(async () => {
    subject = await make();
    s = subject.storage;
  });
  after(async () => {
    await subject.close();
  });

  test(`${name}: create, get, CAS update and delete; one revision counter`, async () => {
    const key = objectKey('things', 'default', 'a');
    const before0 = Number(await s.currentRevision());
    const created = await s.create(key, { kind: 'Thing', metadata: { name: 'a' } });
    const rv = rvOf(created);
    assert.match(rv, /^\d+$/);
    assert.equal(Number(rv), before0 + 1, 'a write takes the next revision');
    assert.equal(await s.currentRevision(), rv);
    await assert.rejects(s.create(key, { metadata: { name: 'a' } }), isKind('AlreadyExists'));
    assert.deepEqual(await s.get(key), created);
    const updated = await s.update(key, { kind: 'Thing', metadata: { name: 'a', labels: { x: 'y' }, resourceVersion: 'ignored' } }, rv);
    assert.equal(Number(rvOf(updated)), Number(rv) + 1);
    assert.deepEqual((await s.get(key))?.metadata?.labels, { x: 'y' });
    await assert.rejects(s.update(key, { metadata: { name: 'a' } }, rv), isKind('Conflict'));
    await assert.rejects(s.delete(key, rv), isKind('Conflict'));
    const delRev = await s.delete(key, rvOf(updated));
    assert.equal(Number(delRev), Number(rvOf(updated)) + 1);
    assert.equal(await s.get(key), undefined);
    await assert.rejects(s.update(key, { metadata: { name: 'a' } }, rv), isKind('NotFound'));
    await assert.rejects(s.delete(key, rv), isKind('NotFound'));
    await assert.rejects(s.update(key, { metadata: { name: 'a' } }, ''), isKind('Invalid'));
    const again = await s.create(key, { metadata: { name: 'a' } });
    assert.ok(Number(rvOf(again)) > Number(delRev), 'a re-created key gets a new revision');
  });

  test(`${name}: stored objects are copies`, async () => {
    const key = objectKey('copies', 'ns', 'a');
    const obj = { metadata: { name: 'a', labels: { v: '1' } } };
    await s.create(key, obj);
    obj.metadata.labels.v = '2';
    const got = await s.get(key);
    assert.equal(got?.metadata?.labels?.v, '1');
    (got!.metadata!.labels as Record<string, string>).v = '3';
    assert.equal((await s.get(key))?.metadata?.labels?.v, '1');
  });

  test(`${name}: list pages in key order at one revision`, async () => {
    for (const n of ['p1', 'p2', 'p3', 'p4', 'p5']) await s.create(objectKey('pages', 'ns', n), { metadata: { name: n } });
    await s.create(objectKey('pagesx', 'ns', 'other'), { metadata: { name: 'other' } });
    const first = await s.list(resourcePrefix('pages'), { limit: 2 });
    assert.deepEqual(first.items.map((o) => o.metadata?.name), ['p1', 'p2']);
    assert.ok(first.nextKey);
    const p3 = (await s.get(objectKey('pages', 'ns', 'p3')))!;
    await s.create(objectKey('pages', 'ns', 'p3a'), { metadata: { name: 'p3a' } });
    await s.update(objectKey('pages', 'ns', 'p3'), { metadata: { name: 'p3', labels: { changed: 'yes' } } }, rvOf(p3));
    const second = await s.list(resourcePrefix('pages'), { limit: 2, startKey: first.nextKey, revision: first.revision });
    assert.deepEqual(second.items.map((o) => o.metadata?.name), ['p3', 'p4'], 'the new key is not visible at the old revision');
    assert.equal(second.items[0].metadata?.labels, undefined, 'the old value is read at the old revision');
    assert.equal(second.revision, first.revision);
    const third = await s.list(resourcePrefix('pages'), { limit: 2, startKey: second.nextKey, revision: first.revision });
    assert.deepEqual(third.items.map((o) => o.metadata?.name), ['p5']);
    assert.equal(third.nextKey, undefined);
    const exact = await s.list(resourcePrefix('pages'), { limit: 5 });
    assert.equal(exact.items.length, 5);
    assert.ok(exact.nextKey, 'six keys, limit five: more remain');
    const all = await s.list(resourcePrefix('pages'));
    assert.deepEqual(all.items.map((o) => o.metadata?.name), ['p1', 'p2', 'p3', 'p3a', 'p4', 'p5']);
    assert.equal(all.nextKey, undefined);
    assert.equal(all.revision, await s.currentRevision());
    assert.deepEqual(all.items.map(rvOf), await Promise.all(['p1', 'p2', 'p3', 'p3a', 'p4', 'p5'].map(async (n) => rvOf((await s.get(objectKey('pages', 'ns', n)))!))), 'each item carries its mod_revision');
    const one = await s.list(resourcePrefix('pages', 'ns'), { limit: 6 });
    assert.equal(one.nextKey, undefined, 'exactly the limit: nothing remains');
  });

  test(`${name}: deleted keys vanish from lists; reads after now are FutureRevision; bad revisions are Invalid`, async () => {
    const a = await s.create(objectKey('gone', 'ns', 'a'), { metadata: { name: 'a' } });
    await s.create(objectKey('gone', 'ns', 'b'), { metadata: { name: 'b' } });
    await s.delete(objectKey('gone', 'ns', 'a'), rvOf(a));
    assert.deepEqual((await s.list(resourcePrefix('gone'))).items.map((o) => o.metadata?.name), ['b']);
    assert.deepEqual((await s.list(resourcePrefix('gone'), { revision: rvOf(a) })).items.map((o) => o.metadata?.name), ['a']);
    const future = String(Number(await s.currentRevision()) + 1000);
    await assert.rejects(s.list(resourcePrefix('gone'), { revision: future }), isKind('FutureRevision'));
    await assert.rejects(s.list(resourcePrefix('gone'), { revision: '' }), isKind('Invalid'));
    await assert.rejects(s.list(resourcePrefix('gone'), { revision: 'abc' }), isKind('Invalid'));
    assert.equal((await s.list(resourcePrefix('gone'))).items.length, 1, 'the storage still answers');
  });

  test(`${name}: watch from a revision sees every later change once, in order, with prev; compaction`, async () => {
    const key = (n: string): string => objectKey('w', 'ns', n);
    const a = await s.create(key('a'), { metadata: { name: 'a' } });
    const start = Number(rvOf(a)) + 1;
    const b = await s.create(key('b'), { metadata: { name: 'b' } });
    await s.create(objectKey('wx', 'ns', 'outside'), { metadata: { name: 'outside' } });
    const a2 = await s.update(key('a'), { metadata: { name: 'a', labels: { v: '2' } } }, rvOf(a));
    const del = await s.delete(key('b'), rvOf(b));
    const c = collector(5);
    const w = await s.watch(resourcePrefix('w'), String(start), c.onEvent, () => undefined);
    const cObj = await s.create(key('c'), { metadata: { name: 'c' } });
    const c2 = await s.update(key('c'), { metadata: { name: 'c', labels: { v: '2' } } }, rvOf(cObj));
    await c.done;
    await w.stop();
    await s.create(key('d'), { metadata: { name: 'd' } });
    assert.deepEqual(c.seen.map((e) => [e.type, e.obj.metadata?.name, String(e.rev), rvOf(e.obj)]), [
      ['put', 'b', rvOf(b), rvOf(b)],
      ['put', 'a', rvOf(a2), rvOf(a2)],
      ['delete', 'b', del, del],
      ['put', 'c', rvOf(cObj), rvOf(cObj)],
      ['put', 'c', rvOf(c2), rvOf(c2)],
    ]);
    assert.equal(c.seen[0].prev, undefined, 'a create has no prev');
    assert.equal(rvOf(c.seen[1].prev!), rvOf(a), 'an update carries the previous object');
    assert.equal(rvOf(c.seen[2].prev!), rvOf(b), 'a delete carries the last object');
    assert.equal(c.seen[2].key, key('b'));

    await s.compact(del);
    await assert.rejects(s.watch(resourcePrefix('w'), String(start), () => undefined, () => undefined), isKind('Compacted'));
    await assert.rejects(s.list(resourcePrefix('w'), { revision: String(start) }), isKind('Compacted'));
    await assert.rejects(s.compact(String(start)), isKind('Compacted'));
    const atCompaction = await s.list(resourcePrefix('w'), { revision: del });
    assert.deepEqual(atCompaction.items.map((o) => o.metadata?.name), ['a'], 'the compacted revision itself stays readable');
    const after1 = collector(3);
    const w2 = await s.watch(resourcePrefix('w'), String(Number(del) + 1), after1.onEvent, () => undefined);
    await after1.done;
    await w2.stop();
    assert.deepEqual(after1.seen.map((e) => e.obj.metadata?.name), ['c', 'c', 'd'], 'history after the compacted revision is kept');
  });

  test(`${name}: a live watch gets concurrent writes exactly once in revision order`, async () => {
    const start = String(Number(await s.currentRevision()) + 1);
    const n = 40;
    const c = collector(n);
    const w = await s.watch(resourcePrefix('burst'), start, c.onEvent, () => undefined);
    const written = await Promise.all(Array.from({ length: n }, (_, i) => s.create(objectKey('burst', 'ns', `o${i}`), { metadata: { name: `o${i}` } })));
    await c.done;
    await w.stop();
    const revs = c.seen.map((e) => e.rev);
    assert.deepEqual(revs, [...revs].sort((x, y) => x - y), 'in revision order');
    assert.deepEqual(new Set(revs).size, n, 'each once');
    assert.deepEqual([...revs].sort((x, y) => x - y), written.map((o) => Number(rvOf(o))).sort((x, y) => x - y));
  });

  test(`${name}: reserve, reserved, release`, async () => {
    assert.equal(await s.reserve('serviceips/10.96.0.10', 'default/x'), true);
    assert.equal(await s.reserve('serviceips/10.96.0.10', 'default/y'), false);
    assert.deepEqual(await s.reserved('serviceips/'), ['serviceips/10.96.0.10']);
    await s.release('serviceips/10.96.0.10');
    await s.release('serviceips/10.96.0.10');
    assert.deepEqual(await s.reserved('serviceips/'), []);
    assert.equal(await s.reserve('serviceips/10.96.0.10', 'default/z'), true, 'a released claim can be taken again');
  });

  test(`${name}: compactor compacts to the revision of the previous tick`, async () => {
    const c = startCompactor(s, { intervalMs: 3600000, log: quietLogger('test') });
    try {
      const a = await s.create(objectKey('compact', 'ns', 'a'), { metadata: { name: 'a' } });
      assert.equal(await c.tick(), undefined, 'first tick only records the revision');
      const b = await s.create(objectKey('compact', 'ns', 'b'), { metadata: { name: 'b' } });
      const rev = await c.tick();
      assert.ok(rev && Number(rev) >= Number(rvOf(a)) && Number(rev) < Number(rvOf(b)));
      await assert.rejects(s.list(resourcePrefix('compact'), { revision: String(Number(rev) - 1) }), isKind('Compacted'));
      const ok = await s.list(resourcePrefix('compact'), { revision: rev });
      assert.equal(ok.items.length, 1);
    } finally {
      c.stop();
    }
  });

  test(`${name}: a write over the size limit is TooLarge and changes nothing; the next write succeeds`, async () => {
    const key = objectKey('configmaps', 'big', 'x');
    const rev = await s.currentRevision();
    const big = { metadata: { name: 'x' }, data: { blob: 'x'.repeat(2.5 * 1024 * 1024) } } as KubeObject;
    for (let i = 0; i < 3; i++) await assert.rejects(s.create(key, big), isKind('TooLarge'));
    assert.equal(await s.currentRevision(), rev, 'nothing written');
    const small = await s.create(key, { metadata: { name: 'x' }, data: { blob: 'small' } } as KubeObject);
    await assert.rejects(s.update(key, big, rvOf(small)), isKind('TooLarge'));
    assert.equal(((await s.get(key)) as { data?: { blob?: string } } | undefined)?.data?.blob, 'small', 'the stored object is unchanged');
    const e = await s.create(objectKey('configmaps', 'big', 'y'), big).catch((err: unknown) => err);
    assert.ok(e instanceof StorageError);
    assert.equal(e.status.code, 413);
    assert.equal(e.status.reason, 'RequestEntityTooLarge');
  });

  test(`${name}: ttlSeconds: the key expires (seen as a watch delete)`, async () => {
    const key = objectKey('events', 'ns', 'e1');
    const created = await s.create(key, { metadata: { name: 'e1' } }, { ttlSeconds: 1 });
    const gone = collector(1);
    const w = await s.watch(resourcePrefix('events', 'ns'), String(Number(rvOf(created)) + 1), (ev) => {
      if (ev.type === 'delete' && ev.key === key) gone.onEvent(ev);
    }, () => undefined);
    // Expiry timers do not hold the process open; this interval does while the test waits.
    const keepAlive = setInterval(() => undefined, 1000);
    await gone.done.finally(() => clearInterval(keepAlive));
    await w.stop();
    assert.equal(await s.get(key), undefined);
    assert.equal(rvOf(gone.seen[0].prev!), rvOf(created));
  });
}
