/**
 * Where the PKI lives under the data dir, in k3s's layout: `tls/` holds the
 * cluster CA (`server-ca.crt/.key`) and every cluster leaf
 * (`<name>.crt/.key`) and the ServiceAccount signing key (`service.key`);
 * `tls/etcd/` holds the etcd CA and etcd's certs.
 */
import { join } from 'node:path';
import type { CAName } from './specs.ts';

/** `<dataDir>/tls`. Pure. */
export function tlsDir(dataDir: string): string {
  return join(dataDir, 'tls');
}

/** A cert/key file pair. */
export interface PairPaths {
  cert: string;
  key: string;
}

/** The CA's files: tls/server-ca.* for the cluster, tls/etcd/server-ca.* for etcd. Pure. */
export function caPaths(dataDir: string, ca: CAName): PairPaths {
  const base = ca === 'cluster' ? join(tlsDir(dataDir), 'server-ca') : join(tlsDir(dataDir), 'etcd', 'server-ca');
  return { cert: `${base}.crt`, key: `${base}.key` };
}

/** A leaf's files, from its spec name ('client-admin', 'etcd/client'). Pure. */
export function leafPaths(dataDir: string, name: string): PairPaths {
  const base = join(tlsDir(dataDir), name);
  return { cert: `${base}.crt`, key: `${base}.key` };
}

/** `<dataDir>/tls/etcd`. Pure. */
export function etcdTLSDir(dataDir: string): string {
  return join(tlsDir(dataDir), 'etcd');
}

/** `<dataDir>/tls/service.key`: the ServiceAccount token signing key (k3s's name), the apiserver's `tls.serviceAccountKey`. Pure. */
export function serviceAccountKeyPath(dataDir: string): string {
  return join(tlsDir(dataDir), 'service.key');
}
