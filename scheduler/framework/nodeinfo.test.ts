import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerPort, Pod } from 'kubernetes-types/core/v1';
import { makeNode, makePod } from '../testing.ts';
import { addPod, cloneNodeInfo, newNodeInfo, nodeTraits, removePod, setNode } from './nodeinfo.ts';

const withPorts = (name: string, ports: ContainerPort[], cpu = '100m'): Pod => {
  const p = makePod(name, { cpu });
  p.spec!.containers[0].ports = ports;
  return p;
};

test('addPod and removePod keep every aggregate in step', () => {
  const ni = newNodeInfo(makeNode('n'));
  const a = withPorts('a', [{ containerPort: 80, hostPort: 8080 }], '1');
  const b = withPorts('b', [{ containerPort: 80, hostPort: 8080, hostIP: '10.0.0.1' }, { containerPort: 53, hostPort: 53, protocol: 'UDP' }], '500m');
  const c = makePod('c');
  c.spec!.affinity = { podAffinity: {} };
  addPod(ni, 'default/a', a);
  addPod(ni, 'default/b', b);
  addPod(ni, 'default/c', c);
  assert.deepEqual(ni.requested, { milliCpu: 1500, memory: 0, pods: 3 });
  assert.deepEqual(ni.nonZeroRequested.milliCpu, 1600, 'c counts as 100m when scoring');
  assert.deepEqual([...ni.usedPorts].map(([k, ips]) => [k, [...ips]]), [['TCP/8080', [['0.0.0.0', 1], ['10.0.0.1', 1]]], ['UDP/53', [['0.0.0.0', 1]]]]);
  assert.deepEqual([...ni.podsWithAffinity.keys()], ['default/c']);
  addPod(ni, 'default/a', a);
  assert.equal(ni.requested.pods, 3, 're-adding under the same key replaces');
  assert.equal(removePod(ni, 'default/b'), true);
  assert.equal(removePod(ni, 'default/b'), false);
  assert.deepEqual([...ni.usedPorts].map(([k, ips]) => [k, [...ips]]), [['TCP/8080', [['0.0.0.0', 1]]]]);
  removePod(ni, 'default/a');
  removePod(ni, 'default/c');
  assert.deepEqual([ni.requested, ni.usedPorts.size, ni.podsWithAffinity.size, ni.pods.size], [{ milliCpu: 0, memory: 0, pods: 0 }, 0, 0, 0]);
});

test('a clone is independent of the original', () => {
  const ni = newNodeInfo(makeNode('n'));
  addPod(ni, 'default/a', withPorts('a', [{ containerPort: 1, hostPort: 1 }]));
  const copy = cloneNodeInfo(ni);
  addPod(ni, 'default/b', withPorts('b', [{ containerPort: 1, hostPort: 1, hostIP: '1.2.3.4' }]));
  assert.deepEqual([copy.pods.size, copy.requested.pods, copy.usedPorts.get('TCP/1')?.size], [1, 1, 1]);
});

test('nodeTraits and setNode derive what the filters read', () => {
  const cases: { name: string; node: ReturnType<typeof makeNode>; want: ReturnType<typeof nodeTraits> }[] = [
    { name: 'ready, plain', node: makeNode('n'), want: { unschedulable: false, scheduleTaints: [], readinessTaint: undefined } },
    {
      name: 'cordoned, tainted, not ready',
      node: makeNode('n', { unschedulable: true, ready: 'False', taints: [{ key: 'a', effect: 'NoSchedule' }, { key: 'b', effect: 'PreferNoSchedule' }, { key: 'c', effect: 'NoExecute' }] }),
      want: { unschedulable: true, scheduleTaints: [{ key: 'a', effect: 'NoSchedule' }, { key: 'c', effect: 'NoExecute' }], readinessTaint: { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' } },
    },
    { name: 'unknown', node: makeNode('n', { ready: 'Unknown' }), want: { unschedulable: false, scheduleTaints: [], readinessTaint: { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' } } },
  ];
  for (const c of cases) assert.deepEqual(nodeTraits(c.node), c.want, c.name);
  const ni = newNodeInfo(makeNode('n', { cpu: '2' }));
  setNode(ni, makeNode('n', { cpu: '4', unschedulable: true }));
  assert.deepEqual([ni.allocatable.milliCpu, ni.traits.unschedulable], [4000, true]);
});
