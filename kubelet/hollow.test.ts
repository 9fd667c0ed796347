import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { Nodes, Pods } from '../apiserver/client/resources.ts';
import { FakeClient } from '../apiserver/testing/fake-client.ts';
import { quietLogger } from '../testutil/log.ts';
import { waitFor } from '../testutil/wait.ts';
import { FakeRuntime } from './cri/fake.ts';
import { hollowMachine, hollowProbe, runHollowKubelet } from './hollow.ts';
import { runHollowNodes } from './hollow-nodes.ts';

const log = quietLogger('hollow');

const pod = (name: string, nodeName: string): Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' },
  spec: { nodeName, terminationGracePeriodSeconds: 0, containers: [{ name: 'app', image: 'busybox:1.0' }] },
});

const runningIP = (client: FakeClient, name: string): Promise<string> =>
  waitFor(async () => {
    const p = await client.get<Pod>(Pods, name, 'default');
    return p.status?.phase === 'Running' && p.status.podIP;
  }, 10_000, `${name} Running`, 20);

test('runHollowKubelet: pod IPs from the Node\'s podCIDR when it has one, else from the fallback CIDR', async () => {
  const client = new FakeClient();
  const dir = await mkdtemp(join(tmpdir(), 'skiff-hollow-unit-'));
  await client.create<Node>(Nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'h0' }, spec: { podCIDR: '10.50.1.0/24' } });
  const ac = new AbortController();
  let registered = 0;
  const base = { client, log, rootDir: dir, relistMs: 20, onRegistered: () => { registered++; } };
  const nodes = [
    runHollowKubelet({ ...base, nodeName: 'h0', nodeIP: '10.127.0.1', fallbackPodCIDR: '10.128.0.0/24' }, ac.signal),
    runHollowKubelet({ ...base, nodeName: 'h1', nodeIP: '10.127.0.2', fallbackPodCIDR: '10.128.1.0/24' }, ac.signal),
  ];
  try {
    await client.create(Pods, pod('a', 'h0'), 'default');
    await client.create(Pods, pod('b', 'h1'), 'default');
    await client.create(Pods, pod('c', 'h1'), 'default');
    assert.equal(await runningIP(client, 'a'), '10.50.1.2');
    assert.deepEqual(new Set([await runningIP(client, 'b'), await runningIP(client, 'c')]), new Set(['10.128.1.2', '10.128.1.3']));
    assert.equal(registered, 2);
    const h1 = await client.get<Node>(Nodes, 'h1');
    assert.equal(h1.status?.nodeInfo?.machineID, hollowMachine('h1').machineID);
    assert.equal(h1.status?.capacity?.cpu, '4');
  } finally {
    ac.abort();
    await Promise.all(nodes);
    await rm(dir, { recursive: true, force: true });
  }
});

test('runHollowKubelet: pods started after the podCIDR is assigned take IPs from it', async () => {
  const client = new FakeClient();
  const dir = await mkdtemp(join(tmpdir(), 'skiff-hollow-unit-'));
  const ac = new AbortController();
  const node = runHollowKubelet({ client, log, rootDir: dir, relistMs: 20, heartbeatMs: 20, nodeName: 'h0', nodeIP: '10.127.0.1', fallbackPodCIDR: '10.128.0.0/24' }, ac.signal);
  try {
    await client.create(Pods, pod('early', 'h0'), 'default');
    assert.equal(await runningIP(client, 'early'), '10.128.0.2');
    await client.patch(Nodes, 'h0', 'merge', { spec: { podCIDR: '10.50.7.0/24' } });
    await waitFor(async () => {
      const name = `late-${Date.now()}`;
      await client.create(Pods, pod(name, 'h0'), 'default');
      return (await runningIP(client, name)).startsWith('10.50.7.');
    }, 10_000, 'a pod IP from the podCIDR', 50);
  } finally {
    ac.abort();
    await node;
    await rm(dir, { recursive: true, force: true });
  }
});

test('runHollowKubelet: resolves without registering when aborted first', async () => {
  const client = new FakeClient();
  const dir = await mkdtemp(join(tmpdir(), 'skiff-hollow-unit-'));
  const ac = new AbortController();
  ac.abort();
  await runHollowKubelet({ client, log, rootDir: dir, nodeName: 'h0', nodeIP: '10.127.0.1', fallbackPodCIDR: '10.128.0.0/24' }, ac.signal);
  assert.equal(await client.tryGet<Node>(Nodes, 'h0'), undefined);
  await rm(dir, { recursive: true, force: true });
});

test('runHollowNodes: refuses a count or address offset out of range before touching the API', async () => {
  const client = new FakeClient();
  const signal = new AbortController().signal;
  for (const [count, addressOffset] of [[0, 0], [1.5, 0], [32_769, 0], [10, 32_760], [1, -1]]) {
    await assert.rejects(runHollowNodes({ client, count, addressOffset, rootDir: '/nonexistent', log }, signal), /count must be/, `${count} + ${addressOffset}`);
  }
  assert.deepEqual(client.actions, []);
});

test('runHollowNodes: one node failing stops the others and rejects with its error', async () => {
  const client = new FakeClient();
  // A root dir under a file: every node's mkdir fails.
  const dir = await mkdtemp(join(tmpdir(), 'skiff-hollow-unit-'));
  const file = join(dir, 'file');
  await writeFile(file, '');
  await assert.rejects(runHollowNodes({ client, count: 3, rootDir: file, log }, new AbortController().signal), /ENOTDIR/);
  await rm(dir, { recursive: true, force: true });
});

test('hollowProbe: exec probes run in the fake runtime; tcpSocket and httpGet succeed without dialling the fake pod IP', async () => {
  const runtime = new FakeRuntime();
  const c = { name: 'app', image: 'busybox:1.0' };
  // 192.0.2.1 is TEST-NET-1: a real dial would fail or hang, never succeed.
  assert.deepEqual(await hollowProbe({ tcpSocket: { port: 80 } }, c, '192.0.2.1', 'ctr1', runtime), { ok: true, output: '' });
  assert.deepEqual(await hollowProbe({ httpGet: { port: 8080, path: '/healthz' } }, c, '192.0.2.1', 'ctr1', runtime), { ok: true, output: '' });
  await runtime.pullImage('busybox:1.0');
  const sb = await runtime.runPodSandbox({ metadata: { name: 'p', uid: 'u', namespace: 'default', attempt: 0 }, hostname: 'p', log_directory: '/tmp', port_mappings: [], labels: {}, annotations: {} });
  const id = await runtime.createContainer(sb, {
    metadata: { name: 'app', attempt: 0 }, image: { image: 'busybox:1.0' }, command: [], args: [], working_dir: '', envs: [], mounts: [], labels: {}, annotations: {}, log_path: 'app/0.log',
  });
  runtime.execExitCode = () => 1;
  assert.equal((await hollowProbe({ exec: { command: ['false'] } }, c, '192.0.2.1', id, runtime)).ok, false);
});
