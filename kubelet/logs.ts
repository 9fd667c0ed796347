/**
 * Resolves `GET /containerLogs/{ns}/{pod}/{container}` to a CRI log file:
 * pod from the informer cache, its containers from the runtime (by uid
 * label), the newest one (or the one before it with `previous`).
 */
import type { Pod } from 'kubernetes-types/core/v1';
import type { Informer } from '../apiserver/client/informer-types.ts';
import type { CriRuntime } from './cri/types.ts';
import { podLogDir } from './pods/config.ts';
import { containersNamed, readPodRuntimeState, readySandbox } from './pods/runtime-state.ts';
import type { LogResolver, StreamResolver } from './server/server.ts';

/** Builds the LogResolver over the pod informer and the runtime. */
export function createLogResolver(pods: Informer<Pod>, runtime: CriRuntime, rootDir: string): LogResolver {
  return async (namespace, name, container, previous) => {
    const pod = pods.get(`${namespace}/${name}`);
    const uid = pod?.metadata?.uid;
    if (!pod || !uid) return undefined;
    const state = await readPodRuntimeState(runtime, uid);
    const recs = containersNamed(state, container);
    const rec = previous ? recs[1] : recs[0];
    if (!rec) return undefined;
    const path = rec.logPath || `${podLogDir(rootDir, pod)}/${container}/${rec.restartCount}.log`;
    return {
      path,
      running: async () => {
        try {
          return (await runtime.containerStatus(rec.id)).state === 'CONTAINER_RUNNING';
        } catch {
          return false;
        }
      },
    };
  };
}

/** Builds the StreamResolver: exec/attach on the running container of that name, portForward on the ready sandbox. */
export function createStreamResolver(pods: Informer<Pod>, runtime: CriRuntime): StreamResolver {
  return async (r) => {
    const uid = pods.get(`${r.namespace}/${r.pod}`)?.metadata?.uid;
    if (!uid) return undefined;
    const state = await readPodRuntimeState(runtime, uid);
    if (r.kind === 'portForward') {
      const sb = readySandbox(state);
      return sb ? runtime.portForward(sb.id, r.ports ?? []) : undefined;
    }
    const rec = containersNamed(state, r.container ?? '').find((c) => c.state === 'CONTAINER_RUNNING');
    if (!rec) return undefined;
    const q = r.query ?? { command: [], stdin: false, stdout: true, stderr: true, tty: false };
    const stderr = q.tty ? false : q.stderr;
    if (r.kind === 'attach') return runtime.attach({ container_id: rec.id, stdin: q.stdin, tty: q.tty, stdout: q.stdout, stderr });
    return runtime.exec({ container_id: rec.id, cmd: q.command, tty: q.tty, stdin: q.stdin, stdout: q.stdout, stderr });
  };
}
