/**
 * Test helper: a real etcd plus the real API server (runApiServer, with
 * bootstrap) on a free loopback port, and a RestClient pointed at it.
 */
import type { Logger } from '../apiserver/api/log.ts';
import type { KubeletClientTLS } from '../apiserver/podlog.ts';
import { quietLogger } from './log.ts';
import { RestClient } from '../apiserver/client/rest.ts';
import { runApiServer, type ApiServerOptions } from '../apiserver/main.ts';
import { freePort, startEtcd, type TestEtcd } from './etcd.ts';

/** A running test API server. */
export interface TestApiServer {
  /** e.g. 'http://127.0.0.1:41234'. */
  url: string;
  client: RestClient;
  etcd: TestEtcd;
  /** Stops the server, then etcd (idempotent). */
  stop(): Promise<void>;
}

/** Options of startApiServer. */
export interface StartApiServerOptions {
  /** Default '10.96.0.0/12'. */
  serviceCIDR?: string;
  /** Default: a logger that writes nothing (SKIFF_TEST_LOG=1 writes to stderr). */
  log?: Logger;
  /** Watch bookmark period (ms). */
  bookmarkIntervalMs?: number;
  /** Serve watches from the watch cache (default true). */
  watchCache?: boolean;
  /** The apiserver dials kubelets over HTTPS with this CA and client cert (default plain HTTP). */
  kubeletClient?: KubeletClientTLS;
  /** Authorization mode (default AlwaysAllow). */
  authorization?: ApiServerOptions['authorization'];
  /** Adds hooks to the app before it listens (e.g. a test authenticator). */
  configureApp?: ApiServerOptions['configureApp'];
  /** The kubernetes Endpoints/EndpointSlice point here (default: none are written). */
  advertiseAddress?: string;
}

/**
 * Starts etcd and the API server; resolves once the server listens (system
 * namespaces and the kubernetes Service already exist). Rejects, after
 * cleaning up, if the server fails to start within 20 s.
 */
export async function startApiServer(opts: StartApiServerOptions = {}): Promise<TestApiServer> {
  const etcd = await startEtcd();
  const port = await freePort();
  const log = opts.log ?? quietLogger('apiserver');
  const ac = new AbortController();
  let listening!: (url: string) => void;
  const ready = new Promise<string>((resolve) => { listening = resolve; });
  const running = runApiServer({
    etcdEndpoints: [etcd.endpoint], bindAddress: '127.0.0.1', port, serviceCIDR: opts.serviceCIDR ?? '10.96.0.0/12', log,
    bookmarkIntervalMs: opts.bookmarkIntervalMs, watchCache: opts.watchCache, onListening: listening, kubeletClient: opts.kubeletClient,
    authorization: opts.authorization, configureApp: opts.configureApp, advertiseAddress: opts.advertiseAddress,
  }, ac.signal);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    ac.abort();
    await running.catch(() => undefined);
    await etcd.stop();
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    const url = await Promise.race([
      ready,
      running.then(() => { throw new Error('API server exited before listening'); }),
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('API server did not start within 20 s')), 20000); }),
    ]);
    return { url, client: new RestClient({ baseUrl: url }), etcd, stop };
  } catch (e) {
    await stop();
    throw e;
  } finally {
    clearTimeout(timer);
  }
}
