/**
 * The kubeconfig shape Skiff writes: one cluster, one user, one context.
 * `skiff server`'s admin kubeconfig is plain HTTP on loopback with a user
 * without credentials for now; deploy/pki adds the CA and a client cert
 * through `cluster` and `user`. Built as an object and serialized with `yaml`.
 */
import { writeFileSync, renameSync } from 'node:fs';
import { stringify } from 'yaml';

/** Inputs of the admin kubeconfig. */
export interface KubeconfigOptions {
  /** API server URL, e.g. http://127.0.0.1:6443. */
  server: string;
  clusterName?: string;
  userName?: string;
  contextName?: string;
  /** Extra cluster fields, e.g. `certificate-authority-data`. */
  cluster?: Record<string, string>;
  /** The user's credentials, e.g. `client-certificate-data` and `client-key-data` (default none). */
  user?: Record<string, string>;
}

/** The kubeconfig (kind Config, v1) as a plain object. Pure. */
export function buildKubeconfig(o: KubeconfigOptions): Record<string, unknown> {
  const cluster = o.clusterName ?? 'skiff';
  const user = o.userName ?? 'admin';
  const context = o.contextName ?? 'skiff';
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster, cluster: { server: o.server, ...o.cluster } }],
    users: [{ name: user, user: { ...o.user } }],
    contexts: [{ name: context, context: { cluster, user } }],
    'current-context': context,
    preferences: {},
  };
}

/** The kubeconfig as YAML text. Pure. */
export function renderKubeconfig(o: KubeconfigOptions): string {
  return stringify(buildKubeconfig(o));
}

/** Writes the kubeconfig to `path` (mode 0600) atomically via a temp file. Throws on I/O errors. */
export function writeKubeconfig(path: string, o: KubeconfigOptions): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, renderKubeconfig(o), { mode: 0o600 });
  renameSync(tmp, path);
}
