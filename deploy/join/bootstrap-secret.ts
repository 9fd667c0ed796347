/**
 * The Secret that makes a bootstrap token valid (kubeadm's
 * bootstraptokenutil / k8s.io/cluster-bootstrap/token/api): name
 * `bootstrap-token-<id>` in kube-system, type `bootstrap.kubernetes.io/token`,
 * data token-id, token-secret, usage-bootstrap-authentication=true,
 * usage-bootstrap-signing=true and auth-extra-groups (comma-separated, as
 * kube's bootstrap authenticator reads it). No expiration: like k3s's
 * server and agent tokens it lives as long as the cluster.
 *
 * Two kinds of token (k3s's `--token` / `--agent-token` split):
 * - the AGENT token's user is in NODE_TOKEN_GROUP only: it may create node
 *   CSRs (apiserver/auth/authz/policy-join.ts binds that group), nothing more;
 * - the SERVER token's user is in NODE_TOKEN_GROUP (so agents may still join
 *   with it, as in k3s) and SERVER_TOKEN_GROUP, the one group that may read
 *   Secret kube-system/skiff-server-bootstrap (the sealed CA keys). Pure.
 */
import type { Secret } from 'kubernetes-types/core/v1';

/** The extra group every Skiff join token's user is in; the node-bootstrap RBAC bindings name it. */
export const NODE_TOKEN_GROUP = 'system:bootstrappers:skiff:default-node-token';
/** The extra group only the server token's user is in; the server-bootstrap RoleBinding names it. */
export const SERVER_TOKEN_GROUP = 'system:bootstrappers:skiff:server-token';
/** Namespace of bootstrap token Secrets. */
export const BOOTSTRAP_NAMESPACE = 'kube-system';

/** Which token: `server` (joins servers and agents) or `agent` (joins agents only). */
export type TokenKind = 'server' | 'agent';

/** The auth-extra-groups of a token of `kind`, in order. Pure. */
export function tokenGroups(kind: TokenKind): string[] {
  return kind === 'server' ? [NODE_TOKEN_GROUP, SERVER_TOKEN_GROUP] : [NODE_TOKEN_GROUP];
}

/** `bootstrap-token-<id>`. Pure. */
export function bootstrapSecretName(id: string): string {
  return `bootstrap-token-${id}`;
}

const DESCRIPTION: Record<TokenKind, string> = {
  server: 'skiff server token: servers join with it (it opens the server bootstrap data); agents may too',
  agent: 'skiff agent token: agents authenticate with it to request their node certificate',
};

/** The Secret for token `<id>.<secret>` of `kind` (data base64-encoded, as stored). Pure. */
export function bootstrapTokenSecret(t: { id: string; secret: string }, kind: TokenKind): Secret {
  const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
  return {
    apiVersion: 'v1', kind: 'Secret',
    metadata: { name: bootstrapSecretName(t.id), namespace: BOOTSTRAP_NAMESPACE },
    type: 'bootstrap.kubernetes.io/token',
    data: {
      description: b64(DESCRIPTION[kind]),
      'token-id': b64(t.id),
      'token-secret': b64(t.secret),
      'usage-bootstrap-authentication': b64('true'),
      'usage-bootstrap-signing': b64('true'),
      'auth-extra-groups': b64(tokenGroups(kind).join(',')),
    },
  };
}

/** Whether a stored Secret already carries exactly token `t` of `kind` (secret, usages and groups). Pure. */
export function secretHoldsToken(s: Secret | undefined, t: { id: string; secret: string }, kind: TokenKind): boolean {
  if (!s) return false;
  const want = bootstrapTokenSecret(t, kind).data ?? {};
  return s.type === 'bootstrap.kubernetes.io/token'
    && ['token-id', 'token-secret', 'usage-bootstrap-authentication', 'auth-extra-groups'].every((k) => s.data?.[k] === want[k]);
}
