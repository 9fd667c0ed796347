/**
 * Pure builders of the CRI configs for a pod: the sandbox config
 * (kuberuntime generatePodSandboxConfig) and each container's config
 * (generateContainerConfig): labels used for adoption, log paths, ports,
 * env (plain values and fieldRef), volume mounts, resources.
 */
import type { Container, EnvVar, Pod } from 'kubernetes-types/core/v1';
import type { ContainerConfig, DNSConfig, KeyValue, Mount, PodSandboxConfig, PortMapping, Protocol } from '../cri/types.ts';
import { containerResources } from './resources.ts';
import {
  ANNOTATION_RESTART_COUNT, LABEL_CONTAINER_NAME, LABEL_MANAGED, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID,
} from './runtime-state.ts';

/** Node-level inputs of the sandbox config. */
export interface SandboxOptions {
  /** Kubelet root dir; pod logs go under `<rootDir>/logs/`. */
  rootDir: string;
  dns: DNSConfig;
  attempt: number;
  cgroupParent: string;
}

/** Directory of a pod's container logs: `<rootDir>/logs/<ns>_<pod>_<uid>`. */
export function podLogDir(rootDir: string, pod: Pod): string {
  const m = pod.metadata ?? {};
  return `${rootDir}/logs/${m.namespace ?? 'default'}_${m.name ?? ''}_${m.uid ?? ''}`;
}

/** Directory of a pod's emptyDir volumes: `<rootDir>/pods/<uid>/volumes`. */
export function podVolumeDir(rootDir: string, uid: string): string {
  return `${rootDir}/pods/${uid}/volumes`;
}

/** The labels identifying a pod's CRI objects (used for adoption after a restart). */
export function podIdentityLabels(pod: Pod): Record<string, string> {
  const m = pod.metadata ?? {};
  return { [LABEL_POD_NAME]: m.name ?? '', [LABEL_POD_NAMESPACE]: m.namespace ?? 'default', [LABEL_POD_UID]: m.uid ?? '', [LABEL_MANAGED]: 'true' };
}

/** hostPort mappings of all containers' ports (only ports with a hostPort). */
export function portMappings(pod: Pod): PortMapping[] {
  const out: PortMapping[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      out.push({ protocol: (p.protocol ?? 'TCP') as Protocol, container_port: p.containerPort, host_port: p.hostPort, host_ip: p.hostIP ?? '' });
    }
  }
  return out;
}

/** RunPodSandbox config of `pod`. */
export function buildSandboxConfig(pod: Pod, o: SandboxOptions): PodSandboxConfig {
  const m = pod.metadata ?? {};
  const hostNetwork = pod.spec?.hostNetwork === true;
  const labels: Record<string, string> = { ...(m.labels ?? {}), ...podIdentityLabels(pod) };
  return {
    metadata: { name: m.name ?? '', namespace: m.namespace ?? 'default', uid: m.uid ?? '', attempt: o.attempt },
    hostname: hostNetwork ? '' : (pod.spec?.hostname ?? m.name ?? '').slice(0, 63),
    log_directory: podLogDir(o.rootDir, pod),
    dns_config: o.dns,
    port_mappings: portMappings(pod),
    labels,
    annotations: { ...(m.annotations ?? {}) },
    linux: {
      cgroup_parent: o.cgroupParent,
      security_context: {
        namespace_options: { network: hostNetwork ? 'NODE' : 'POD', pid: pod.spec?.hostPID ? 'NODE' : 'CONTAINER', ipc: pod.spec?.hostIPC ? 'NODE' : 'POD' },
        privileged: (pod.spec?.containers ?? []).some((c) => c.securityContext?.privileged === true),
      },
    },
  };
}

/** Values a fieldRef may read, from the pod and node. */
export interface FieldValues {
  podIP: string;
  hostIP: string;
  nodeName: string;
}

/** Value of a downward-API fieldRef path, or undefined for an unsupported one. */
export function fieldRefValue(pod: Pod, path: string, f: FieldValues): string | undefined {
  const m = pod.metadata ?? {};
  switch (path) {
    case 'metadata.name': return m.name ?? '';
    case 'metadata.namespace': return m.namespace ?? '';
    case 'metadata.uid': return m.uid ?? '';
    case 'spec.nodeName': return pod.spec?.nodeName ?? f.nodeName;
    case 'spec.serviceAccountName': return pod.spec?.serviceAccountName ?? 'default';
    case 'status.podIP': return f.podIP;
    case 'status.hostIP': return f.hostIP;
    default: {
      const lm = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
      if (lm) return (lm[1] === 'labels' ? m.labels : m.annotations)?.[lm[2]] ?? '';
      return undefined;
    }
  }
}

/** Expands `$(VAR)` references from `env` (`$$` escapes; unknown refs stay as written), like Kubernetes' expansion. */
export function expandVars(s: string, env: Map<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (all, name: string | undefined) => {
    if (all === '$$') return '$';
    return name !== undefined && env.has(name) ? env.get(name)! : all;
  });
}

/** Values from ConfigMaps/Secrets for one container (see sources.ts). */
export interface EnvSources {
  /** envFrom entries, in order. */
  envFrom: [string, string][];
  /** Value of an env var declared with configMapKeyRef/secretKeyRef, by var name. */
  lookup(name: string): string | undefined;
}

/**
 * Resolves a container's env: service variables, then envFrom, then env in order (later
 * entries may reference earlier ones with $(VAR)). Unsupported valueFrom
 * sources (resourceFieldRef) are skipped.
 */
export function resolveEnv(pod: Pod, env: EnvVar[] | undefined, f: FieldValues, sources?: EnvSources, serviceEnv: [string, string][] = []): KeyValue[] {
  const seen = new Map<string, string>([...serviceEnv, ...(sources?.envFrom ?? [])]);
  for (const e of env ?? []) {
    let v: string | undefined;
    if (e.value !== undefined) v = expandVars(e.value, seen);
    else if (e.valueFrom?.fieldRef) v = fieldRefValue(pod, e.valueFrom.fieldRef.fieldPath, f);
    else if (e.valueFrom?.configMapKeyRef || e.valueFrom?.secretKeyRef) v = sources?.lookup(e.name);
    else if (e.valueFrom === undefined) v = '';
    if (v !== undefined) seen.set(e.name, v);
  }
  return [...seen].map(([key, value]) => ({ key, value }));
}

/**
 * Bind mounts for the container's volumeMounts backed by emptyDir, hostPath,
 * configMap, secret and (when `projected`, i.e. the kubelet writes projected
 * volumes) projected volumes. Mounts of other volume kinds are skipped.
 */
export function volumeMounts(pod: Pod, c: Container, rootDir: string, projected = false): Mount[] {
  const uid = pod.metadata?.uid ?? '';
  const out: Mount[] = [];
  for (const vm of c.volumeMounts ?? []) {
    const vol = pod.spec?.volumes?.find((v) => v.name === vm.name);
    if (!vol) continue;
    let host: string | undefined;
    let readonly = vm.readOnly === true;
    if (vol.emptyDir) host = `${podVolumeDir(rootDir, uid)}/${vol.name}`;
    else if (vol.hostPath) host = vol.hostPath.path;
    else if (vol.configMap || vol.secret || (projected && vol.projected)) {
      host = `${podVolumeDir(rootDir, uid)}/${vol.name}`;
      readonly = true;
    }
    if (host === undefined) continue;
    out.push({ container_path: vm.mountPath, host_path: vm.subPath ? `${host}/${vm.subPath}` : host, readonly });
  }
  return out;
}

/** CreateContainer config of `c` for its `restartCount`-th run, using image `imageRef`; `projected` as in volumeMounts. */
export function buildContainerConfig(
  pod: Pod, c: Container, restartCount: number, imageRef: string, rootDir: string, f: FieldValues, sources?: EnvSources, serviceEnv?: [string, string][],
  projected = false,
): ContainerConfig {
  const envs = resolveEnv(pod, c.env, f, sources, serviceEnv);
  const envMap = new Map(envs.map((e) => [e.key, e.value]));
  const sc = c.securityContext;
  return {
    metadata: { name: c.name, attempt: restartCount },
    image: { image: imageRef },
    command: (c.command ?? []).map((s) => expandVars(s, envMap)),
    args: (c.args ?? []).map((s) => expandVars(s, envMap)),
    working_dir: c.workingDir ?? '',
    envs,
    mounts: volumeMounts(pod, c, rootDir, projected),
    labels: { ...podIdentityLabels(pod), [LABEL_CONTAINER_NAME]: c.name },
    annotations: { [ANNOTATION_RESTART_COUNT]: String(restartCount) },
    log_path: `${c.name}/${restartCount}.log`,
    stdin: c.stdin === true,
    tty: c.tty === true,
    linux: {
      resources: containerResources(c),
      security_context: {
        privileged: sc?.privileged === true,
        capabilities: { add_capabilities: sc?.capabilities?.add ?? [], drop_capabilities: sc?.capabilities?.drop ?? [] },
        namespace_options: { network: pod.spec?.hostNetwork ? 'NODE' : 'POD', pid: pod.spec?.hostPID ? 'NODE' : 'CONTAINER', ipc: pod.spec?.hostIPC ? 'NODE' : 'POD' },
        ...(sc?.runAsUser !== undefined ? { run_as_user: { value: sc.runAsUser } } : {}),
        ...(sc?.runAsGroup !== undefined ? { run_as_group: { value: sc.runAsGroup } } : {}),
        readonly_rootfs: sc?.readOnlyRootFilesystem === true,
      },
    },
  };
}

/** Effective imagePullPolicy: explicit, else Always for ':latest' or untagged images, else IfNotPresent. */
export function pullPolicy(c: Container): 'Always' | 'IfNotPresent' | 'Never' {
  if (c.imagePullPolicy === 'Always' || c.imagePullPolicy === 'IfNotPresent' || c.imagePullPolicy === 'Never') return c.imagePullPolicy;
  const image = c.image ?? '';
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const tagIdx = image.indexOf(':', lastSlash + 1);
  if (tagIdx < 0) return 'Always';
  return image.slice(tagIdx + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

/** Whether a container that exited with `exitCode` is restarted under `policy`. */
export function shouldRestart(policy: string | undefined, exitCode: number): boolean {
  if (policy === 'Never') return false;
  if (policy === 'OnFailure') return exitCode !== 0;
  return true;
}

/** Parses resolv.conf text into CRI DNS config; loopback nameservers (unusable in pods) are dropped. */
export function parseResolvConf(text: string): DNSConfig {
  const servers: string[] = [];
  let searches: string[] = [];
  let options: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0] && !rest[0].startsWith('127.') && rest[0] !== '::1') servers.push(rest[0]);
    else if (key === 'search' || key === 'domain') searches = rest;
    else if (key === 'options') options = rest;
  }
  return { servers, searches, options };
}
