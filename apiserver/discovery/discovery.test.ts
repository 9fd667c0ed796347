import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { allResources } from '../registry/resources/index.ts';
import { registerDiscovery } from './index.ts';
import { negotiateDiscovery } from './negotiate.ts';

const V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
const V2B1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';
const KUBECTL_ACCEPT = `${V2},${V2B1},application/json`;

async function app() {
  const a = Fastify();
  registerDiscovery(a, allResources());
  await a.ready();
  return a;
}

interface AggResource { resource: string; scope: string; singularResource: string; verbs: string[]; shortNames?: string[]; categories?: string[]; responseKind: { group: string; version: string; kind: string }; subresources?: Array<{ subresource: string; responseKind: { group: string; kind: string }; verbs: string[] }> }
interface AggList { kind: string; apiVersion: string; items: Array<{ metadata: { name: string }; versions: Array<{ version: string; freshness: string; resources: AggResource[] }> }> }

test('Accept negotiation', () => {
  assert.deepEqual(negotiateDiscovery(KUBECTL_ACCEPT), { aggregated: true, version: 'v2', contentType: V2 });
  assert.deepEqual(negotiateDiscovery(`${V2B1},application/json`), { aggregated: true, version: 'v2beta1', contentType: V2B1 });
  assert.deepEqual(negotiateDiscovery('application/json'), { aggregated: false });
  assert.deepEqual(negotiateDiscovery(undefined), { aggregated: false });
  assert.deepEqual(negotiateDiscovery(`application/json, ${V2}`), { aggregated: false });
  assert.deepEqual(negotiateDiscovery(`application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,${V2}`).aggregated, true);
  assert.deepEqual(negotiateDiscovery('application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList,application/json'), { aggregated: false });
});

test('/api aggregated (v2 and v2beta1) lists the core resources with kubectl-facing fields', async () => {
  const a = await app();
  const res = await a.inject({ method: 'GET', url: '/api', headers: { accept: KUBECTL_ACCEPT } });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], V2);
  const body = res.json() as AggList;
  assert.equal(body.kind, 'APIGroupDiscoveryList');
  assert.equal(body.apiVersion, 'apidiscovery.k8s.io/v2');
  assert.equal(body.items.length, 1);
  assert.equal(body.items[0]!.metadata.name, '');
  const v1 = body.items[0]!.versions[0]!;
  assert.equal(v1.version, 'v1');
  assert.equal(v1.freshness, 'Current');
  const names = v1.resources.map((r) => r.resource);
  assert.deepEqual(names, [...names].sort());
  assert.deepEqual(names, ['componentstatuses', 'configmaps', 'endpoints', 'events', 'namespaces', 'nodes', 'pods', 'secrets', 'serviceaccounts', 'services']);
  const pods = v1.resources.find((r) => r.resource === 'pods')!;
  assert.equal(pods.scope, 'Namespaced');
  assert.equal(pods.singularResource, 'pod');
  assert.deepEqual(pods.shortNames, ['po']);
  assert.deepEqual(pods.categories, ['all']);
  assert.deepEqual(pods.responseKind, { group: '', version: 'v1', kind: 'Pod' });
  assert.deepEqual(pods.subresources!.map((s) => [s.subresource, s.responseKind.kind, s.verbs.join(',')]), [
    ['binding', 'Binding', 'create'], ['eviction', 'Eviction', 'create'], ['log', 'Pod', 'get'], ['status', 'Pod', 'get,patch,update'],
  ]);
  const nodes = v1.resources.find((r) => r.resource === 'nodes')!;
  assert.equal(nodes.scope, 'Cluster');
  const cs = v1.resources.find((r) => r.resource === 'componentstatuses')!;
  assert.deepEqual(cs.verbs, ['get', 'list']);
  assert.equal(cs.categories, undefined, 'empty lists are omitted');
  const beta = await a.inject({ method: 'GET', url: '/api', headers: { accept: `${V2B1},application/json` } });
  assert.equal(beta.headers['content-type'], V2B1);
  assert.equal((beta.json() as AggList).apiVersion, 'apidiscovery.k8s.io/v2beta1');
  await a.close();
});

test('/apis aggregated has apps (scale subresource), discovery.k8s.io, coordination.k8s.io, policy, rbac and authorization', async () => {
  const a = await app();
  const body = (await a.inject({ method: 'GET', url: '/apis', headers: { accept: KUBECTL_ACCEPT } })).json() as AggList;
  assert.deepEqual(body.items.map((i) => i.metadata.name), ['apps', 'batch', 'discovery.k8s.io', 'coordination.k8s.io', 'policy', 'networking.k8s.io', 'rbac.authorization.k8s.io', 'certificates.k8s.io', 'authorization.k8s.io']);
  const apps = body.items[0]!.versions[0]!.resources;
  assert.deepEqual(apps.map((r) => r.resource), ['deployments', 'replicasets']);
  const scale = apps[0]!.subresources!.find((s) => s.subresource === 'scale')!;
  assert.deepEqual(scale.responseKind, { group: 'autoscaling', version: 'v1', kind: 'Scale' });
  assert.deepEqual(apps[0]!.shortNames, ['deploy']);
  const networking = body.items.find((i) => i.metadata.name === 'networking.k8s.io')!.versions[0]!.resources;
  const ingresses = networking.find((r) => r.resource === 'ingresses')!;
  assert.deepEqual([ingresses.shortNames, ingresses.subresources!.map((s) => s.subresource)], [['ing'], ['status']]);
  assert.equal(networking.find((r) => r.resource === 'ingressclasses')!.scope, 'Cluster');
  await a.close();
});

test('legacy /api, /apis, /apis/<g> and APIResourceLists', async () => {
  const a = await app();
  const api = await a.inject({ method: 'GET', url: '/api', headers: { accept: 'application/json' } });
  assert.equal(api.headers['content-type'], 'application/json');
  const apiBody = api.json() as { kind: string; versions: string[]; serverAddressByClientCIDRs: Array<{ clientCIDR: string; serverAddress: string }> };
  assert.equal(apiBody.kind, 'APIVersions');
  assert.deepEqual(apiBody.versions, ['v1']);
  assert.equal(apiBody.serverAddressByClientCIDRs[0]!.clientCIDR, '0.0.0.0/0');
  assert.ok(apiBody.serverAddressByClientCIDRs[0]!.serverAddress.length > 0);
  const apis = (await a.inject({ method: 'GET', url: '/apis' })).json() as { kind: string; groups: Array<{ name: string; versions: Array<{ groupVersion: string; version: string }>; preferredVersion: { groupVersion: string } }> };
  assert.equal(apis.kind, 'APIGroupList');
  assert.deepEqual(apis.groups.map((g) => g.preferredVersion.groupVersion), ['apps/v1', 'batch/v1', 'discovery.k8s.io/v1', 'coordination.k8s.io/v1', 'policy/v1', 'networking.k8s.io/v1', 'rbac.authorization.k8s.io/v1', 'certificates.k8s.io/v1', 'authorization.k8s.io/v1']);
  const group = (await a.inject({ method: 'GET', url: '/apis/apps' })).json() as { kind: string; name: string };
  assert.deepEqual([group.kind, group.name], ['APIGroup', 'apps']);
  assert.equal((await a.inject({ method: 'GET', url: '/apis/nope' })).statusCode, 404);
  assert.equal((await a.inject({ method: 'GET', url: '/apis/apps/v2' })).statusCode, 404);
  type RL = { kind: string; groupVersion: string; resources: Array<{ name: string; singularName: string; namespaced: boolean; kind: string; verbs: string[]; shortNames?: string[]; group?: string; version?: string }> };
  const core = (await a.inject({ method: 'GET', url: '/api/v1' })).json() as RL;
  assert.equal(core.kind, 'APIResourceList');
  assert.equal(core.groupVersion, 'v1');
  const podNames = core.resources.filter((r) => r.name.startsWith('pods')).map((r) => r.name);
  assert.deepEqual(podNames, ['pods', 'pods/binding', 'pods/eviction', 'pods/log', 'pods/status']);
  // kubectl drain's CheckEvictionSupport reads exactly these to pick policy/v1 evictions.
  const eviction = core.resources.find((r) => r.name === 'pods/eviction')!;
  assert.deepEqual([eviction.group, eviction.version, eviction.kind, eviction.verbs], ['policy', 'v1', 'Eviction', ['create']]);
  const svc = core.resources.find((r) => r.name === 'services')!;
  assert.deepEqual([svc.singularName, svc.namespaced, svc.kind, svc.shortNames], ['service', true, 'Service', ['svc']]);
  const appsList = (await a.inject({ method: 'GET', url: '/apis/apps/v1' })).json() as RL;
  assert.equal(appsList.groupVersion, 'apps/v1');
  const scale = appsList.resources.find((r) => r.name === 'deployments/scale')!;
  assert.deepEqual([scale.group, scale.version, scale.kind, scale.singularName], ['autoscaling', 'v1', 'Scale', '']);
  const status = appsList.resources.find((r) => r.name === 'replicasets/status')!;
  assert.equal(status.group, undefined);
  assert.equal(status.kind, 'ReplicaSet');
  const leases = (await a.inject({ method: 'GET', url: '/apis/coordination.k8s.io/v1' })).json() as RL;
  assert.deepEqual(leases.resources.map((r) => r.name), ['leases']);
  await a.close();
});

test('the RBAC resources and the create-only reviews are in discovery', async () => {
  const a = await app();
  const body = (await a.inject({ method: 'GET', url: '/apis', headers: { accept: KUBECTL_ACCEPT } })).json() as AggList;
  const rbac = body.items.find((i) => i.metadata.name === 'rbac.authorization.k8s.io')!.versions[0]!.resources;
  assert.deepEqual(rbac.map((r) => [r.resource, r.scope]), [['clusterrolebindings', 'Cluster'], ['clusterroles', 'Cluster'], ['rolebindings', 'Namespaced'], ['roles', 'Namespaced']]);
  const reviews = body.items.find((i) => i.metadata.name === 'authorization.k8s.io')!.versions[0]!.resources;
  assert.deepEqual(reviews.map((r) => [r.resource, r.verbs]), [['selfsubjectaccessreviews', ['create']], ['selfsubjectrulesreviews', ['create']], ['subjectaccessreviews', ['create']]]);
  await a.close();
});
