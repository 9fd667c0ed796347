/**
 * The admin kubeconfig `skiff server` writes for kubectl: one cluster
 * (`skiff`, plain HTTP on loopback for now), one user without credentials,
 * one context. Built as an object and serialized with `yaml`.
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
}

/** The kubeconfig (kind Config, v1) as a plain object. Pure. */
export function buildKubeconfig(o: KubeconfigOptions): Record<string, unknown> {
  const cluster = o.clusterName ?? 'skiff';
  const user = o.userName ?? 'admin';
  const context = o.contextName ?? 'skiff';
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster, cluster: { server: o.server } }],
    users: [{ name: user, user: {} }],
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
