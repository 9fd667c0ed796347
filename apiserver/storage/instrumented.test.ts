import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InstrumentedStorage, keyType } from './instrumented.ts';
import { MemoryStorage } from './memory.ts';
import { StorageError, type ListOpts, type TextListResult } from './interface.ts';

test('keyType: the resource segment of a key', () => {
  assert.equal(keyType('/registry/pods/default/web'), 'pods');
  assert.equal(keyType('/registry/nodes/n1'), 'nodes');
  assert.equal(keyType('/registry/configmaps/'), 'configmaps');
  assert.equal(keyType('services/ips/10.96.0.1'), 'services');
});

test('InstrumentedStorage times each call, failed ones too, and behaves as the inner storage', async () => {
  const seen: Array<[string, string]> = [];
  const s = new InstrumentedStorage(new MemoryStorage(), { observe: (op, type, seconds) => {
    assert.ok(seconds >= 0 && Number.isFinite(seconds));
    seen.push([op, type]);
  } });
  const created = await s.create('/registry/configmaps/d/a', { metadata: { name: 'a', namespace: 'd' } });
  assert.equal((await s.get('/registry/configmaps/d/a'))?.metadata?.name, 'a');
  const updated = await s.update('/registry/configmaps/d/a', { metadata: { name: 'a', namespace: 'd' }, data: { k: 'v' } } as never, created.metadata?.resourceVersion ?? '');
  assert.equal((await s.list('/registry/configmaps/')).items.length, 1);
  await assert.rejects(s.create('/registry/configmaps/d/a', { metadata: { name: 'a' } }), (e: unknown) => e instanceof StorageError && e.kind === 'AlreadyExists');
  await s.delete('/registry/configmaps/d/a', updated.metadata?.resourceVersion ?? '');
  assert.equal(await s.reserve('services/ips/10.0.0.1', 'x'), true);
  await s.currentRevision();
  assert.deepEqual(seen, [
    ['create', 'configmaps'], ['get', 'configmaps'], ['update', 'configmaps'], ['list', 'configmaps'],
    ['create', 'configmaps'], ['delete', 'configmaps'], ['reserve', 'services'], ['currentRevision', ''],
  ]);
});

/** A memory storage that also answers listText (as EtcdStorage does). */
class TextStorage extends MemoryStorage {
  async listText(prefix: string, opts?: ListOpts): Promise<TextListResult> {
    const r = await this.list(prefix, opts);
    return { items: r.items.map((o) => Buffer.from(JSON.stringify(o))), revision: r.revision };
  }
}

test('InstrumentedStorage has listText exactly when the inner storage has it, and times it as a list', async () => {
  const seen: string[] = [];
  const sink = { observe: (op: string, type: string) => { seen.push(`${op} ${type}`); } };
  assert.equal(new InstrumentedStorage(new MemoryStorage(), sink).listText, undefined);
  const s = new InstrumentedStorage(new TextStorage(), sink);
  await s.create('/registry/pods/d/p', { metadata: { name: 'p', namespace: 'd' } });
  const text = await s.listText?.('/registry/pods/');
  assert.equal(text?.items.length, 1);
  assert.deepEqual(seen, ['create pods', 'list pods']);
});
