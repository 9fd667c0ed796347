/**
 * The cluster's network settings that every node must share: the pod
 * network (cluster CIDR) and the Service ClusterIP range. `skiff server`
 * publishes them in ConfigMap kube-system/skiff-cluster-config; a joining
 * agent reads them with its bootstrap token (or, later, as the node), so
 * its proxy and kubelet use the server's values instead of the defaults
 * (k3s agents get the same from the server's config endpoint). A Role lets
 * nodes and the node-token group `get` exactly that one ConfigMap.
 */
import type { ConfigMap } from 'kubernetes-types/core/v1';
import type { Role, RoleBinding } from 'kubernetes-types/rbac/v1';
import ipaddr from 'ipaddr.js';
import { ConfigMaps } from '../../apiserver/client/resources.ts';
import { ApiError, isAlreadyExists, type ApiClient } from '../../apiserver/client/types.ts';
import { BOOTSTRAP_NAMESPACE, NODE_TOKEN_GROUP } from './bootstrap-secret.ts';
import { ensureGrant, RoleBindings, Roles } from './server-bootstrap-secret.ts';

/** Name of the ConfigMap (in kube-system) and of its Role and RoleBinding. */
export const CLUSTER_CONFIG_NAME = 'skiff-cluster-config';
/** The Role (and RoleBinding) letting nodes and joining agents read it. */
export const CLUSTER_CONFIG_ROLE = 'system:skiff:cluster-config';

/** The published settings. */
export interface ClusterNetwork {
  /** Pod network, e.g. 10.244.0.0/16. */
  clusterCIDR: string;
  /** Service ClusterIP range, e.g. 10.96.0.0/12. */
  serviceCIDR: string;
}

const rbac = 'rbac.authorization.k8s.io';

/** The ConfigMap holding `net`. Pure. */
export function clusterConfigMap(net: ClusterNetwork): ConfigMap {
  return {
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name: CLUSTER_CONFIG_NAME, namespace: BOOTSTRAP_NAMESPACE, labels: { 'app.kubernetes.io/managed-by': 'skiff' } },
    data: { clusterCIDR: net.clusterCIDR, serviceCIDR: net.serviceCIDR },
  };
}

/** The Role: `get` on that one ConfigMap (no list, no watch, nothing else). Pure. */
export function clusterConfigRole(): Role {
  return {
    apiVersion: `${rbac}/v1`, kind: 'Role',
    metadata: { name: CLUSTER_CONFIG_ROLE, namespace: BOOTSTRAP_NAMESPACE },
    rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: [CLUSTER_CONFIG_NAME], verbs: ['get'] }],
  };
}

/** The RoleBinding of the Role to every node (system:nodes) and to the join tokens' group (agents before they have a node identity). Pure. */
export function clusterConfigRoleBinding(): RoleBinding {
  return {
    apiVersion: `${rbac}/v1`, kind: 'RoleBinding',
    metadata: { name: CLUSTER_CONFIG_ROLE, namespace: BOOTSTRAP_NAMESPACE },
    roleRef: { apiGroup: rbac, kind: 'Role', name: CLUSTER_CONFIG_ROLE },
    subjects: [{ apiGroup: rbac, kind: 'Group', name: 'system:nodes' }, { apiGroup: rbac, kind: 'Group', name: NODE_TOKEN_GROUP }],
  };
}

/** An IPv4 or IPv6 CIDR in canonical text, or undefined. Pure. */
function cidrOrUndefined(v: unknown): string | undefined {
  if (typeof v !== 'string' || !ipaddr.isValidCIDR(v)) return undefined;
  return v;
}

/** The settings in a ConfigMap, or why they are unusable (a field missing or not a CIDR). Pure. */
export function readClusterConfig(cm: ConfigMap): ClusterNetwork | { error: string } {
  const clusterCIDR = cidrOrUndefined(cm.data?.clusterCIDR);
  const serviceCIDR = cidrOrUndefined(cm.data?.serviceCIDR);
  if (clusterCIDR === undefined) return { error: `ConfigMap ${BOOTSTRAP_NAMESPACE}/${CLUSTER_CONFIG_NAME}: clusterCIDR is missing or not a CIDR` };
  if (serviceCIDR === undefined) return { error: `ConfigMap ${BOOTSTRAP_NAMESPACE}/${CLUSTER_CONFIG_NAME}: serviceCIDR is missing or not a CIDR` };
  return { clusterCIDR, serviceCIDR };
}

/**
 * Ensures, through `client` (an admin client), the Role, its binding and
 * the ConfigMap holding `net`; a ConfigMap that already holds the same
 * values is left alone, one with other values is rewritten (the server's
 * flags are the truth). Resolves whether the ConfigMap was written. Throws
 * API errors (the caller retries).
 */
export async function ensureClusterConfig(client: ApiClient, net: ClusterNetwork): Promise<{ stored: boolean }> {
  await ensureGrant(client, Roles, clusterConfigRole());
  await ensureGrant(client, RoleBindings, clusterConfigRoleBinding());
  const want = clusterConfigMap(net);
  const have = await client.tryGet<ConfigMap>(ConfigMaps, CLUSTER_CONFIG_NAME, BOOTSTRAP_NAMESPACE);
  if (have) {
    if (have.data?.clusterCIDR === net.clusterCIDR && have.data?.serviceCIDR === net.serviceCIDR) return { stored: false };
    await client.update<ConfigMap>(ConfigMaps, { ...want, metadata: { ...want.metadata, resourceVersion: have.metadata?.resourceVersion } }, BOOTSTRAP_NAMESPACE);
    return { stored: true };
  }
  try {
    await client.create<ConfigMap>(ConfigMaps, want, BOOTSTRAP_NAMESPACE);
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
  return { stored: true };
}

/**
 * Reads the settings through `client` (a bootstrap-token or node client).
 * Resolves `missing` when the ConfigMap is not there (404: a server of an
 * older Skiff, or not yet published), an error for an unusable one. Throws
 * other API and network errors.
 */
export async function fetchClusterConfig(client: ApiClient): Promise<ClusterNetwork | { missing: true } | { error: string }> {
  try {
    const cm = await client.get<ConfigMap>(ConfigMaps, CLUSTER_CONFIG_NAME, BOOTSTRAP_NAMESPACE);
    return readClusterConfig(cm);
  } catch (e) {
    if (e instanceof ApiError && e.code === 404) return { missing: true };
    throw e;
  }
}
