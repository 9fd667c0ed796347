/**
 * The informer against the real API server and etcd: after a partition during
 * which etcd compacted, its rewatch gets 410 and a relist emits the missed
 * changes. (A separate file: one API server per test process.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1';
import { Etcd3 } from 'etcd3';
import { createInformer } from './informer.ts';
import { Pods } from './resources.ts';
import { RestClient } from './rest.ts';
import type { KubeList, KubeObject } from '../api/object.ts';
import type { ListOptions, WatchOptions, WatchStream } from './types.ts';
import type { ResourceRef } from './resources.ts';
import { quietLogger, startApiServerOrSkip } from '../../testutil/real-api.ts';

/** A RestClient whose watches can be cut off (a network partition) and refused until healed. */
class PartitionableClient extends RestClient {
  private cut = false;
  lists = 0;
  override async list<T extends KubeObject>(ref: ResourceRef, opts?: ListOptions): Promise<KubeList<T>> {
    this.lists++;
    return super.list<T>(ref, opts);
  }
  private readonly open = new Set<WatchStream<KubeObject>>();
  override async watch<T extends KubeObject>(ref: ResourceRef, opts?: WatchOptions): Promise<WatchStream<T>> {
    if (this.cut) throw new Error('connect ECONNREFUSED (test partition)');
    const s = await super.watch<T>(ref, opts);
    this.open.add(s as WatchStream<KubeObject>);
    return s;
  }
  partition(): void {
    this.cut = true;
    for (const s of this.open) s.stop();
    this.open.clear();
  }
  heal(): void {
    this.cut = false;
  }
}

const log = quietLogger('test');

test('informer relists after etcd compaction and emits the missed delete', async (t) => {
  const api = await startApiServerOrSkip(t);
  if (!api) return;
  const c = api.client;
  const pc = new PartitionableClient({ baseUrl: api.url });
  const etcd = new Etcd3({ hosts: api.etcd.endpoint });
  const ac = new AbortController();
  try {
    const mk = (name: string): Pod => ({ metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    await c.create(Pods, mk('keep'));
    await c.create(Pods, mk('gone'));
    const inf = createInformer<Pod>(pc, Pods, { namespace: 'default', minBackoffMs: 20, maxBackoffMs: 50, watchTimeoutSeconds: 4 }, log);
    const seen: string[] = [];
    inf.addHandlers({ onAdd: (p) => seen.push(`add ${p.metadata?.name}`), onDelete: (p) => seen.push(`delete ${p.metadata?.name}`) });
    inf.start(ac.signal);
    await inf.synced();
    assert.deepEqual(seen.sort(), ['add gone', 'add keep']);
    pc.partition();
    await c.delete(Pods, 'gone', 'default', { gracePeriodSeconds: 0 });
    await c.create(Pods, mk('new'));
    for (let i = 0; i < 3; i++) await c.create(Pods, mk(`filler${i}`));
    const header = await etcd.kv.range({ key: Buffer.from('/') });
    await etcd.kv.compact({ revision: header.header.revision, physical: true });
    pc.heal();
    const end = Date.now() + 10_000;
    while (!(seen.includes('delete gone') && seen.includes('add new'))) {
      if (Date.now() > end) assert.fail(`no relist diff: ${seen.join(', ')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(inf.list().map((p) => p.metadata?.name).sort(), ['filler0', 'filler1', 'filler2', 'keep', 'new']);
    assert.equal(pc.lists, 2, 'the missed events came from a relist after 410, not a replayed watch');
  } finally {
    ac.abort();
    etcd.close();
    pc.close();
    await api.stop();
    c.close();
  }
});
