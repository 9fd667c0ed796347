import { test } from 'node:test';
import assert from 'node:assert/strict';
import { storageContract } from './contract.test-suite.ts';
import { MemoryStorage } from './memory.ts';
import type { StorageEvent } from './interface.ts';

storageContract('memory', async () => {
  const storage = new MemoryStorage();
  return { storage, close: async () => storage.close() };
});

test('memory: a write made from inside a watch callback is delivered after the current event to every watcher', async () => {
  const s = new MemoryStorage();
  const seenA: string[] = [];
  const seenB: string[] = [];
  const name = (ev: StorageEvent): string => ev.obj.metadata?.name ?? '';
  await s.watch('/registry/x/', '1', (ev) => {
    seenA.push(name(ev));
    if (name(ev) === 'first') void s.create('/registry/x/second', { metadata: { name: 'second' } });
  }, () => undefined);
  await s.watch('/registry/x/', '1', (ev) => seenB.push(name(ev)), () => undefined);
  await s.create('/registry/x/first', { metadata: { name: 'first' } });
  assert.deepEqual(seenA, ['first', 'second']);
  assert.deepEqual(seenB, ['first', 'second'], 'the second watcher sees the outer event first');
  s.close();
});
