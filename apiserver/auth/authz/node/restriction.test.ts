import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import type { KubeObject } from '../../../api/object.ts';
import type { UserInfo } from '../../../api/user.ts';
import type { AdmissionAttributes } from '../../../registry/admission/chain.ts';
import { forbiddenLabels, modifiedLabels } from './labels.ts';
import { mirrorPodAnnotation, nodeRestriction } from './restriction.ts';

const n1: UserInfo = { username: 'system:node:n1', groups: ['system:nodes'] };
const stored = new Map<string, KubeObject>([['pods/ns/p2', { metadata: { name: 'p2', namespace: 'ns' }, spec: { nodeName: 'n2', containers: [] } } as Pod]]);
const plugin = nodeRestriction(async (resource, ns, name) => stored.get(`${resource}/${ns ?? ''}/${name}`));

const pod = (name: string, nodeName: string, extra: Partial<Pod> = {}, mirror = true): Pod => ({
  ...extra,
  metadata: { name, namespace: 'ns', ...(mirror ? { annotations: { [mirrorPodAnnotation]: 'x' } } : {}), ...extra.metadata },
  spec: { nodeName, containers: [{ name: 'c' }], ...extra.spec },
});
const node = (name: string, labels: Record<string, string> = {}, taints: NonNullable<Node['spec']>['taints'] = []): Node => ({ metadata: { name, labels }, spec: { taints } });

type Case = [string, Partial<AdmissionAttributes> & Pick<AdmissionAttributes, 'operation' | 'resource' | 'object'>, string | undefined];
const write = (c: Case[1]): AdmissionAttributes => ({ group: '', version: 'v1', kind: '', name: c.object.metadata?.name ?? '', dryRun: false, user: n1, ...c });

test('nodeRestriction: the table', async () => {
  const lease = (name: string, namespace = 'kube-node-lease'): KubeObject => ({ metadata: { name, namespace } });
  const cases: Case[] = [
    ['non-node user passes', { operation: 'UPDATE', resource: 'nodes', object: node('n2'), user: { username: 'alice', groups: [] } }, undefined],
    ['create mirror pod on self', { operation: 'CREATE', resource: 'pods', namespace: 'ns', object: pod('m', 'n1') }, undefined],
    ['create plain pod', { operation: 'CREATE', resource: 'pods', namespace: 'ns', object: pod('m', 'n1', {}, false) }, `pods "m" is forbidden: pod does not have "${mirrorPodAnnotation}" annotation, node "n1" can only create mirror pods`],
    ['mirror pod on other node', { operation: 'CREATE', resource: 'pods', namespace: 'ns', object: pod('m', 'n2') }, 'pods "m" is forbidden: node "n1" can only create pods with spec.nodeName set to itself'],
    ['mirror pod owned by a ReplicaSet', { operation: 'CREATE', resource: 'pods', namespace: 'ns', object: pod('m', 'n1', { metadata: { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'r', uid: 'u' }] } }) }, 'pods "m" is forbidden: node "n1" can only create pods with an owner reference set to itself'],
    ['mirror pod owned by its node', { operation: 'CREATE', resource: 'pods', namespace: 'ns', object: pod('m', 'n1', { metadata: { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'u' }] } }) }, undefined],
    ['mirror pod mounting a secret', { operation: 'CREATE', resource: 'pods', namespace: 'ns', object: pod('m', 'n1', { spec: { containers: [], volumes: [{ name: 'v', secret: { secretName: 's' } }] } }) }, 'pods "m" is forbidden: node "n1" can not create pods that reference secrets'],
    ['mirror pod with a service account', { operation: 'CREATE', resource: 'pods', namespace: 'ns', object: pod('m', 'n1', { spec: { containers: [], serviceAccountName: 'default' } }) }, 'pods "m" is forbidden: node "n1" can not create pods that reference a service account'],
    ['delete own pod', { operation: 'DELETE', resource: 'pods', namespace: 'ns', object: pod('a', 'n1'), oldObject: pod('a', 'n1') }, undefined],
    ["delete other node's pod", { operation: 'DELETE', resource: 'pods', namespace: 'ns', object: pod('a', 'n2'), oldObject: pod('a', 'n2') }, 'pods "a" is forbidden: node "n1" can only delete pods with spec.nodeName set to itself'],
    ['update a pod', { operation: 'UPDATE', resource: 'pods', namespace: 'ns', object: pod('a', 'n1'), oldObject: pod('a', 'n1') }, 'pods "a" is forbidden: unexpected operation "UPDATE", node "n1" can only create and delete mirror pods'],
    ['status of own pod', { operation: 'UPDATE', resource: 'pods', subresource: 'status', namespace: 'ns', object: pod('a', 'n1'), oldObject: pod('a', 'n1') }, undefined],
    ["status of other node's pod", { operation: 'UPDATE', resource: 'pods', subresource: 'status', namespace: 'ns', object: pod('a', 'n1'), oldObject: pod('a', 'n2') }, 'pods "a" is forbidden: node "n1" can only update pod status for pods with spec.nodeName set to itself'],
    ["evict other node's pod", { operation: 'CREATE', resource: 'pods', subresource: 'eviction', namespace: 'ns', name: 'p2', object: { metadata: { name: 'p2' } } }, 'pods "p2" is forbidden: node n1 can only evict pods with spec.nodeName set to itself'],
    ['evict a missing pod (left to the eviction)', { operation: 'CREATE', resource: 'pods', subresource: 'eviction', namespace: 'ns', name: 'gone', object: { metadata: { name: 'gone' } } }, undefined],
    ['create own node with kubelet labels', { operation: 'CREATE', resource: 'nodes', object: node('n1', { 'kubernetes.io/hostname': 'n1', 'node.kubernetes.io/x': '1', 'example.com/a': 'b' }) }, undefined],
    ['create own node as control plane', { operation: 'CREATE', resource: 'nodes', object: node('n1', { 'node-role.kubernetes.io/control-plane': '' }) }, 'nodes "n1" is forbidden: node "n1" is not allowed to set the following labels: node-role.kubernetes.io/control-plane'],
    ['modify other node', { operation: 'UPDATE', resource: 'nodes', object: node('n2'), oldObject: node('n2') }, 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"'],
    ['delete other node', { operation: 'DELETE', resource: 'nodes', object: node('n2') }, 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"'],
    ['own node status', { operation: 'UPDATE', resource: 'nodes', subresource: 'status', object: node('n1'), oldObject: node('n1') }, undefined],
    ['remove own taint', { operation: 'UPDATE', resource: 'nodes', object: node('n1'), oldObject: node('n1', {}, [{ key: 'k', effect: 'NoSchedule' }]) }, 'nodes "n1" is forbidden: node "n1" is not allowed to modify taints'],
    ['relabel into a restricted namespace', { operation: 'UPDATE', resource: 'nodes', object: node('n1', { 'a.node-restriction.kubernetes.io/x': '1' }), oldObject: node('n1') }, 'nodes "n1" is forbidden: is not allowed to modify labels: a.node-restriction.kubernetes.io/x'],
    ['own lease', { operation: 'UPDATE', group: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-node-lease', object: lease('n1'), oldObject: lease('n1') }, undefined],
    ['create other lease', { operation: 'CREATE', group: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-node-lease', name: '', object: lease('n2') }, 'leases.coordination.k8s.io "" is forbidden: can only access node lease with the same name as the requesting node'],
    ['lease in default', { operation: 'CREATE', group: 'coordination.k8s.io', resource: 'leases', namespace: 'default', object: lease('n1', 'default') }, 'leases.coordination.k8s.io "n1" is forbidden: can only access leases in the "kube-node-lease" system namespace'],
    ['secrets are not its business', { operation: 'CREATE', resource: 'secrets', namespace: 'ns', object: { metadata: { name: 's' } } }, undefined],
  ];
  for (const [name, c, want] of cases) {
    const err = await plugin(write(c));
    assert.equal(err ? err.status.message : undefined, want, name);
    if (err) assert.equal(err.status.code, 403, name);
  }
});

test('labels: modified keys and the forbidden set (kubeletapis.IsKubeletLabel)', () => {
  assert.deepEqual(modifiedLabels({ a: '1', b: '2', c: '3' }, { a: '1', b: 'x', d: '4' }), ['b', 'c', 'd']);
  assert.deepEqual(forbiddenLabels(['kubernetes.io/hostname', 'topology.kubernetes.io/zone', 'kubelet.kubernetes.io/x', 'foo.node.kubernetes.io/y', 'plain', 'example.com/z',
    'kubernetes.io/role', 'x.k8s.io/y', 'node-restriction.kubernetes.io/a']), ['kubernetes.io/role', 'node-restriction.kubernetes.io/a', 'x.k8s.io/y']);
});
