/**
 * The acting half of the pod lifecycle: brings the runtime in line with one
 * pod (syncPod), kills it (killPod) and removes what is left (removePod).
 * Copies the kubelet's kuberuntime SyncPod / KillPod: one sandbox per pod,
 * image pull per policy with ImagePullBackOff, restarts per restartPolicy
 * with CrashLoopBackOff, events on the pod.
 */
import { mkdir, rm } from 'node:fs/promises';
import type { Container, Pod, Service } from 'kubernetes-types/core/v1';
import { serviceEnvVars } from './service-env.ts';
import type { EventRecorder } from '../../apiserver/client/informer-types.ts';
import type { Logger } from '../../apiserver/api/log.ts';
import { ApiError, type ApiClient } from '../../apiserver/client/types.ts';
import type { CriRuntime, DNSConfig, PodSandboxConfig } from '../cri/types.ts';
import { podDNSConfig } from './dns.ts';
import { isCriNotFound } from '../cri/types.ts';
import type { WaitingReason } from '../status/compute.ts';
import type { Backoff } from './backoff.ts';
import { createPodCgroup, podCgroupParent, removePodCgroup } from './cgroups.ts';
import { buildContainerConfig, buildSandboxConfig, podLogDir, podVolumeDir, pullPolicy, shouldRestart } from './config.ts';
import { writeProjectedVolumes, type TokenSource } from './projected.ts';
import { ConfigError, loadSources, referencedSources, sourceEnv, writeSourceVolumes, type PodSources } from './sources.ts';
import { containersNamed, LABEL_POD_NAME, LABEL_POD_NAMESPACE, readySandbox, type ContainerRecord, type PodRuntimeState } from './runtime-state.ts';

/** What syncPod needs from the node. */
export interface SyncDeps {
  runtime: CriRuntime;
  /** For ConfigMaps/Secrets the pod references (none are resolved without it). */
  client?: ApiClient;
  /** Known Services, for the docker-link env vars (none without it). */
  services?: () => Service[];
  recorder: EventRecorder;
  log: Logger;
  /** Kubelet root dir (logs, volumes). */
  rootDir: string;
  nodeName: string;
  hostIP: string;
  /** The host's resolv.conf (dnsPolicy Default; the base of ClusterFirst's searches). */
  dns: DNSConfig;
  /** kubelet --cluster-dns (absent or []: pods get the host's config, as kubelet without it). */
  clusterDNS?: string[];
  /** kubelet --cluster-domain (default 'cluster.local'). */
  clusterDomain?: string;
  /** Keys `<uid>/<container>`; 10 s doubling to 5 min. */
  crashBackoff: Backoff;
  /** Keys `<uid>/<image>`; 10 s doubling to 5 min. */
  pullBackoff: Backoff;
  /** Manage pod cgroups under /sys/fs/cgroup (off in unit tests). */
  manageCgroups: boolean;
  now: () => number;
  /**
   * ServiceAccount tokens for projected volumes (projected.ts). Without it
   * projected volumes are neither written nor mounted (the pod still runs).
   */
  tokens?: TokenSource;
}

/** Outcome of one syncPod: reasons containers wait, and when to sync again (ms from now). */
export interface SyncResult {
  waiting: Record<string, WaitingReason>;
  requeueAfterMs?: number;
}

const asPodRef = (pod: Pod): Pod => ({ ...pod, apiVersion: 'v1', kind: 'Pod' });
const errMsg = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Brings the runtime to the pod's desired state: ensures a ready sandbox
 * (never a second one while one is ready), then per container pulls, creates
 * and starts it, or restarts it per restartPolicy once its back-off allows.
 * Per-container failures become waiting reasons, never exceptions; throws only
 * when the sandbox cannot be created (the worker retries with back-off).
 */
export async function syncPod(d: SyncDeps, pod: Pod, state: PodRuntimeState): Promise<SyncResult> {
  const uid = pod.metadata?.uid ?? '';
  const policy = pod.spec?.restartPolicy ?? 'Always';
  const result: SyncResult = { waiting: {} };
  const requeue = (ms: number): void => {
    result.requeueAfterMs = Math.max(0, Math.min(result.requeueAfterMs ?? Infinity, ms));
  };

  let sb = readySandbox(state);
  const attempt = state.sandboxes.length ? Math.max(...state.sandboxes.map((s) => s.attempt)) + 1 : 0;
  const sandboxConfig = buildSandboxConfig(pod, { rootDir: d.rootDir, dns: podDNSConfig(pod, { host: d.dns, clusterDNS: d.clusterDNS ?? [], clusterDomain: d.clusterDomain ?? 'cluster.local' }), attempt: sb ? sb.attempt : attempt, cgroupParent: podCgroupParent(uid) });
  if (!sb) {
    // A Never pod whose containers all ran already gets no new sandbox.
    const specs = pod.spec?.containers ?? [];
    if (policy === 'Never' && state.containers.length > 0 && specs.every((c) => containersNamed(state, c.name).some((r) => r.state === 'CONTAINER_EXITED'))) {
      return result;
    }
    for (const old of state.sandboxes) await stopSandbox(d, old.id);
    // Dead sandboxes are garbage: keep only the newest (its containers carry restartCount and lastState).
    for (const old of state.sandboxes.slice(1)) {
      await d.runtime.removePodSandbox(old.id).catch((e: unknown) => { if (!isCriNotFound(e)) throw e; });
    }
    if (d.manageCgroups) {
      const errs = await createPodCgroup(uid);
      if (errs.length) d.log.debug('pod cgroup create', { uid, errors: errs });
    }
    await mkdir(sandboxConfig.log_directory, { recursive: true });
    let id: string;
    try {
      id = await d.runtime.runPodSandbox(sandboxConfig);
    } catch (e) {
      // A RunPodSandbox of a killed kubelet may still be running in containerd (the name stays reserved until
      // it finishes, and then the next relist adopts its sandbox): retry soon, quietly.
      if (/is reserved for/.test(errMsg(e))) {
        requeue(500);
        return result;
      }
      d.recorder.event(asPodRef(pod), 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${errMsg(e)}`);
      throw e;
    }
    const st = await d.runtime.podSandboxStatus(id);
    sb = { id, state: st.state, attempt, createdAt: d.now(), ip: st.network?.ip ?? '', labels: st.labels };
    d.log.info('sandbox started', { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, id: id.slice(0, 12), ip: sb.ip });
  }
  // Never two live sandboxes: stop and remove any other ready one (e.g. left by a crash mid-sync).
  for (const other of state.sandboxes) {
    if (other.id === sb.id || other.state !== 'SANDBOX_READY') continue;
    await stopSandbox(d, other.id);
    await d.runtime.removePodSandbox(other.id).catch((e: unknown) => { if (!isCriNotFound(e)) throw e; });
  }
  const podIP = pod.spec?.hostNetwork ? d.hostIP : sb.ip;
  for (const v of pod.spec?.volumes ?? []) {
    if (v.emptyDir) await mkdir(`${podVolumeDir(d.rootDir, uid)}/${v.name}`, { recursive: true });
  }
  const projected = d.tokens !== undefined;
  const refs = referencedSources(pod, projected);
  const sources: PodSources = d.client && (refs.configMaps.size || refs.secrets.size) ? await loadSources(d.client, pod, projected) : { configMaps: new Map(), secrets: new Map() };
  try {
    await writeSourceVolumes(d.rootDir, pod, sources);
    if (d.tokens) await writeProjectedVolumes(d.rootDir, pod, sources, d.tokens, { podIP, hostIP: d.hostIP, nodeName: d.nodeName });
  } catch (e) {
    // A missing source, or a TokenRequest the API refused (e.g. the ServiceAccount does not exist yet).
    if (!(e instanceof ConfigError) && !(e instanceof ApiError)) throw e;
    d.recorder.event(asPodRef(pod), 'Warning', 'FailedMount', `MountVolume.SetUp failed: ${e.message}`);
    requeue(10_000);
    return result;
  }

  // Init containers run one at a time, in order, in this sandbox; main containers wait for all of them.
  for (const c of pod.spec?.initContainers ?? []) {
    const key = `${uid}/${c.name}`;
    const all = containersNamed(state, c.name);
    const inSb = all.find((r) => r.sandboxId === sb.id);
    if (inSb?.state === 'CONTAINER_EXITED' && inSb.exitCode === 0) continue;
    if (inSb?.state === 'CONTAINER_RUNNING') return result;
    if (inSb?.state === 'CONTAINER_CREATED') {
      await d.runtime.startContainer(inSb.id).catch(async (e: unknown) => {
        result.waiting[c.name] = { reason: 'RunContainerError', message: errMsg(e) };
        await d.runtime.removeContainer(inSb.id).catch(() => undefined);
      });
      return result;
    }
    if (inSb?.state === 'CONTAINER_EXITED') {
      if (policy === 'Never') return result;
      if (d.crashBackoff.inBackoffSince(key, inSb.finishedAt || d.now())) {
        const delay = d.crashBackoff.delay(key);
        result.waiting[c.name] = { reason: 'CrashLoopBackOff', message: `back-off ${Math.round(delay / 1000)}s restarting failed container=${c.name} pod=${pod.metadata?.name}_${pod.metadata?.namespace}(${uid})` };
        d.recorder.event(asPodRef(pod), 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${pod.metadata?.name}_${pod.metadata?.namespace}(${uid})`);
        requeue(d.crashBackoff.retryAt(key) - d.now());
        return result;
      }
      d.crashBackoff.next(key);
      for (const old of all) if (old !== inSb && old.state === 'CONTAINER_EXITED') await d.runtime.removeContainer(old.id).catch(() => undefined);
    }
    const w = await startContainer(d, pod, c, all[0] ? all[0].restartCount + 1 : 0, sb.id, sandboxConfig, podIP, sources);
    if (w) {
      result.waiting[c.name] = w.waiting;
      if (w.retryInMs !== undefined) requeue(w.retryInMs);
    }
    return result;
  }

  for (const c of pod.spec?.containers ?? []) {
    const key = `${uid}/${c.name}`;
    const all = containersNamed(state, c.name);
    const inSb = all.find((r) => r.sandboxId === sb.id);
    const latest = all[0];
    if (inSb?.state === 'CONTAINER_RUNNING') continue;
    if (inSb?.state === 'CONTAINER_CREATED') {
      try {
        await d.runtime.startContainer(inSb.id);
        d.recorder.event(asPodRef(pod), 'Normal', 'Started', `Started container ${c.name}`);
      } catch (e) {
        result.waiting[c.name] = { reason: 'RunContainerError', message: errMsg(e) };
        await d.runtime.removeContainer(inSb.id).catch(() => undefined);
        requeue(d.crashBackoff.next(key));
      }
      continue;
    }
    const last: ContainerRecord | undefined = inSb ?? latest;
    if (last && last.state === 'CONTAINER_EXITED') {
      if (!shouldRestart(policy, last.exitCode)) continue;
      if (d.crashBackoff.inBackoffSince(key, last.finishedAt || d.now())) {
        const delay = d.crashBackoff.delay(key);
        const msg = `back-off ${Math.round(delay / 1000)}s restarting failed container=${c.name} pod=${pod.metadata?.name}_${pod.metadata?.namespace}(${uid})`;
        result.waiting[c.name] = { reason: 'CrashLoopBackOff', message: msg };
        d.recorder.event(asPodRef(pod), 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${pod.metadata?.name}_${pod.metadata?.namespace}(${uid})`);
        requeue(d.crashBackoff.retryAt(key) - d.now());
        continue;
      }
      d.crashBackoff.next(key);
      // Keep only the most recent dead container (for lastState and --previous logs).
      for (const old of all) if (old !== last && old.state === 'CONTAINER_EXITED') await d.runtime.removeContainer(old.id).catch(() => undefined);
    }
    const restartCount = latest ? latest.restartCount + 1 : 0;
    const w = await startContainer(d, pod, c, restartCount, sb.id, sandboxConfig, podIP, sources);
    if (w) {
      result.waiting[c.name] = w.waiting;
      if (w.retryInMs !== undefined) requeue(w.retryInMs);
    }
  }
  return result;
}

/** Ensures the image per pull policy; returns its ref or a waiting reason (+ retry delay). */
async function ensureImage(d: SyncDeps, pod: Pod, c: Container, sandboxConfig: PodSandboxConfig): Promise<{ ref: string } | { waiting: WaitingReason; retryInMs?: number }> {
  const image = c.image ?? '';
  const policy = pullPolicy(c);
  const ref = asPodRef(pod);
  if (policy !== 'Always') {
    const present = await d.runtime.imageStatus(image);
    if (present) {
      d.recorder.event(ref, 'Normal', 'Pulled', `Container image "${image}" already present on machine`);
      return { ref: present.id };
    }
    if (policy === 'Never') {
      const message = `Container image "${image}" is not present with pull policy of Never`;
      d.recorder.event(ref, 'Warning', 'ErrImageNeverPull', message);
      return { waiting: { reason: 'ErrImageNeverPull', message }, retryInMs: 10_000 };
    }
  }
  const key = `${pod.metadata?.uid}/${image}`;
  if (d.pullBackoff.inBackoffSinceUpdate(key)) {
    d.recorder.event(ref, 'Normal', 'BackOff', `Back-off pulling image "${image}"`);
    d.recorder.event(ref, 'Warning', 'Failed', 'Error: ImagePullBackOff');
    return { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` }, retryInMs: d.pullBackoff.retryAt(key) - d.now() };
  }
  d.recorder.event(ref, 'Normal', 'Pulling', `Pulling image "${image}"`);
  const t0 = d.now();
  try {
    const imageRef = await d.runtime.pullImage(image, sandboxConfig);
    d.pullBackoff.reset(key);
    d.recorder.event(ref, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${d.now() - t0}ms`);
    return { ref: imageRef };
  } catch (e) {
    const delay = d.pullBackoff.next(key);
    const message = `Failed to pull image "${image}": ${errMsg(e)}`;
    d.recorder.event(ref, 'Warning', 'Failed', message);
    d.recorder.event(ref, 'Warning', 'Failed', 'Error: ErrImagePull');
    return { waiting: { reason: 'ErrImagePull', message }, retryInMs: delay };
  }
}

/** Pulls, creates and starts one container; returns a waiting reason on failure. */
async function startContainer(
  d: SyncDeps, pod: Pod, c: Container, restartCount: number, sandboxId: string, sandboxConfig: PodSandboxConfig, podIP: string, sources: PodSources,
): Promise<{ waiting: WaitingReason; retryInMs?: number } | undefined> {
  const ref = asPodRef(pod);
  let envSources;
  try {
    envSources = sourceEnv(c, sources);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    d.recorder.event(ref, 'Warning', 'Failed', `Error: ${e.message}`);
    return { waiting: { reason: 'CreateContainerConfigError', message: e.message }, retryInMs: 10_000 };
  }
  const img = await ensureImage(d, pod, c, sandboxConfig);
  if ('waiting' in img) return img;
  const config = buildContainerConfig(pod, c, restartCount, img.ref, d.rootDir, { podIP, hostIP: d.hostIP, nodeName: d.nodeName }, envSources,
    d.services ? serviceEnvVars(pod, d.services()) : [], d.tokens !== undefined);
  let id: string;
  try {
    id = await d.runtime.createContainer(sandboxId, config, sandboxConfig);
  } catch (e) {
    // Same name still reserved by a CreateContainer of a killed kubelet: the next relist adopts the container.
    if (/is reserved for/.test(errMsg(e))) return { waiting: { reason: 'ContainerCreating' }, retryInMs: 500 };
    d.recorder.event(ref, 'Warning', 'Failed', `Error: ${errMsg(e)}`);
    return { waiting: { reason: 'CreateContainerError', message: errMsg(e) }, retryInMs: d.crashBackoff.next(`${pod.metadata?.uid}/${c.name}`) };
  }
  d.recorder.event(ref, 'Normal', 'Created', `Created container ${c.name}`);
  try {
    await d.runtime.startContainer(id);
  } catch (e) {
    d.recorder.event(ref, 'Warning', 'Failed', `Error: ${errMsg(e)}`);
    return { waiting: { reason: 'RunContainerError', message: errMsg(e) }, retryInMs: d.crashBackoff.next(`${pod.metadata?.uid}/${c.name}`) };
  }
  d.recorder.event(ref, 'Normal', 'Started', `Started container ${c.name}`);
  return undefined;
}

async function stopSandbox(d: SyncDeps, id: string): Promise<void> {
  try {
    await d.runtime.stopPodSandbox(id);
  } catch (e) {
    if (!isCriNotFound(e)) throw e;
  }
}

/**
 * Stops every live container of the pod with `graceSeconds` (in parallel,
 * event Killing "Stopping container X" when the pod is known), then stops
 * every sandbox. Idempotent. Throws on CRI errors other than NotFound.
 */
export async function killPod(d: SyncDeps, pod: Pod | undefined, state: PodRuntimeState, graceSeconds: number): Promise<void> {
  const live = state.containers.filter((c) => c.state === 'CONTAINER_RUNNING' || c.state === 'CONTAINER_CREATED');
  await Promise.all(live.map(async (c) => {
    if (pod) d.recorder.event(asPodRef(pod), 'Normal', 'Killing', `Stopping container ${c.name}`);
    try {
      await d.runtime.stopContainer(c.id, Math.max(0, graceSeconds));
    } catch (e) {
      if (!isCriNotFound(e)) throw e;
    }
  }));
  for (const s of state.sandboxes) if (s.state === 'SANDBOX_READY') await stopSandbox(d, s.id);
}

/** Removes every container and sandbox of the pod, its cgroup, log and volume dirs. Idempotent. */
export async function removePod(d: SyncDeps, state: PodRuntimeState, pod: Pod | undefined): Promise<void> {
  for (const c of state.containers) {
    await d.runtime.removeContainer(c.id).catch((e: unknown) => { if (!isCriNotFound(e)) throw e; });
  }
  for (const s of state.sandboxes) {
    await stopSandbox(d, s.id);
    await d.runtime.removePodSandbox(s.id).catch((e: unknown) => { if (!isCriNotFound(e)) throw e; });
  }
  if (d.manageCgroups) {
    const errs = await removePodCgroup(state.uid);
    if (errs.length) d.log.debug('pod cgroup remove', { uid: state.uid, errors: errs });
  }
  const labels = state.sandboxes[0]?.labels ?? {};
  const owner: Pod | undefined = pod ?? (labels[LABEL_POD_NAME] ? { metadata: { name: labels[LABEL_POD_NAME], namespace: labels[LABEL_POD_NAMESPACE], uid: state.uid } } : undefined);
  if (owner) await rm(podLogDir(d.rootDir, owner), { recursive: true, force: true });
  await rm(`${d.rootDir}/pods/${state.uid}`, { recursive: true, force: true });
}

/** Grace period (s) for killing a pod: deletionGracePeriodSeconds, else spec's terminationGracePeriodSeconds, else 30. */
export function gracePeriodSeconds(pod: Pod | undefined): number {
  return pod?.metadata?.deletionGracePeriodSeconds ?? pod?.spec?.terminationGracePeriodSeconds ?? 30;
}
