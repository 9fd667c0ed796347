import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerPort, Pod } from 'kubernetes-types/core/v1';
import { CycleState } from '../../framework/types.ts';
import { makeNode, makePod, nodeInfoOf } from '../../testing.ts';
import { nodePorts } from './nodeports.ts';

const withPorts = (name: string, ports: ContainerPort[], hostNetwork = false): Pod => {
  const p = makePod(name);
  p.spec!.containers[0].ports = ports;
  p.spec!.hostNetwork = hostNetwork;
  return p;
};

test('NodePorts filter', () => {
  const busy = "node(s) didn't have free ports for the requested pod ports";
  const cases: { name: string; pod: Pod; bound: Pod[]; reasons: string[] }[] = [
    { name: 'no host ports', pod: withPorts('p', [{ containerPort: 80 }]), bound: [withPorts('a', [{ containerPort: 80, hostPort: 80 }])], reasons: [] },
    { name: 'same port taken', pod: withPorts('p', [{ containerPort: 80, hostPort: 8080 }]), bound: [withPorts('a', [{ containerPort: 9, hostPort: 8080 }])], reasons: [busy] },
    { name: 'different protocol', pod: withPorts('p', [{ containerPort: 53, hostPort: 53, protocol: 'UDP' }]), bound: [withPorts('a', [{ containerPort: 53, hostPort: 53 }])], reasons: [] },
    { name: 'different specific IPs', pod: withPorts('p', [{ containerPort: 80, hostPort: 80, hostIP: '10.0.0.1' }]), bound: [withPorts('a', [{ containerPort: 80, hostPort: 80, hostIP: '10.0.0.2' }])], reasons: [] },
    { name: 'wildcard IP overlaps', pod: withPorts('p', [{ containerPort: 80, hostPort: 80, hostIP: '10.0.0.1' }]), bound: [withPorts('a', [{ containerPort: 80, hostPort: 80 }])], reasons: [busy] },
    { name: 'hostNetwork uses containerPort', pod: withPorts('p', [{ containerPort: 10250 }], true), bound: [withPorts('a', [{ containerPort: 10250 }], true)], reasons: [busy] },
    { name: 'different port free', pod: withPorts('p', [{ containerPort: 80, hostPort: 81 }]), bound: [withPorts('a', [{ containerPort: 80, hostPort: 80 }])], reasons: [] },
  ];
  for (const c of cases) {
    const state = new CycleState();
    nodePorts.preFilter?.(state, c.pod);
    assert.deepEqual(nodePorts.filter(state, c.pod, nodeInfoOf(makeNode('n'), c.bound)).reasons, c.reasons, c.name);
  }
});
