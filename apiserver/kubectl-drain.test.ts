/**
 * PodDisruptionBudgets, the Eviction subresource and node maintenance as
 * real kubectl drives them (issue 7): real API server on real etcd, the real
 * disruption controller and scheduler in this process, kubectl 1.33 and
 * 1.27. There is no kubelet: pods are bound by spec.nodeName, have a zero
 * grace period (so a delete removes them) and are made Ready through the
 * status subresource.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplicaSet } from 'kubernetes-types/apps/v1';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import type { Status } from 'kubernetes-types/meta/v1';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1';
import { useKubectl } from '../testutil/kubectl.ts';
import { waitFor } from '../testutil/wait.ts';
import { quietLogger } from '../testutil/log.ts';
import { createInformerFactory } from './client/informer.ts';
import { createEventRecorder } from './client/events.ts';
import { Namespaces, Nodes, PodDisruptionBudgets, Pods, ReplicaSets } from './client/resources.ts';
import type { ApiClient } from './client/types.ts';
import { startDisruptionController } from '../controllers/disruption/controller.ts';
import { runScheduler } from '../scheduler/main.ts';
import { makeNode } from '../scheduler/testing.ts';

const k = useKubectl([33, 27], 'kubectl-drain');
const skip = k.skip;
const NS = 'shop';
const ac = new AbortController();
after(() => ac.abort());

const until = (what: string, cond: () => Promise<boolean>, ms = 15_000): Promise<boolean> => waitFor(() => cond(), ms, what, 50);

let started = false;
/** Starts the disruption controller and the scheduler against the test server, once. */
function startComponents(): ApiClient {
  const api = k.server();
  if (started) return api.client;
  started = true;
  const log = quietLogger('drain-test');
  const informers = createInformerFactory(api.client, log);
  startDisruptionController({ client: api.client, informers, log, recorder: createEventRecorder(api.client, 'controllermanager', log), config: { clusterCIDR: '10.244.0.0/16', nodeCIDRMaskSize: 24 } }, ac.signal);
  informers.start(ac.signal);
  void runScheduler({ apiUrl: api.url, healthzPort: 0, log }, ac.signal);
  return api.client;
}

async function addNode(c: ApiClient, name: string): Promise<void> {
  const n = makeNode(name);
  const created = await c.create<Node>(Nodes, { metadata: n.metadata, spec: n.spec });
  await c.updateStatus<Node>(Nodes, { ...created, status: n.status });
}

/** A pod of `rs` (labels app=web) on `node` (or left to the scheduler), Running and Ready. */
async function addPod(c: ApiClient, name: string, node: string | undefined, rs?: ReplicaSet): Promise<void> {
  const owner = rs ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata!.name!, uid: rs.metadata!.uid!, controller: true, blockOwnerDeletion: true }] : undefined;
  const pod = await c.create<Pod>(Pods, {
    metadata: { name, namespace: NS, labels: rs ? { app: 'web' } : { app: 'probe' }, ...(owner ? { ownerReferences: owner } : {}) },
    spec: { containers: [{ name: 'c', image: 'nginx:1.22' }], terminationGracePeriodSeconds: 0, ...(node ? { nodeName: node } : {}) },
  });
  if (!node) return;
  await c.updateStatus<Pod>(Pods, { ...pod, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } });
}

const pdbStatus = async (c: ApiClient): Promise<PodDisruptionBudget['status']> => (await c.get<PodDisruptionBudget>(PodDisruptionBudgets, 'web', NS)).status;
const podExists = async (c: ApiClient, name: string): Promise<boolean> => (await c.tryGet<Pod>(Pods, name, NS)) !== undefined;

/** POSTs a policy/v1 Eviction for `pod` (`body` replaces the default one, `query` is appended); the HTTP code and the Status answered. */
async function evict(pod: string, body?: unknown, query = ''): Promise<{ code: number; body: Status }> {
  const res = await fetch(`${k.server().url}/api/v1/namespaces/${NS}/pods/${pod}/eviction${query}`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body ?? { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace: NS } }),
  });
  return { code: res.status, body: await res.json() as Status };
}

let rs: ReplicaSet;

test('a PDB (kubectl create pdb) gets its status from the disruption controller; one eviction is allowed (201), the next is 429', { skip }, async () => {
  const c = startComponents();
  await c.create(Namespaces, { metadata: { name: NS } });
  await addNode(c, 'n1');
  await addNode(c, 'n2');
  rs = await c.create<ReplicaSet>(ReplicaSets, {
    metadata: { name: 'web', namespace: NS },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.22' }] } } },
  });
  await addPod(c, 'web-0', 'n1', rs);
  await addPod(c, 'web-1', 'n1', rs);
  await addPod(c, 'web-2', 'n2', rs);
  const made = await k.run(33, ['-n', NS, 'create', 'poddisruptionbudget', 'web', '--selector=app=web', '--min-available=2']);
  assert.equal(made.code, 0, made.out);
  await until('3 healthy, 1 disruption allowed', async () => (await pdbStatus(c))?.disruptionsAllowed === 1);
  const st = await pdbStatus(c);
  assert.deepEqual([st?.expectedPods, st?.currentHealthy, st?.desiredHealthy, st?.observedGeneration], [3, 3, 2, 1]);
  assert.deepEqual(st?.conditions?.map((x) => [x.type, x.status, x.reason]), [['DisruptionAllowed', 'True', 'SufficientPods']]);

  const resources = await k.run(33, ['api-resources', '--api-group=policy']);
  assert.match(resources.out, /^poddisruptionbudgets\s+pdb\s+policy\/v1\s+true\s+PodDisruptionBudget$/m, resources.out);
  const described = await k.run(33, ['-n', NS, 'describe', 'pdb', 'web']);
  assert.equal(described.code, 0, described.out);
  for (const line of [/Min available:\s+2/, /Selector:\s+app=web/, /Allowed disruptions:\s+1/, /Current:\s+3/, /Desired:\s+2/, /Total:\s+3/]) assert.match(described.out, line, described.out);
  for (const minor of [33, 27]) {
    const table = await k.run(minor, ['-n', NS, 'get', 'pdb']);
    assert.equal(table.code, 0, table.out);
    const [head, row] = table.out.trim().split('\n');
    assert.deepEqual(head?.split(/\s{2,}/), ['NAME', 'MIN AVAILABLE', 'MAX UNAVAILABLE', 'ALLOWED DISRUPTIONS', 'AGE'], table.out);
    assert.deepEqual(row?.split(/\s+/).slice(0, 4), ['web', '2', 'N/A', '1'], table.out);
  }

  const refusals: Array<[string, unknown, number]> = [
    ['another name', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'web-0' } }, 400],
    ['another kind', { apiVersion: 'policy/v1', kind: 'Pod', metadata: { name: 'web-2' } }, 400],
    ['bad deleteOptions', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'web-2' }, deleteOptions: { propagationPolicy: 'Sideways' } }, 422],
  ];
  for (const [what, body, code] of refusals) assert.equal((await evict('web-2', body)).code, code, what);
  const dry = await evict('web-2', undefined, '?dryRun=All');
  assert.equal(dry.code, 201, JSON.stringify(dry.body));
  assert.equal(await podExists(c, 'web-2'), true, 'a dry run deletes nothing');
  assert.equal((await pdbStatus(c))?.disruptionsAllowed, 1, 'a dry run takes no disruption');

  const first = await evict('web-2');
  assert.equal(first.code, 201, JSON.stringify(first.body));
  assert.equal(first.body.status, 'Success');
  assert.equal(await podExists(c, 'web-2'), false, 'the evicted pod is deleted');
  const taken = await pdbStatus(c);
  assert.equal(taken?.disruptionsAllowed, 0, 'the eviction took the disruption before the controller saw anything');

  const second = await evict('web-0');
  assert.equal(second.code, 429, JSON.stringify(second.body));
  assert.equal(second.body.reason, 'TooManyRequests');
  assert.equal(second.body.message, "Cannot evict pod as it would violate the pod's disruption budget.");
  assert.deepEqual(second.body.details?.causes, [{ reason: 'DisruptionBudget', message: 'The disruption budget web needs 2 healthy pods and has 2 currently' }]);
  assert.equal(await podExists(c, 'web-0'), true, 'a refused eviction deletes nothing');

  await until('the controller confirms the deletion', async () => {
    const s = await pdbStatus(c);
    return s?.currentHealthy === 2 && s.expectedPods === 2 && s.disruptedPods === undefined;
  });
  assert.equal((await pdbStatus(c))?.conditions?.[0]?.reason, 'InsufficientPods');
});

test('kubectl cordon / uncordon toggle spec.unschedulable and the scheduler skips the cordoned node', { skip }, async () => {
  const c = startComponents();
  const unschedulable = async (node: string): Promise<boolean> => (await c.get<Node>(Nodes, node)).spec?.unschedulable === true;
  const nodeOf = async (pod: string): Promise<string | undefined> => (await c.get<Pod>(Pods, pod, NS)).spec?.nodeName;
  const cordon = await k.run(33, ['cordon', 'n2']);
  assert.equal(cordon.code, 0, cordon.out);
  assert.match(cordon.out, /node\/n2 cordoned/);
  assert.equal(await unschedulable('n2'), true);
  await addPod(c, 'probe-a', undefined);
  await until('probe-a bound', async () => (await nodeOf('probe-a')) !== undefined);
  assert.equal(await nodeOf('probe-a'), 'n1');

  const uncordon = await k.run(27, ['uncordon', 'n2']);
  assert.equal(uncordon.code, 0, uncordon.out);
  assert.match(uncordon.out, /node\/n2 uncordoned/);
  assert.equal(await unschedulable('n2'), false);
  assert.equal((await k.run(27, ['cordon', 'n1'])).code, 0);
  await addPod(c, 'probe-b', undefined);
  await until('probe-b bound', async () => (await nodeOf('probe-b')) !== undefined);
  assert.equal(await nodeOf('probe-b'), 'n2');
  assert.equal((await k.run(33, ['uncordon', 'n1'])).code, 0);
  assert.equal(await unschedulable('n1'), false);
  for (const p of ['probe-a', 'probe-b']) await c.delete(Pods, p, NS);
});

test('kubectl drain evicts through the Eviction API: a PDB-protected pod is retried and reported, and drains once the budget allows', { skip }, async () => {
  const c = startComponents();
  const drainArgs = ['drain', 'n1', '--ignore-daemonsets', '--delete-emptydir-data'];
  const blocked = await k.run(33, [...drainArgs, '--timeout=7s']);
  assert.notEqual(blocked.code, 0, blocked.out);
  assert.match(blocked.out, /node\/n1 cordoned/);
  assert.match(blocked.out, /error when evicting pods\/"web-[01]" -n "shop" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\./, blocked.out);
  assert.equal((await c.get<Node>(Nodes, 'n1')).spec?.unschedulable, true, 'drain cordons first');
  assert.equal(await podExists(c, 'web-0') && await podExists(c, 'web-1'), true, 'nothing protected was evicted');

  await addPod(c, 'web-3', 'n2', rs);
  await addPod(c, 'web-4', 'n2', rs);
  await until('two disruptions allowed', async () => (await pdbStatus(c))?.disruptionsAllowed === 2);
  const drained = await k.run(27, [...drainArgs, '--timeout=60s']);
  assert.equal(drained.code, 0, drained.out);
  assert.match(drained.out, /pod\/web-0 evicted/);
  assert.match(drained.out, /pod\/web-1 evicted/);
  assert.match(drained.out, /node\/n1 drained/);
  assert.equal(await podExists(c, 'web-0') || await podExists(c, 'web-1'), false);
  await until('the budget sees 2 healthy pods', async () => (await pdbStatus(c))?.currentHealthy === 2);
  const back = await k.run(33, ['uncordon', 'n1']);
  assert.equal(back.code, 0, back.out);
  assert.equal((await c.get<Node>(Nodes, 'n1')).spec?.unschedulable, undefined);
});
