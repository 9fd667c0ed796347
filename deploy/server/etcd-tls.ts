/**
 * Where the embedded etcd's TLS files are in the cluster PKI (deploy/pki,
 * k3s's layout under `<data-dir>/tls/etcd/`): the serving and peer certs etcd
 * is started with, and the client cert the API server dials it with. All
 * three chain to the separate etcd CA, which is also the only CA etcd trusts,
 * so a cluster-CA cert (admin, kubelet) cannot reach etcd.
 */
import { caPaths, leafPaths } from '../pki/layout.ts';
import { CERT } from '../pki/specs.ts';
import type { EtcdClientTLSFiles } from '../../apiserver/storage/etcd-client.ts';
import type { EtcdServerTLS } from './etcd.ts';

/** Both sides of the embedded etcd's TLS. */
export interface EtcdTLSFiles {
  /** EtcdOptions.tls: etcd/server-client serves clients, etcd/peer-server-client the peer port; both trust the etcd CA. */
  server: EtcdServerTLS;
  /** What the API server dials etcd with (ApiServerOptions.etcdTLS, waitForEtcd): the etcd CA and etcd/client. */
  client: EtcdClientTLSFiles;
}

/** The etcd TLS file paths under `dataDir` (as deploy/pki ensurePKI writes them). Pure: reads nothing. */
export function etcdTLSFiles(dataDir: string): EtcdTLSFiles {
  const ca = caPaths(dataDir, 'etcd').cert;
  const server = leafPaths(dataDir, CERT.etcdServer);
  const peer = leafPaths(dataDir, CERT.etcdPeer);
  const client = leafPaths(dataDir, CERT.etcdClient);
  return {
    server: {
      certFile: server.cert, keyFile: server.key, trustedCAFile: ca,
      peerCertFile: peer.cert, peerKeyFile: peer.key, peerTrustedCAFile: ca,
    },
    client: { caFile: ca, certFile: client.cert, keyFile: client.key },
  };
}
