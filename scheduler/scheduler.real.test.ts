/**
 * runScheduler against the real API server and etcd: a pod is bound with a
 * Scheduled event; a pod too big for any node gets FailedScheduling and
 * PodScheduled=False, then is bound once a big enough node appears; the
 * attempts show on /metrics of the healthz port.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event, Node, Pod } from 'kubernetes-types/core/v1';
import { Events, Nodes, Pods } from '../apiserver/client/resources.ts';
import type { ApiClient } from '../apiserver/client/types.ts';
import { runScheduler } from './main.ts';
import { makeNode, makePod } from './testing.ts';
import { quietLogger, startApiServerOrSkip } from '../testutil/real-api.ts';
import { freePort } from '../testutil/etcd.ts';
import { waitFor } from '../testutil/wait.ts';

const log = quietLogger('scheduler');

/** Polls through the shared testutil waitFor (a throwing check counts as not yet). */
const until = (what: string, cond: () => Promise<boolean>, ms = 10_000): Promise<boolean> => waitFor(() => cond(), ms, what, 50);

/** Creates a node and sets its status (the status subresource is separate on a real server). */
async function addNode(c: ApiClient, n: Node): Promise<void> {
  const created = await c.create<Node>(Nodes, { metadata: n.metadata, spec: n.spec });
  await c.updateStatus<Node>(Nodes, { ...created, status: n.status });
}

test('runScheduler binds pods on a real API server', async (t) => {
  const api = await startApiServerOrSkip(t);
  if (!api) return;
  const c = api.client;
  const ac = new AbortController();
  const healthzPort = await freePort();
  const running = runScheduler({ apiUrl: api.url, healthzPort, log }, ac.signal);
  try {
    await addNode(c, makeNode('small', { cpu: '1', memory: '2Gi' }));
    await c.create(Pods, makePod('fits', { cpu: '500m' }));
    await c.create(Pods, makePod('big', { cpu: '2' }));
    const nodeOf = async (name: string): Promise<string | undefined> => (await c.get<Pod>(Pods, name, 'default')).spec?.nodeName;
    await until('fits bound', async () => (await nodeOf('fits')) === 'small');
    const events = async (pod: string): Promise<string[]> =>
      (await c.list<Event>(Events, { namespace: 'default', fieldSelector: `involvedObject.name=${pod}` })).items.map((e) => `${e.type} ${e.reason} ${e.message}`);
    await until('Scheduled event', async () => (await events('fits')).includes('Normal Scheduled Successfully assigned default/fits to small'));
    const msg = '0/1 nodes are available: 1 Insufficient cpu.';
    await until('FailedScheduling event', async () => (await events('big')).includes(`Warning FailedScheduling ${msg}`));
    await until('PodScheduled=False', async () => {
      const cond = (await c.get<Pod>(Pods, 'big', 'default')).status?.conditions?.find((x) => x.type === 'PodScheduled');
      return cond?.status === 'False' && cond.reason === 'Unschedulable' && cond.message === msg;
    });
    await addNode(c, makeNode('large', { cpu: '4', memory: '8Gi' }));
    await until('big bound after a node appeared', async () => (await nodeOf('big')) === 'large');
    assert.equal(await nodeOf('fits'), 'small');
    const metrics = await (await fetch(`http://127.0.0.1:${healthzPort}/metrics`)).text();
    assert.match(metrics, /^scheduler_schedule_attempts_total\{result="scheduled",profile="default-scheduler"\} 2$/m);
    assert.match(metrics, /^scheduler_e2e_scheduling_duration_seconds_count\{result="unschedulable",profile="default-scheduler"\} [1-9]\d*$/m);
    assert.match(metrics, /^scheduler_pending_pods\{queue="unschedulable"\} 0$/m);
  } finally {
    ac.abort();
    await running;
    await api.stop();
    c.close();
  }
});
