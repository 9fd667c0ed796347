import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event, Pod } from 'kubernetes-types/core/v1';
import { createEventRecorder } from './events.ts';
import { FakeClient } from '../testing/fake-client.ts';
import { Events, Nodes, Pods } from './resources.ts';
import { quietLogger } from '../../testutil/log.ts';

const log = quietLogger('test');

test('records an Event about a namespaced object with involvedObject and source', async () => {
  const c = new FakeClient({ namespaces: ['ns'] });
  const p = await c.create<Pod>(Pods, { metadata: { name: 'web', namespace: 'ns' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
  const t = Date.UTC(2026, 5, 1, 12, 0, 0);
  const r = createEventRecorder(c, 'default-scheduler', log, { host: 'node-1', now: () => t });
  r.event(p, 'Normal', 'Scheduled', 'Successfully assigned ns/web to node-1');
  await r.flush();
  const evs = (await c.list<Event>(Events, { namespace: 'ns' })).items;
  assert.equal(evs.length, 1);
  const e = evs[0];
  assert.match(e.metadata?.name ?? '', /^web\.[0-9a-f]+$/);
  assert.deepEqual(e.involvedObject, { kind: 'Pod', apiVersion: 'v1', namespace: 'ns', name: 'web', uid: p.metadata?.uid, resourceVersion: p.metadata?.resourceVersion });
  assert.equal(e.reason, 'Scheduled');
  assert.equal(e.type, 'Normal');
  assert.equal(e.count, 1);
  assert.deepEqual(e.source, { component: 'default-scheduler', host: 'node-1' });
  assert.equal(e.firstTimestamp, '2026-06-01T12:00:00Z');
});

test('cluster-scoped objects get events in default; repeats within 10 min aggregate', async () => {
  const c = new FakeClient({ namespaces: ['ns'] });
  const n = await c.create(Nodes, { metadata: { name: 'node-1' } });
  let t = Date.UTC(2026, 5, 1, 12, 0, 0);
  const r = createEventRecorder(c, 'kubelet', log, { now: () => t });
  r.event(n, 'Warning', 'NotReady', 'x');
  t += 60_000;
  r.event(n, 'Warning', 'NotReady', 'x');
  r.event(n, 'Warning', 'NotReady', 'x');
  r.event(n, 'Warning', 'NotReady', 'different message');
  await r.flush();
  let evs = (await c.list<Event>(Events, { namespace: 'default' })).items;
  assert.equal(evs.length, 2);
  const agg = evs.find((e) => e.message === 'x');
  assert.equal(agg?.count, 3);
  assert.equal(agg?.lastTimestamp, '2026-06-01T12:01:00Z');
  assert.equal(agg?.firstTimestamp, '2026-06-01T12:00:00Z');
  assert.equal(c.actions.filter((a) => a.verb === 'patch' && a.resource === 'events').length, 2);
  t += 11 * 60_000;
  r.event(n, 'Warning', 'NotReady', 'x');
  await r.flush();
  evs = (await c.list<Event>(Events, { namespace: 'default' })).items;
  assert.equal(evs.length, 3, 'outside the window a new Event is created');
});

test('never throws: write failures are logged and a deleted aggregate is recreated', async () => {
  const c = new FakeClient({ namespaces: ['ns'] });
  const p = await c.create<Pod>(Pods, { metadata: { name: 'web', namespace: 'ns' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
  const r = createEventRecorder(c, 'x', log);
  c.failOn('create', 'events', new Error('apiserver down'));
  assert.doesNotThrow(() => r.event(p, 'Normal', 'A', 'm'));
  await r.flush();
  assert.equal((await c.list<Event>(Events)).items.length, 0);
  r.event(p, 'Normal', 'B', 'm');
  await r.flush();
  const [e] = (await c.list<Event>(Events)).items;
  await c.delete(Events, e.metadata?.name ?? '', 'ns');
  r.event(p, 'Normal', 'B', 'm');
  await r.flush();
  const evs = (await c.list<Event>(Events)).items;
  assert.equal(evs.length, 1);
  assert.equal(evs[0].reason, 'B');
});
