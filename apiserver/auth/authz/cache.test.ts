import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/object.ts';
import { StorageError, type Storage, type StorageWatch } from '../../storage/interface.ts';
import { MemoryStorage } from '../../storage/memory.ts';
import { quietLogger } from '../../../testutil/log.ts';
import { waitFor } from '../../../testutil/wait.ts';
import { ObjectCache, type CacheChange } from './cache.ts';

/** MemoryStorage whose watches the test can break (stop delivering, then report an error), as a compaction would. */
class BreakableStorage extends MemoryStorage {
  private live: Array<{ w: StorageWatch; fail: (e: StorageError) => void }> = [];
  watches = 0;

  override async watch(prefix: string, rev: string, onEvent: Parameters<Storage['watch']>[2], onError: Parameters<Storage['watch']>[3]): Promise<StorageWatch> {
    this.watches++;
    const w = await super.watch(prefix, rev, onEvent, onError);
    this.live.push({ w, fail: onError });
    return w;
  }

  /** Stops every watch silently (events after this are missed). */
  async cut(): Promise<void> {
    for (const l of this.live) await l.w.stop();
  }

  /** Tells every cut watch it ended. */
  fail(): void {
    const l = this.live;
    this.live = [];
    for (const x of l) x.fail(new StorageError('Compacted', 'mvcc: required revision has been compacted'));
  }
}

const role = (name: string, v = '1'): KubeObject => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name, labels: { v } } });
const names = (c: ObjectCache): string[] => c.items().map((o) => `${o.metadata?.name}:${o.metadata?.labels?.v}`).sort();

test('the cache lists, follows the watch, and after a broken watch relists to the current state', async () => {
  const storage = new BreakableStorage();
  await storage.create('/registry/clusterroles/a', role('a'));
  const cache = new ObjectCache(storage, 'clusterroles', quietLogger('cache'));
  const changes: CacheChange[] = [];
  cache.onChange((c) => changes.push(c));
  await cache.start();
  assert.deepEqual(names(cache), ['a:1']);
  await storage.create('/registry/clusterroles/b', role('b'));
  await waitFor(() => names(cache).length === 2, 5000, 'b to arrive', 5);
  await storage.cut();
  const a = await storage.get('/registry/clusterroles/a');
  await storage.update('/registry/clusterroles/a', role('a', '2'), a!.metadata!.resourceVersion!);
  const b = await storage.get('/registry/clusterroles/b');
  await storage.delete('/registry/clusterroles/b', b!.metadata!.resourceVersion!);
  await storage.create('/registry/clusterroles/c', role('c'));
  assert.deepEqual(names(cache), ['a:1', 'b:1'], 'missed while the watch is down');
  storage.fail();
  await waitFor(() => names(cache).join() === 'a:2,c:1', 5000, 'the relist', 5);
  assert.equal(storage.watches, 2);
  assert.ok(changes.some((c) => c.type === 'delete' && c.obj.metadata?.name === 'b'), 'listeners hear the relist delete');
  await storage.create('/registry/clusterroles/d', role('d'));
  await waitFor(() => names(cache).length === 3, 5000, 'the new watch to deliver d', 5);
  await cache.stop();
  storage.close();
});
