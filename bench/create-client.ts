/**
 * The create bench's HTTP client in a child process of its own, so that the
 * API server's thread does only the server's work, as it does for every real
 * client (kubectl, controllers, kubelets are other processes). The child
 * (this file, forked with the parent's loader flags, so through tsx) runs a RestClient against `apiUrl` and answers each `{ namespace, prefix,
 * from, count, concurrency }` message with `{ ms }`: the wall-clock ms to
 * create pods `<prefix><from>` … `<prefix><from+count-1>` in `namespace`
 * with at most `concurrency` in flight (or `{ error }`).
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Pod } from 'kubernetes-types/core/v1';
import { Pods } from '../apiserver/client/resources.ts';
import { RestClient } from '../apiserver/client/rest.ts';
import { benchPod, timed } from './create-shared.ts';

/** One batch of creates asked of the worker. */
interface Batch { namespace: string; prefix: string; from: number; count: number; concurrency: number }
type Answer = { ms: number } | { error: string };

/** A create client in its own process; `stop` ends the process. */
export interface ProcessCreateClient {
  /** Creates one batch; resolves its wall-clock ms. Throws the worker's error. */
  create(batch: Batch): Promise<number>;
  stop(): Promise<void>;
}

/** Forks the client process against `apiUrl`. */
export function startProcessCreateClient(apiUrl: string): ProcessCreateClient {
  const worker = fork(fileURLToPath(import.meta.url), ['--create-client', apiUrl], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  let pending: { resolve: (ms: number) => void; reject: (e: Error) => void } | undefined;
  worker.on('message', (a: Answer) => {
    const p = pending;
    pending = undefined;
    if (!p) return;
    if ('ms' in a) p.resolve(a.ms);
    else p.reject(new Error(a.error));
  });
  worker.on('error', (e) => { pending?.reject(e); pending = undefined; });
  worker.on('exit', (code) => { pending?.reject(new Error(`create client exited with ${code}`)); pending = undefined; });
  return {
    create: (batch) => new Promise<number>((resolve, reject) => {
      if (pending) { reject(new Error('one batch at a time')); return; }
      pending = { resolve, reject };
      worker.send(batch);
    }),
    stop: async () => {
      if (worker.exitCode !== null) return;
      const gone = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.kill('SIGTERM');
      await gone;
    },
  };
}

if (process.argv[2] === '--create-client' && process.send) {
  const send = process.send.bind(process);
  const client = new RestClient({ baseUrl: process.argv[3] });
  process.on('message', (b: Batch) => {
    timed(b.count, b.concurrency, (j) => client.create<Pod>(Pods, benchPod(`${b.prefix}${b.from + j}`, b.namespace), b.namespace))
      .then((ms) => send({ ms } satisfies Answer), (e: unknown) => send({ error: e instanceof Error ? e.message : String(e) } satisfies Answer));
  });
}
