/**
 * Builds the etcd3 client the API server uses, configured so that one failed
 * request never fails others (see PLATFORM.md, etcd):
 * - no circuit breaker: the client's default per-host ConsecutiveBreaker(3)
 *   turns three bad requests into ~5 s of "circuit breaker is open" for every
 *   caller; the host policy here never opens;
 * - no client-level retries: the default global retry(3) also resends writes,
 *   which are not idempotent; EtcdStorage retries reads itself, boundedly.
 *   One exception, with several hosts (an etcd cluster): a call that never
 *   left the client because its host's connection is down (gRPC UNAVAILABLE
 *   "No connection established", e.g. ECONNREFUSED of a dead member) is
 *   sent once to each other host, as kube-apiserver's etcd client fails
 *   over to the next endpoint (neverSent);
 * - a receive limit of MaxInt32, as kube-apiserver sets
 *   (`grpc.max_receive_message_length`), and a send limit of etcd's request
 *   limit plus gRPC overhead;
 * - a deadline on every unary call;
 * - with `tls`, TLS to https hosts verified against the etcd CA, presenting
 *   a client cert (kube-apiserver's --etcd-cafile/--etcd-certfile/--etcd-keyfile).
 */
import { readFile } from 'node:fs/promises';
import { Etcd3, GRPCUnavailableError, type IOptions } from 'etcd3';
import { handleWhen, noop, retry } from 'cockatiel';

/** etcd's default --max-request-bytes (1.5 MiB). */
export const ETCD_MAX_REQUEST_BYTES = 1.5 * 1024 * 1024;
/** What etcd's gRPC server adds to --max-request-bytes for its receive limit (512 KiB, etcd's grpcOverheadBytes). */
const GRPC_OVERHEAD_BYTES = 512 * 1024;
/** gRPC's largest message length (MaxInt32), kube-apiserver's receive limit. */
const MAX_INT32 = 2147483647;

/** The etcd client's TLS material, PEM text or bytes: the CA etcd's serving cert chains to, and the client cert (chain) and key to present. */
export interface EtcdClientTLS {
  ca: string | Buffer;
  cert: string | Buffer;
  key: string | Buffer;
}

/** Paths of the PEM files of an EtcdClientTLS (kube-apiserver's --etcd-cafile, --etcd-certfile, --etcd-keyfile). */
export interface EtcdClientTLSFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** Reads the three files of `f`. Rejects with the fs error (e.g. ENOENT, EACCES) if one cannot be read. */
export async function readEtcdClientTLS(f: EtcdClientTLSFiles): Promise<EtcdClientTLS> {
  const [ca, cert, key] = await Promise.all([readFile(f.caFile), readFile(f.certFile), readFile(f.keyFile)]);
  return { ca, cert, key };
}

/** Options of createEtcdClient. */
export interface EtcdClientOptions {
  /** e.g. ['http://127.0.0.1:2479']. */
  hosts: string[] | string;
  /** Deadline of each unary call in ms (default 15 000). Watches (streams) have none. */
  callTimeoutMs?: number;
  /** etcd's --max-request-bytes (default 1.5 MiB); bounds what the client sends. */
  maxRequestBytes?: number;
  /** Dial the (https) hosts over TLS with this CA and client cert; default plain (insecure) gRPC for http hosts. */
  tls?: EtcdClientTLS;
}

const hostCount = (h: string[] | string): number => (typeof h === 'string' ? h.split(',').length : h.length);

const bytes = (b: string | Buffer): Buffer => (typeof b === 'string' ? Buffer.from(b) : b);

/**
 * True for an error of a call that provably never reached etcd: UNAVAILABLE
 * because no connection to the host could be established. Safe to resend
 * to another host, even a write.
 */
export function neverSent(err: Error): boolean {
  return err instanceof GRPCUnavailableError && /No connection established|ECONNREFUSED/.test(err.message);
}

/** The etcd3 IOptions createEtcdClient uses (exported for tests). */
export function etcdClientOptions(opts: EtcdClientOptions): IOptions {
  const timeout = opts.callTimeoutMs ?? 15000;
  return {
    hosts: opts.hosts,
    faultHandling: { host: () => noop, global: hostCount(opts.hosts) > 1 ? retry(handleWhen(neverSent), { maxAttempts: hostCount(opts.hosts) - 1 }) : noop },
    grpcOptions: {
      'grpc.max_receive_message_length': MAX_INT32,
      'grpc.max_send_message_length': (opts.maxRequestBytes ?? ETCD_MAX_REQUEST_BYTES) + GRPC_OVERHEAD_BYTES,
    },
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeout }),
    ...(opts.tls ? { credentials: { rootCertificate: bytes(opts.tls.ca), certChain: bytes(opts.tls.cert), privateKey: bytes(opts.tls.key) } } : {}),
  };
}

/**
 * A new etcd3 client with the policies above; the caller closes it. Throws
 * if `hosts` mixes http and https (etcd3) or `tls` holds text that is not
 * PEM (grpc-js createSsl); a cert etcd does not trust fails each call instead.
 */
export function createEtcdClient(opts: EtcdClientOptions): Etcd3 {
  return new Etcd3(etcdClientOptions(opts));
}
