import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints, Event, Namespace, Node } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import { allResources } from './index.ts';
import { endpointSlicesResource, endpointsCell, endpointsResource } from './endpoints.ts';
import { eventsResource, lastSeenCell } from './events.ts';
import { componentStatusCells, leasesResource } from './leases.ts';
import { namespacesResource } from './namespaces.ts';
import { nodeRolesCell, nodeStatusCell, nodesResource } from './nodes.ts';

const created = '2026-01-01T00:00:00Z';
const now = Date.parse('2026-01-01T05:00:00Z');

test('node STATUS and ROLES cells', () => {
  const ready = (status: string): Node => ({ status: { conditions: [{ type: 'Ready', status }] } });
  assert.equal(nodeStatusCell(ready('True')), 'Ready');
  assert.equal(nodeStatusCell(ready('False')), 'NotReady');
  assert.equal(nodeStatusCell(ready('Unknown')), 'NotReady');
  assert.equal(nodeStatusCell({}), 'Unknown');
  assert.equal(nodeStatusCell({ ...ready('True'), spec: { unschedulable: true } }), 'Ready,SchedulingDisabled');
  assert.equal(nodeRolesCell({ metadata: { labels: { 'node-role.kubernetes.io/worker': '', 'node-role.kubernetes.io/control-plane': '' } } }), 'control-plane,worker');
  assert.equal(nodeRolesCell({ metadata: { labels: { 'kubernetes.io/role': 'edge' } } }), 'edge');
  assert.equal(nodeRolesCell({}), '<none>');
});

test('node table, selectable fields and status preservation', () => {
  const def = nodesResource();
  const n: Node = {
    metadata: { name: 'node-1', creationTimestamp: created },
    spec: { podCIDR: '10.244.0.0/24' },
    status: {
      conditions: [{ type: 'Ready', status: 'True' }],
      addresses: [{ type: 'InternalIP', address: '10.0.0.2' }, { type: 'Hostname', address: 'node-1' }],
      nodeInfo: { kubeletVersion: 'v1.33.0-skiff', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0', containerRuntimeVersion: 'containerd://1.6.20', architecture: 'amd64', bootID: '', kubeProxyVersion: '', machineID: '', operatingSystem: 'linux', systemUUID: '' },
    },
  };
  assert.deepEqual(def.table.cells(n, now), ['Ready', '<none>', '5h', 'v1.33.0-skiff', '10.0.0.2', '<none>', 'Debian GNU/Linux 12 (bookworm)', '6.1.0', 'containerd://1.6.20']);
  assert.deepEqual(def.strategy.selectableFields!(n), { 'spec.unschedulable': 'false' });
  const upd: Node = { metadata: { name: 'node-1' }, spec: { unschedulable: true, podCIDR: '10.244.1.0/24' } };
  def.strategy.prepareForUpdate!(upd, n);
  assert.deepEqual(upd.status, n.status);
  assert.deepEqual(upd.spec!.podCIDRs, ['10.244.1.0/24']);
  assert.equal(def.strategy.validate!({ metadata: { name: 'Node_1' } }).length, 1);
});

test('namespace defaults, label and validation', () => {
  const def = namespacesResource();
  const ns: Namespace = { metadata: { name: 'team-a' } };
  def.strategy.prepareForCreate!(ns);
  assert.equal(ns.status?.phase, 'Active');
  assert.equal(ns.metadata!.labels!['kubernetes.io/metadata.name'], 'team-a');
  assert.deepEqual(def.strategy.validate!(ns), []);
  assert.deepEqual(def.strategy.validate!({ metadata: { name: 'a.b' } }).map((c) => c.field), ['metadata.name']);
  (ns.metadata as { creationTimestamp?: string }).creationTimestamp = created;
  assert.deepEqual(def.table.cells(ns, now), ['Active', '5h']);
  assert.deepEqual(def.strategy.selectableFields!(ns), { 'status.phase': 'Active' });
  const upd: Namespace = { metadata: { name: 'team-a', labels: {} } };
  def.strategy.prepareForUpdate!(upd, ns);
  assert.equal(upd.status?.phase, 'Active');
  assert.equal(upd.metadata!.labels!['kubernetes.io/metadata.name'], 'team-a');
});

test('event defaults, fields and table', () => {
  const def = eventsResource();
  const ev: Event = { metadata: { name: 'web.1', namespace: 'default' }, involvedObject: { kind: 'Pod', name: 'web', namespace: 'default', uid: 'u1' }, reason: 'Scheduled', message: 'Successfully assigned default/web to node-1', source: { component: 'default-scheduler' } };
  def.strategy.prepareForCreate!(ev);
  assert.equal(ev.count, 1);
  assert.ok(ev.firstTimestamp && ev.firstTimestamp === ev.lastTimestamp);
  assert.equal(ev.type, 'Normal');
  const f = def.strategy.selectableFields!(ev);
  assert.equal(f['involvedObject.name'], 'web');
  assert.equal(f['involvedObject.uid'], 'u1');
  assert.equal(f['involvedObject.kind'], 'Pod');
  assert.equal(f['reason'], 'Scheduled');
  assert.equal(f['source'], 'default-scheduler');
  assert.equal(f['type'], 'Normal');
  assert.deepEqual(def.strategy.validate!({ ...ev, metadata: { name: 'x', namespace: 'other' } }).map((c) => `${c.field}: ${c.message}`), ['involvedObject.namespace: Invalid value: "default": does not match event.namespace']);
  const fixed: Event = { ...ev, firstTimestamp: '2026-01-01T04:00:00Z', lastTimestamp: '2026-01-01T04:58:00Z', count: 4 };
  assert.equal(lastSeenCell(fixed, now), '2m (x4 over 60m)');
  assert.deepEqual(def.table.cells(fixed, now).slice(0, 4), ['2m (x4 over 60m)', 'Normal', 'Scheduled', 'pod/web']);
  assert.equal(def.table.cells(fixed, now)[6], 'Successfully assigned default/web to node-1');
  assert.deepEqual(def.table.columns.filter((c) => c.priority === 0).map((c) => c.name), ['Last Seen', 'Type', 'Reason', 'Object', 'Message']);
});

test('endpoints and endpointslice cells', () => {
  const ep: Endpoints = { subsets: [{ addresses: [{ ip: '10.244.0.2' }, { ip: '10.244.0.3' }], ports: [{ port: 80 }, { port: 443 }] }] };
  assert.equal(endpointsCell(ep), '10.244.0.2:80,10.244.0.2:443,10.244.0.3:80 + 1 more...');
  assert.equal(endpointsCell({}), '<none>');
  const def = endpointSlicesResource();
  const s: EndpointSlice = { metadata: { name: 'web-abc', creationTimestamp: created }, addressType: 'IPv4', ports: [{ port: 80 }], endpoints: [{ addresses: ['10.244.0.2'] }, { addresses: ['10.244.0.3'] }] };
  def.strategy.prepareForCreate!(s);
  assert.deepEqual(def.table.cells(s, now), ['IPv4', '80', '10.244.0.2,10.244.0.3', '5h']);
  assert.deepEqual(def.strategy.validate!(s), []);
  assert.deepEqual(def.strategy.validate!({ metadata: { name: 'x' }, addressType: 'IPX', endpoints: [{ addresses: [] }] }).map((c) => c.field), ['addressType', 'endpoints[0].addresses']);
  assert.deepEqual(def.table.cells({ metadata: {}, addressType: 'IPv4', endpoints: [] }, now).slice(1, 3), ['<unset>', '<unset>']);
  assert.deepEqual(endpointsResource().table.columns.map((c) => c.name), ['Endpoints', 'Age']);
});

test('lease and componentstatus cells', () => {
  assert.deepEqual(leasesResource().table.cells({ metadata: { creationTimestamp: created }, spec: { holderIdentity: 'node-1' } }, now), ['node-1', '5h']);
  assert.deepEqual(componentStatusCells({ conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }] }), ['Healthy', 'ok', '']);
  assert.deepEqual(componentStatusCells({ conditions: [{ type: 'Healthy', status: 'False', error: 'connection refused' }] }), ['Unhealthy', '', 'connection refused']);
  assert.deepEqual(componentStatusCells({}), ['Unknown', '', '']);
});

test('registry: names, short names, categories, scope', () => {
  const defs = allResources();
  const by = new Map(defs.map((d) => [d.resource, d]));
  const expect: Array<[string, string, string[], boolean, string]> = [
    ['pods', '', ['po'], true, 'Pod'],
    ['nodes', '', ['no'], false, 'Node'],
    ['namespaces', '', ['ns'], false, 'Namespace'],
    ['services', '', ['svc'], true, 'Service'],
    ['endpoints', '', ['ep'], true, 'Endpoints'],
    ['events', '', ['ev'], true, 'Event'],
    ['configmaps', '', ['cm'], true, 'ConfigMap'],
    ['secrets', '', [], true, 'Secret'],
    ['serviceaccounts', '', ['sa'], true, 'ServiceAccount'],
    ['componentstatuses', '', ['cs'], false, 'ComponentStatus'],
    ['deployments', 'apps', ['deploy'], true, 'Deployment'],
    ['replicasets', 'apps', ['rs'], true, 'ReplicaSet'],
    ['jobs', 'batch', [], true, 'Job'],
    ['endpointslices', 'discovery.k8s.io', [], true, 'EndpointSlice'],
    ['leases', 'coordination.k8s.io', [], true, 'Lease'],
    ['poddisruptionbudgets', 'policy', ['pdb'], true, 'PodDisruptionBudget'],
    ['ingresses', 'networking.k8s.io', ['ing'], true, 'Ingress'],
    ['ingressclasses', 'networking.k8s.io', [], false, 'IngressClass'],
    ['clusterrolebindings', 'rbac.authorization.k8s.io', [], false, 'ClusterRoleBinding'],
    ['clusterroles', 'rbac.authorization.k8s.io', [], false, 'ClusterRole'],
    ['rolebindings', 'rbac.authorization.k8s.io', [], true, 'RoleBinding'],
    ['roles', 'rbac.authorization.k8s.io', [], true, 'Role'],
    ['certificatesigningrequests', 'certificates.k8s.io', ['csr'], false, 'CertificateSigningRequest'],
    ['networkpolicies', 'networking.k8s.io', ['netpol'], true, 'NetworkPolicy'],
    ['selfsubjectaccessreviews', 'authorization.k8s.io', [], false, 'SelfSubjectAccessReview'],
    ['selfsubjectrulesreviews', 'authorization.k8s.io', [], false, 'SelfSubjectRulesReview'],
    ['subjectaccessreviews', 'authorization.k8s.io', [], false, 'SubjectAccessReview'],
  ];
  assert.equal(defs.length, expect.length);
  for (const [res, group, short, namespaced, kind] of expect) {
    const d = by.get(res);
    assert.ok(d, res);
    assert.equal(d.group, group, res);
    assert.deepEqual(d.shortNames, short, res);
    assert.equal(d.namespaced, namespaced, res);
    assert.equal(d.kind, kind, res);
    assert.equal(d.listKind, `${kind}List`, res);
    assert.equal(d.table.columns.filter((c) => c.name === 'Name').length, d.table.omitNameColumn ? 1 : 0, `${res}: NAME is prepended by the core`);
  }
  assert.deepEqual(defs.filter((d) => d.categories.includes('all')).map((d) => d.resource).sort(), ['deployments', 'jobs', 'pods', 'replicasets', 'services']);
  assert.deepEqual(defs.filter((d) => d.virtual).map((d) => d.resource), ['componentstatuses', 'selfsubjectaccessreviews', 'selfsubjectrulesreviews', 'subjectaccessreviews']);
  assert.deepEqual(by.get('pods')!.subresources.sort(), ['binding', 'eviction', 'log', 'status']);
  assert.deepEqual(by.get('deployments')!.subresources.sort(), ['scale', 'status']);
});
