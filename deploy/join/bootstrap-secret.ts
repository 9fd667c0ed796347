/**
 * The Secret that makes a bootstrap token valid (kubeadm's
 * bootstraptokenutil / k8s.io/cluster-bootstrap/token/api): name
 * `bootstrap-token-<id>` in kube-system, type `bootstrap.kubernetes.io/token`,
 * data token-id, token-secret, usage-bootstrap-authentication=true,
 * usage-bootstrap-signing=true and auth-extra-groups naming Skiff's node
 * group (kubeadm's is system:bootstrappers:kubeadm:default-node-token). No
 * expiration: like k3s's node token it lives as long as the cluster. Pure.
 */
import type { Secret } from 'kubernetes-types/core/v1';

/** The extra group every Skiff join token's user is in; the node-bootstrap RBAC bindings name it. */
export const NODE_TOKEN_GROUP = 'system:bootstrappers:skiff:default-node-token';
/** Namespace of bootstrap token Secrets. */
export const BOOTSTRAP_NAMESPACE = 'kube-system';

/** `bootstrap-token-<id>`. Pure. */
export function bootstrapSecretName(id: string): string {
  return `bootstrap-token-${id}`;
}

/** The Secret for token `<id>.<secret>` (data base64-encoded, as stored). Pure. */
export function bootstrapTokenSecret(t: { id: string; secret: string }): Secret {
  const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
  return {
    apiVersion: 'v1', kind: 'Secret',
    metadata: { name: bootstrapSecretName(t.id), namespace: BOOTSTRAP_NAMESPACE },
    type: 'bootstrap.kubernetes.io/token',
    data: {
      description: b64('skiff join token: agents authenticate with it to request their node certificate'),
      'token-id': b64(t.id),
      'token-secret': b64(t.secret),
      'usage-bootstrap-authentication': b64('true'),
      'usage-bootstrap-signing': b64('true'),
      'auth-extra-groups': b64(NODE_TOKEN_GROUP),
    },
  };
}

/** Whether a stored Secret already carries exactly token `t` (secret and usages). Pure. */
export function secretHoldsToken(s: Secret | undefined, t: { id: string; secret: string }): boolean {
  if (!s) return false;
  const want = bootstrapTokenSecret(t).data ?? {};
  return s.type === 'bootstrap.kubernetes.io/token'
    && ['token-id', 'token-secret', 'usage-bootstrap-authentication', 'auth-extra-groups'].every((k) => s.data?.[k] === want[k]);
}
