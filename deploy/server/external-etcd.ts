/**
 * Where `skiff server` keeps its data: the embedded single-member etcd it
 * runs itself (the default), or an external etcd cluster given with
 * `--etcd-servers URLS --etcd-cafile F --etcd-certfile F --etcd-keyfile F`
 * (kube-apiserver's --etcd-servers and friends). With an external cluster
 * the server starts no etcd child and its own etcd PKI is not used for the
 * client: the API server dials the given endpoints with the given files.
 * Pure: decides only, reads no files.
 */
import type { EtcdClientTLSFiles } from '../../apiserver/storage/etcd-client.ts';
import type { ServerConfig, ServerPaths } from './config.ts';
import { etcdClientUrl, type EtcdOptions } from './etcd.ts';
import { etcdTLSFiles } from './etcd-tls.ts';

/** An external etcd cluster: its client URLs (all http or all https) and, for https, the client credentials (PEM file paths). */
export interface ExternalEtcd {
  endpoints: string[];
  tls?: EtcdClientTLSFiles;
}

/** The `skiff server` etcd flags as parsed (every one optional). */
export interface ExternalEtcdFlags {
  etcdServers?: string[];
  etcdCafile?: string;
  etcdCertfile?: string;
  etcdKeyfile?: string;
}

/**
 * Checks the etcd flags: none given → `{ external: undefined }` (embedded
 * etcd). Errors (as values, the message names the flags): TLS files without
 * --etcd-servers; endpoints mixing http and https (the etcd client refuses
 * them); https endpoints without all three files (etcd with client-cert
 * auth, as the embedded one, needs a client cert; kube-apiserver takes the
 * same three); files with http endpoints (they would be silently unused).
 */
export function decideExternalEtcd(f: ExternalEtcdFlags): { external: ExternalEtcd | undefined } | { error: string } {
  const files = { '--etcd-cafile': f.etcdCafile, '--etcd-certfile': f.etcdCertfile, '--etcd-keyfile': f.etcdKeyfile };
  const given = Object.entries(files).filter(([, v]) => v !== undefined).map(([k]) => k);
  const servers = f.etcdServers ?? [];
  if (servers.length === 0) {
    return given.length === 0 ? { external: undefined } : { error: `${given.join(', ')} need --etcd-servers (the embedded etcd uses the cluster's own etcd PKI)` };
  }
  const https = servers.filter((u) => u.startsWith('https://')).length;
  if (https !== 0 && https !== servers.length) return { error: '--etcd-servers must be all http:// or all https:// URLs' };
  if (https === 0) {
    return given.length === 0 ? { external: { endpoints: servers } } : { error: `${given.join(', ')} need https:// --etcd-servers` };
  }
  const missing = Object.entries(files).filter(([, v]) => v === undefined).map(([k]) => k);
  if (missing.length > 0) return { error: `https:// --etcd-servers need --etcd-cafile, --etcd-certfile and --etcd-keyfile; missing ${missing.join(', ')}` };
  return { external: { endpoints: servers, tls: { caFile: f.etcdCafile ?? '', certFile: f.etcdCertfile ?? '', keyFile: f.etcdKeyfile ?? '' } } };
}

/** How the server reaches etcd, and the etcd child to run (absent with an external cluster). */
export interface EtcdConnection {
  /** The embedded etcd's options; undefined: external, start nothing. */
  embedded?: EtcdOptions;
  /** Client URLs, in the order given. */
  endpoints: string[];
  /** Client credentials; absent for plain http endpoints. */
  tls?: EtcdClientTLSFiles;
}

/**
 * The etcd `cfg` asks for: `cfg.externalEtcd` as given, else the embedded
 * member named cfg.nodeName on cfg.etcdClientPort/etcdPeerPort with the
 * data dir's etcd PKI (etcdTLSFiles), serving the local apiserver on
 * loopback and, when `nodeIP` is known, other servers on it (clients and
 * peers; etcd.ts advertiseHost). Pure.
 */
export function etcdConnection(cfg: ServerConfig, paths: ServerPaths, binary: string, nodeIP = ''): EtcdConnection {
  if (cfg.externalEtcd !== undefined) {
    return { endpoints: cfg.externalEtcd.endpoints, ...(cfg.externalEtcd.tls ? { tls: cfg.externalEtcd.tls } : {}) };
  }
  const files = etcdTLSFiles(cfg.dataDir);
  const embedded: EtcdOptions = {
    dataDir: paths.etcdDir, clientPort: cfg.etcdClientPort, peerPort: cfg.etcdPeerPort, binary, tls: files.server, name: cfg.nodeName,
    ...(nodeIP !== '' ? { advertiseHost: nodeIP } : {}),
  };
  return { embedded, endpoints: [etcdClientUrl(embedded)], tls: files.client };
}
