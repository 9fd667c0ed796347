/**
 * The server bootstrap data of an EMBEDDED-etcd cluster, served through the
 * API server to a holder of the join token (k3s serves its bootstrap data
 * over the apiserver's HTTPS port to a client presenting the token;
 * kubeadm's `upload-certs` stores the control-plane certs, encrypted, in
 * Secret kube-system/kubeadm-certs, readable by the bootstrap-token group).
 *
 * Secret `kube-system/skiff-server-bootstrap`, type Opaque:
 * - `sealed`: EMBEDDED_BOOTSTRAP_FILES sealed with the token's
 *   `<id>.<secret>` (server-bootstrap.ts sealBootstrap; additional data
 *   `kube-system/skiff-server-bootstrap`);
 * - `etcd-client-urls`: comma-separated client URLs of the etcd members
 *   that were voters when it was published (not secret; a joiner dials them
 *   for MemberAdd, and MemberList tells it the rest).
 * The sealed payload carries the cluster's agent token too.
 * Role `system:skiff:server-bootstrap` lets only the server token's group
 * (SERVER_TOKEN_GROUP) `get` only this Secret, by name; the agent token's
 * user is not in it (k3s's --token / --agent-token split).
 *
 * Who can open it: a holder of the server token. Agents join with the
 * agent token (agent-token.ts), which gets a 403 here.
 * The joiner fetches it only after checking the server's CA against the
 * token's hash (deploy/agent/cacerts.ts), over TLS verified with that CA.
 * Nothing here logs the token or key material.
 */
import type { Secret } from 'kubernetes-types/core/v1';
import type { Role, RoleBinding } from 'kubernetes-types/rbac/v1';
import type { ApiClient } from '../../apiserver/client/types.ts';
import { isAlreadyExists } from '../../apiserver/client/types.ts';
import { Secrets, type ResourceRef } from '../../apiserver/client/resources.ts';
import { BOOTSTRAP_NAMESPACE, SERVER_TOKEN_GROUP } from './bootstrap-secret.ts';
import { EMBEDDED_BOOTSTRAP_FILES, openBootstrapPayload, sealBootstrap, type EmbeddedBootstrapData } from './server-bootstrap.ts';

/** The Secret's name (in kube-system). */
export const SERVER_BOOTSTRAP_SECRET = 'skiff-server-bootstrap';
/** The Role (and RoleBinding) letting the server token's group read it. */
export const SERVER_BOOTSTRAP_ROLE = 'system:skiff:server-bootstrap';
/** The additional data the payload is sealed with: where it is stored. */
export const SERVER_BOOTSTRAP_AAD = `${BOOTSTRAP_NAMESPACE}/${SERVER_BOOTSTRAP_SECRET}`;

const rbac = 'rbac.authorization.k8s.io';
/** rbac.authorization.k8s.io/v1 Roles. */
export const Roles: ResourceRef = { group: rbac, version: 'v1', resource: 'roles', kind: 'Role', namespaced: true };
/** rbac.authorization.k8s.io/v1 RoleBindings. */
export const RoleBindings: ResourceRef = { group: rbac, version: 'v1', resource: 'rolebindings', kind: 'RoleBinding', namespaced: true };

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string | undefined): string | undefined => (s === undefined ? undefined : Buffer.from(s, 'base64').toString('utf8'));

/** The Secret holding `sealed` (sealBootstrap's text) and the etcd client URLs. Pure. */
export function serverBootstrapSecret(sealed: string, etcdClientURLs: string[]): Secret {
  return {
    apiVersion: 'v1', kind: 'Secret',
    metadata: { name: SERVER_BOOTSTRAP_SECRET, namespace: BOOTSTRAP_NAMESPACE },
    type: 'Opaque',
    data: { sealed: b64(sealed), 'etcd-client-urls': b64(etcdClientURLs.join(',')) },
  };
}

/** The Secret's two fields, or an error value when one is missing. Pure. */
export function readServerBootstrapSecret(s: Secret): { sealed: string; etcdClientURLs: string[] } | { error: string } {
  const sealed = unb64(s.data?.sealed);
  const urls = unb64(s.data?.['etcd-client-urls']);
  if (sealed === undefined || urls === undefined) return { error: `Secret ${SERVER_BOOTSTRAP_AAD} lacks its sealed data or etcd client URLs` };
  return { sealed, etcdClientURLs: urls.split(',').filter((u) => u !== '') };
}

/** The Role: get on this one Secret. Pure. */
export function serverBootstrapRole(): Role {
  return {
    apiVersion: `${rbac}/v1`, kind: 'Role',
    metadata: { name: SERVER_BOOTSTRAP_ROLE, namespace: BOOTSTRAP_NAMESPACE },
    rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: [SERVER_BOOTSTRAP_SECRET], verbs: ['get'] }],
  };
}

/** The RoleBinding of the Role to the server token's group (never the agent token's). Pure. */
export function serverBootstrapRoleBinding(): RoleBinding {
  return {
    apiVersion: `${rbac}/v1`, kind: 'RoleBinding',
    metadata: { name: SERVER_BOOTSTRAP_ROLE, namespace: BOOTSTRAP_NAMESPACE },
    roleRef: { apiGroup: rbac, kind: 'Role', name: SERVER_BOOTSTRAP_ROLE },
    subjects: [{ apiGroup: rbac, kind: 'Group', name: SERVER_TOKEN_GROUP }],
  };
}

/** The part of a Role or RoleBinding that grants: rules, or roleRef and subjects. Pure. */
function grants(o: Role | RoleBinding): string {
  return JSON.stringify('rules' in o ? o.rules ?? [] : [(o as RoleBinding).roleRef, (o as RoleBinding).subjects ?? []]);
}

/** Creates `obj` (a Role or RoleBinding in kube-system) through `client`, or rewrites a stored one that grants otherwise (a binding of an older Skiff named the node group). Throws API errors. */
export async function ensureGrant<T extends Role | RoleBinding>(client: ApiClient, ref: ResourceRef, obj: T): Promise<void> {
  const have = await client.tryGet<T>(ref, obj.metadata?.name ?? '', BOOTSTRAP_NAMESPACE);
  if (have) {
    if (grants(have) !== grants(obj)) await client.update<T>(ref, { ...obj, metadata: { ...obj.metadata, resourceVersion: have.metadata?.resourceVersion } }, BOOTSTRAP_NAMESPACE);
    return;
  }
  try {
    await client.create<T>(ref, obj, BOOTSTRAP_NAMESPACE);
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
}

/**
 * Ensures, through `client` (an admin client), the Role, its binding and
 * the Secret holding `data` and `agentToken` (`<id>.<secret>`, when given)
 * sealed with `passphrase` (the server token's `<id>.<secret>`) and
 * `etcdClientURLs`; `random(n)` gives n random bytes. A Secret that already
 * opens to the same files and agent token and lists the same URLs is left
 * alone (no write on every start). Resolves whether the Secret was written.
 * Throws API errors (the caller retries).
 */
export async function ensureServerBootstrapSecret(
  client: ApiClient, data: EmbeddedBootstrapData, etcdClientURLs: string[], passphrase: string, random: (n: number) => Buffer, agentToken?: string,
): Promise<{ stored: boolean }> {
  await ensureGrant(client, Roles, serverBootstrapRole());
  await ensureGrant(client, RoleBindings, serverBootstrapRoleBinding());
  const have = await client.tryGet<Secret>(Secrets, SERVER_BOOTSTRAP_SECRET, BOOTSTRAP_NAMESPACE);
  if (have) {
    const fields = readServerBootstrapSecret(have);
    if (!('error' in fields) && fields.etcdClientURLs.join(',') === etcdClientURLs.join(',')) {
      const opened = await openBootstrapPayload(fields.sealed, passphrase, SERVER_BOOTSTRAP_AAD, EMBEDDED_BOOTSTRAP_FILES);
      if (!('error' in opened) && opened.agentToken === agentToken && EMBEDDED_BOOTSTRAP_FILES.every((f) => opened.files[f] === data[f])) return { stored: false };
    }
  }
  const want = serverBootstrapSecret(await sealBootstrap(data, passphrase, SERVER_BOOTSTRAP_AAD, random, agentToken), etcdClientURLs);
  if (have) {
    await client.update<Secret>(Secrets, { ...want, metadata: { ...want.metadata, resourceVersion: have.metadata?.resourceVersion } }, BOOTSTRAP_NAMESPACE);
  } else {
    await client.create<Secret>(Secrets, want, BOOTSTRAP_NAMESPACE);
  }
  return { stored: true };
}

/**
 * Reads and opens the Secret through `client` (authenticated with the
 * server token), with `passphrase`. Resolves the files, the agent token
 * (absent when sealed by an older Skiff) and the etcd client URLs,
 * `undefined` while the Secret does not exist yet, or an error value (data
 * sealed with another token, a malformed Secret). Throws API and transport
 * errors (403 while the Role is not there yet: the caller retries).
 */
export async function openServerBootstrapSecret(
  client: ApiClient, passphrase: string,
): Promise<{ data: EmbeddedBootstrapData; etcdClientURLs: string[]; agentToken?: string } | { error: string } | undefined> {
  const s = await client.tryGet<Secret>(Secrets, SERVER_BOOTSTRAP_SECRET, BOOTSTRAP_NAMESPACE);
  if (!s) return undefined;
  const fields = readServerBootstrapSecret(s);
  if ('error' in fields) return fields;
  const opened = await openBootstrapPayload(fields.sealed, passphrase, SERVER_BOOTSTRAP_AAD, EMBEDDED_BOOTSTRAP_FILES);
  if ('error' in opened) return opened;
  return { data: opened.files, etcdClientURLs: fields.etcdClientURLs, ...(opened.agentToken !== undefined ? { agentToken: opened.agentToken } : {}) };
}
