import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { UserInfo } from '../../../api/user.ts';
import { resourceAttributes, type Attributes } from '../attributes.ts';
import { unionAuthorizer } from '../union.ts';
import { nodeRules } from './authorizer.ts';
import { decideNode } from './decide.ts';
import { NodeGraph } from './graph.ts';
import { nodeIdentity } from './identity.ts';

const n1: UserInfo = { username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
const graph = new NodeGraph();
graph.putPod({ metadata: { name: 'p1', namespace: 'ns' }, spec: { nodeName: 'n1', serviceAccountName: 'sa', containers: [{ name: 'c' }],
  volumes: [{ name: 'v', secret: { secretName: 'used' } }, { name: 'w', configMap: { name: 'cm' } }, { name: 'x', persistentVolumeClaim: { claimName: 'claim' } }] } });
graph.putPod({ metadata: { name: 'p2', namespace: 'ns' }, spec: { nodeName: 'n2', containers: [{ name: 'c' }], volumes: [{ name: 'v', secret: { secretName: 'other' } }] } });
const rules = nodeRules();

const r = (a: Partial<Omit<Attributes, 'user' | 'resourceRequest'>> & { verb: string; resource: string }, user: UserInfo = n1): Attributes => resourceAttributes(user, a);

test('nodeIdentity: only system:node:<n> in system:nodes', () => {
  assert.equal(nodeIdentity(n1), 'n1');
  assert.equal(nodeIdentity({ username: 'system:node:n1', groups: [] }), undefined);
  assert.equal(nodeIdentity({ username: 'alice', groups: ['system:nodes'] }), undefined);
  assert.equal(nodeIdentity({ username: 'system:node:', groups: ['system:nodes'] }), '');
});

test('decideNode: the table', () => {
  const cases: Array<[string, Attributes, 'allow' | 'noOpinion', string?]> = [
    ['non-node user', r({ verb: 'get', resource: 'secrets', namespace: 'ns', name: 'used' }, { username: 'alice', groups: [] }), 'noOpinion', ''],
    ['unknown node', r({ verb: 'get', resource: 'nodes', name: 'n1' }, { username: 'system:node:', groups: ['system:nodes'] }), 'noOpinion', 'unknown node for user "system:node:"'],
    ['get own node', r({ verb: 'get', resource: 'nodes', name: 'n1' }), 'allow'],
    ['watch own node by name', r({ verb: 'watch', resource: 'nodes', name: 'n1' }), 'allow'],
    ['get other node', r({ verb: 'get', resource: 'nodes', name: 'n2' }), 'noOpinion', "node 'n1' cannot read 'n2', only its own Node object"],
    ['list all nodes', r({ verb: 'list', resource: 'nodes' }), 'noOpinion', "node 'n1' cannot read all nodes, only its own Node object"],
    ['patch a node (NodeRestriction narrows)', r({ verb: 'patch', resource: 'nodes', name: 'n2' }), 'allow'],
    ['update own node status', r({ verb: 'update', resource: 'nodes', subresource: 'status', name: 'n1' }), 'allow'],
    ['delete a node', r({ verb: 'delete', resource: 'nodes', name: 'n1' }), 'noOpinion', "node 'n1' cannot delete nodes"],
    ['get own lease', r({ verb: 'get', apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-node-lease', name: 'n1' }), 'allow'],
    ['create a lease', r({ verb: 'create', apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-node-lease' }), 'allow'],
    ['update other lease', r({ verb: 'update', apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-node-lease', name: 'n2' }), 'noOpinion', 'can only access node lease with the same name as the requesting node'],
    ['lease elsewhere', r({ verb: 'get', apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'default', name: 'n1' }), 'noOpinion', 'can only access leases in the "kube-node-lease" system namespace'],
    ['list leases', r({ verb: 'list', apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-node-lease' }), 'noOpinion', 'can only get, create, update, patch, or delete a node lease'],
    ['get used secret', r({ verb: 'get', resource: 'secrets', namespace: 'ns', name: 'used' }), 'allow'],
    ['watch used secret by name', r({ verb: 'watch', resource: 'secrets', namespace: 'ns', name: 'used' }), 'allow'],
    ["get other node's secret", r({ verb: 'get', resource: 'secrets', namespace: 'ns', name: 'other' }), 'noOpinion', "no relationship found between node 'n1' and this object"],
    ['list secrets', r({ verb: 'list', resource: 'secrets', namespace: 'ns' }), 'noOpinion', 'No Object name found'],
    ['update used secret', r({ verb: 'update', resource: 'secrets', namespace: 'ns', name: 'used' }), 'noOpinion', 'can only read resources of this type'],
    ['get used configmap', r({ verb: 'get', resource: 'configmaps', namespace: 'ns', name: 'cm' }), 'allow'],
    ['get used pvc', r({ verb: 'get', resource: 'persistentvolumeclaims', namespace: 'ns', name: 'claim' }), 'allow'],
    ['list pvcs', r({ verb: 'list', resource: 'persistentvolumeclaims', namespace: 'ns' }), 'noOpinion', 'can only get individual resources of this type'],
    ['token for used SA', r({ verb: 'create', resource: 'serviceaccounts', subresource: 'token', namespace: 'ns', name: 'sa' }), 'allow'],
    ['token for other SA', r({ verb: 'create', resource: 'serviceaccounts', subresource: 'token', namespace: 'ns', name: 'default' }), 'noOpinion', "no relationship found between node 'n1' and this object"],
    ['get SA', r({ verb: 'get', resource: 'serviceaccounts', namespace: 'ns', name: 'sa' }), 'noOpinion', 'can only create tokens for individual service accounts'],
    ['get own pod', r({ verb: 'get', resource: 'pods', namespace: 'ns', name: 'p1' }), 'allow'],
    ["get other node's pod", r({ verb: 'get', resource: 'pods', namespace: 'ns', name: 'p2' }), 'noOpinion', "no relationship found between node 'n1' and this object"],
    ['watch pods of own node', { ...r({ verb: 'watch', resource: 'pods' }), fieldSelector: 'spec.nodeName=n1' }, 'allow'],
    ['list pods of other node', { ...r({ verb: 'list', resource: 'pods' }), fieldSelector: 'spec.nodeName=n2' }, 'noOpinion', 'can only list/watch pods with spec.nodeName field selector'],
    ['list all pods', r({ verb: 'list', resource: 'pods' }), 'noOpinion', 'can only list/watch pods with spec.nodeName field selector'],
    ['update pod status (NodeRestriction narrows)', r({ verb: 'patch', resource: 'pods', subresource: 'status', namespace: 'ns', name: 'p2' }), 'allow'],
    ['create mirror pod (NodeRestriction narrows)', r({ verb: 'create', resource: 'pods', namespace: 'ns' }), 'allow'],
    ['create eviction', r({ verb: 'create', resource: 'pods', subresource: 'eviction', namespace: 'ns', name: 'p1' }), 'allow'],
    ['exec into pod', r({ verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'ns', name: 'p1' }), 'noOpinion', ''],
    ['create events (static rules)', r({ verb: 'create', resource: 'events', namespace: 'ns' }), 'allow'],
    ['list services (static rules)', r({ verb: 'list', resource: 'services' }), 'allow'],
    ['delete deployments', r({ verb: 'delete', apiGroup: 'apps', resource: 'deployments', namespace: 'ns', name: 'd' }), 'noOpinion', ''],
  ];
  for (const [name, a, want, reason] of cases) {
    const d = decideNode(a, graph, rules);
    assert.equal(d.decision, want, name);
    if (reason !== undefined) assert.equal(d.reason, reason, name);
  }
});

test('unionAuthorizer: first allow/deny wins, else no opinion with the reasons joined', () => {
  const say = (decision: 'allow' | 'deny' | 'noOpinion', reason: string) => ({ authorize: () => ({ decision, reason }) });
  const a = r({ verb: 'get', resource: 'pods' });
  assert.deepEqual(unionAuthorizer([say('noOpinion', 'x'), say('allow', '')]).authorize(a), { decision: 'allow', reason: '' });
  assert.deepEqual(unionAuthorizer([say('deny', 'no'), say('allow', '')]).authorize(a), { decision: 'deny', reason: 'no' });
  assert.deepEqual(unionAuthorizer([say('noOpinion', 'x'), say('noOpinion', ''), say('noOpinion', 'y')]).authorize(a), { decision: 'noOpinion', reason: 'x\ny' });
});
