import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease } from 'kubernetes-types/coordination/v1';
import type { Node } from 'kubernetes-types/core/v1';
import { FakeClient } from '../../apiserver/testing/fake-client.ts';
import { Leases, Nodes, type ResourceRef } from '../../apiserver/client/resources.ts';
import type { KubeObject } from '../../apiserver/api/object.ts';
import { FakeClock } from '../../apiserver/client/workqueue.ts';
import { kubeArch, parseMemTotalKi, parseOsRelease, pickNodeIP, type MachineInfo } from './info.ts';
import { registerNode, renewLease, runNodeHeartbeats, waitForPodCIDR, type NodeAgentOptions } from './register.ts';
import { buildNodeStatus } from './status.ts';
import { quietLogger } from '../../testutil/log.ts';

const quiet = quietLogger('test');
const machine: MachineInfo = {
  cpuCores: 2, memoryKi: 4026512, ephemeralStorageBytes: 10 * 2 ** 30, osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0-1',
  architecture: 'amd64', machineID: 'm', bootID: 'b', systemUUID: 'u',
};

test('parsers', () => {
  assert.equal(parseMemTotalKi('MemTotal:        4026512 kB\nMemFree: 1 kB\n'), 4026512);
  assert.equal(parseMemTotalKi(''), 0);
  assert.equal(parseOsRelease('NAME="Debian"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'), 'Debian GNU/Linux 12 (bookworm)');
  assert.equal(parseOsRelease('X=1'), 'Linux');
  assert.equal(kubeArch('x64'), 'amd64');
  assert.equal(kubeArch('arm64'), 'arm64');
  const v4 = (address: string, internal = false) => ({ address, family: 'IPv4' as const, internal, netmask: '', mac: '', cidr: null });
  assert.equal(pickNodeIP({ lo: [v4('127.0.0.1', true)], cni0: [v4('10.244.0.1')], skn0: [v4('192.168.231.1')] }), '192.168.231.1');
  assert.equal(pickNodeIP({ lo: [v4('127.0.0.1', true)] }), '');
});

test('node status shape', () => {
  const st = buildNodeStatus({ nodeName: 'n1', nodeIP: '10.0.0.5', machine, containerRuntimeVersion: 'containerd://1.6.20', kubeletPort: 10250, now: Date.parse('2026-01-01T00:00:00Z') });
  assert.deepEqual(st.capacity, { cpu: '2', memory: '4026512Ki', pods: '110', 'ephemeral-storage': '10485760Ki' });
  assert.deepEqual(st.allocatable, st.capacity);
  assert.deepEqual(st.addresses, [{ type: 'InternalIP', address: '10.0.0.5' }, { type: 'Hostname', address: 'n1' }]);
  assert.equal(st.daemonEndpoints?.kubeletEndpoint?.Port, 10250);
  assert.equal(st.nodeInfo?.containerRuntimeVersion, 'containerd://1.6.20');
  assert.equal(st.nodeInfo?.kubeletVersion, 'v1.33.0-skiff');
  const ready = st.conditions!.find((c) => c.type === 'Ready')!;
  assert.deepEqual([ready.status, ready.reason, ready.message], ['True', 'KubeletReady', 'kubelet is posting ready status']);
  assert.deepEqual(st.conditions!.map((c) => `${c.type}=${c.status}`), ['MemoryPressure=False', 'DiskPressure=False', 'PIDPressure=False', 'Ready=True']);
});

test('register, heartbeat, lease, podCIDR wait against FakeClient', async () => {
  const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
  const client = new FakeClient({ now: () => clock.now() });
  const o: NodeAgentOptions = { client, log: quiet, clock, nodeName: 'n1', nodeIP: '10.0.0.5', machine, containerRuntimeVersion: 'containerd://1.6.20', kubeletPort: 10250 };
  await registerNode(o);
  let node = await client.get<Node>(Nodes, 'n1');
  assert.equal(node.metadata?.labels?.['kubernetes.io/hostname'], 'n1');
  assert.equal(node.metadata?.labels?.['kubernetes.io/os'], 'linux');
  assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  // Registering again keeps the spec (podCIDR assigned meanwhile).
  await client.patch(Nodes, 'n1', 'merge', { spec: { podCIDR: '10.244.1.0/24' } });
  await registerNode(o);
  node = await client.get<Node>(Nodes, 'n1');
  assert.equal(node.spec?.podCIDR, '10.244.1.0/24');
  const ac = new AbortController();
  assert.equal(await waitForPodCIDR(o, ac.signal), '10.244.1.0/24');

  await renewLease(o);
  let lease = await client.get<Lease>(Leases, 'n1', 'kube-node-lease');
  assert.deepEqual([lease.spec?.holderIdentity, lease.spec?.leaseDurationSeconds, lease.spec?.renewTime], ['n1', 40, '2026-01-01T00:00:00.000000Z']);

  const hb = runNodeHeartbeats(o, ac.signal, 10_000);
  await new Promise((r) => setTimeout(r, 20));
  const firstBeat = (await client.get<Node>(Nodes, 'n1')).status!.conditions!.find((c) => c.type === 'Ready')!;
  clock.advance(10_000);
  await new Promise((r) => setTimeout(r, 20));
  lease = await client.get<Lease>(Leases, 'n1', 'kube-node-lease');
  assert.equal(lease.spec?.renewTime, '2026-01-01T00:00:10.000000Z');
  const ready = (await client.get<Node>(Nodes, 'n1')).status!.conditions!.find((c) => c.type === 'Ready')!;
  assert.equal(ready.lastHeartbeatTime, '2026-01-01T00:00:10Z');
  assert.equal(ready.lastTransitionTime, firstBeat.lastTransitionTime, 'transition time kept');
  ac.abort();
  await hb;
});

test('renewLease creates the Lease without creating kube-node-lease when it exists (a node identity may not create namespaces)', async () => {
  const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
  const namespaceCreates: string[] = [];
  class NoNamespaceCreates extends FakeClient {
    override async create<T extends KubeObject>(ref: ResourceRef, obj: T, namespace?: string): Promise<T> {
      if (ref.resource === 'namespaces') namespaceCreates.push(obj.metadata?.name ?? '');
      return super.create(ref, obj, namespace);
    }
  }
  const client = new NoNamespaceCreates({ now: () => clock.now() });
  const o: NodeAgentOptions = { client, log: quiet, clock, nodeName: 'n1', nodeIP: '10.0.0.5', machine, containerRuntimeVersion: 'containerd://1.6.20', kubeletPort: 10250 };
  await renewLease(o);
  assert.equal((await client.get<Lease>(Leases, 'n1', 'kube-node-lease')).spec?.holderIdentity, 'n1');
  assert.deepEqual(namespaceCreates, []);
});
