import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWorkQueue } from '../apiserver/client/workqueue.ts';
import type { InformerFactory } from '../apiserver/client/informer-types.ts';
import { FakeClient } from '../apiserver/testing/fake-client.ts';
import type { Logger } from '../apiserver/api/log.ts';
import { waitFor } from '../testutil/wait.ts';
import type { ControllerDeps } from './deps.ts';
import { runWhenSynced } from './run.ts';

/** Deps whose informer factory syncs when the test says so, and a logger that records lines. */
function deps(): { deps: ControllerDeps; sync(): void; lines: string[] } {
  let sync!: () => void;
  const synced = new Promise<void>((resolve) => { sync = resolve; });
  const lines: string[] = [];
  const log: Logger = {
    info: (m) => lines.push(`INFO ${m}`), warn: (m) => lines.push(`WARN ${m}`), error: (m) => lines.push(`ERROR ${m}`),
    debug: () => undefined, child: () => log,
  };
  const informers: InformerFactory = {
    for: () => { throw new Error('not used'); }, start: () => undefined, synced: () => synced,
  };
  return { deps: { client: new FakeClient(), informers, recorder: { event: () => undefined }, log, config: { clusterCIDR: '10.244.0.0/16', nodeCIDRMaskSize: 24 } }, sync, lines };
}

test('runWhenSynced: no reconcile before the informers sync; beforeRun first; stops with the signal', async () => {
  const d = deps();
  const seen: string[] = [];
  const queue = createWorkQueue<string>();
  queue.add('ns/a');
  const ac = new AbortController();
  runWhenSynced(d.deps, 'test controller', { queue, reconcile: async (k) => { seen.push(k); } }, 2, ac.signal, () => seen.push('rebuild'));
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(seen, [], 'nothing runs before sync');
  d.sync();
  await waitFor(() => seen.length === 2, 2000, 'the queued key to be reconciled');
  assert.deepEqual(seen, ['rebuild', 'ns/a']);
  assert.ok(d.lines.includes('INFO test controller running'));
  ac.abort();
});

test('runWhenSynced: an aborted signal before sync runs nothing', async () => {
  const d = deps();
  const seen: string[] = [];
  const queue = createWorkQueue<string>();
  queue.add('k');
  const ac = new AbortController();
  runWhenSynced(d.deps, 'test controller', { queue, reconcile: async (k) => { seen.push(k); } }, 1, ac.signal, () => seen.push('rebuild'));
  ac.abort();
  d.sync();
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(seen, []);
});

test('runWhenSynced: a failing beforeRun is logged, not thrown', async () => {
  const d = deps();
  const ac = new AbortController();
  runWhenSynced(d.deps, 'test controller', { queue: createWorkQueue<string>(), reconcile: async () => undefined }, 1, ac.signal, () => { throw new Error('boom'); });
  d.sync();
  await waitFor(() => d.lines.includes('ERROR test controller stopped'), 2000, 'the error to be logged');
  ac.abort();
});
