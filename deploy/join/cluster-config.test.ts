/** The cluster network settings ConfigMap, its Role, and ensure/fetch through the FakeClient. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap } from 'kubernetes-types/core/v1';
import type { Role, RoleBinding } from 'kubernetes-types/rbac/v1';
import { FakeClient } from '../../apiserver/testing/fake-client.ts';
import { ConfigMaps } from '../../apiserver/client/resources.ts';
import { BOOTSTRAP_NAMESPACE, NODE_TOKEN_GROUP } from './bootstrap-secret.ts';
import { CLUSTER_CONFIG_NAME, CLUSTER_CONFIG_ROLE, clusterConfigMap, clusterConfigRole, clusterConfigRoleBinding, ensureClusterConfig, fetchClusterConfig, readClusterConfig } from './cluster-config.ts';
import { RoleBindings, Roles } from './server-bootstrap-secret.ts';

const net = { clusterCIDR: '10.42.0.0/16', serviceCIDR: '10.43.0.0/16' };

test('readClusterConfig: the published values round-trip; a missing or garbage field is an error naming it', () => {
  assert.deepEqual(readClusterConfig(clusterConfigMap(net)), net);
  const cases: Array<[Record<string, string> | undefined, RegExp]> = [
    [undefined, /clusterCIDR/],
    [{ serviceCIDR: '10.43.0.0/16' }, /clusterCIDR/],
    [{ clusterCIDR: '10.42.0.0/16' }, /serviceCIDR/],
    [{ clusterCIDR: 'ten', serviceCIDR: '10.43.0.0/16' }, /clusterCIDR is missing or not a CIDR/],
    [{ clusterCIDR: '10.42.0.0/16', serviceCIDR: '10.43.0.1' }, /serviceCIDR is missing or not a CIDR/],
  ];
  for (const [data, want] of cases) {
    const r = readClusterConfig({ ...clusterConfigMap(net), ...(data === undefined ? { data: undefined } : { data }) });
    assert.ok('error' in r && want.test(r.error), JSON.stringify([data, r]));
  }
});

test('the Role grants get on that one ConfigMap only; the binding names nodes and the join tokens\' group, not everyone', () => {
  assert.deepEqual(clusterConfigRole().rules, [{ apiGroups: [''], resources: ['configmaps'], resourceNames: [CLUSTER_CONFIG_NAME], verbs: ['get'] }]);
  const b = clusterConfigRoleBinding();
  assert.deepEqual(b.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: CLUSTER_CONFIG_ROLE });
  assert.deepEqual((b.subjects ?? []).map((s) => `${s.kind}:${s.name}`), ['Group:system:nodes', `Group:${NODE_TOKEN_GROUP}`]);
});

test('ensureClusterConfig: creates the Role, binding and ConfigMap; leaves equal values alone; rewrites changed ones; fetch reads them', async () => {
  const c = new FakeClient();
  assert.deepEqual(await fetchClusterConfig(c), { missing: true });
  assert.deepEqual(await ensureClusterConfig(c, net), { stored: true });
  assert.ok(await c.tryGet<Role>(Roles, CLUSTER_CONFIG_ROLE, BOOTSTRAP_NAMESPACE));
  assert.ok(await c.tryGet<RoleBinding>(RoleBindings, CLUSTER_CONFIG_ROLE, BOOTSTRAP_NAMESPACE));
  const rv = (await c.get<ConfigMap>(ConfigMaps, CLUSTER_CONFIG_NAME, BOOTSTRAP_NAMESPACE)).metadata?.resourceVersion;
  assert.deepEqual(await ensureClusterConfig(c, net), { stored: false });
  assert.equal((await c.get<ConfigMap>(ConfigMaps, CLUSTER_CONFIG_NAME, BOOTSTRAP_NAMESPACE)).metadata?.resourceVersion, rv, 'no write when equal');
  const moved = { ...net, serviceCIDR: '10.96.0.0/12' };
  assert.deepEqual(await ensureClusterConfig(c, moved), { stored: true });
  assert.deepEqual(await fetchClusterConfig(c), moved);
});
