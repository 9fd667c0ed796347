/**
 * Hand-written TypeScript shapes of the CRI runtime.v1 messages the kubelet
 * uses (proto/api.proto). Field names are the proto names (keepCase). Decoded
 * responses use the proto-loader options keepCase, longs: String, enums:
 * String, defaults: so int64 values arrive as decimal strings, enums as their
 * names, and every field is present. Requests take int64 as numbers.
 */

/** Decimal string form of a proto int64 as decoded (e.g. nanoseconds). */
export type Int64String = string;

/** CRI runtime.v1 `ContainerState` (enum names as decoded). */
export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';
/** CRI runtime.v1 `PodSandboxState` (enum names as decoded). */
export type PodSandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
/** CRI runtime.v1 `Protocol` (enum names as decoded). */
export type Protocol = 'TCP' | 'UDP' | 'SCTP';
/** CRI runtime.v1 `NamespaceMode` (enum names as decoded). */
export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';

/** CRI runtime.v1 `VersionResponse` (message). */
export interface VersionResponse {
  version: string;
  runtime_name: string;
  runtime_version: string;
  runtime_api_version: string;
}

/** CRI runtime.v1 `PodSandboxMetadata` (message). */
export interface PodSandboxMetadata {
  name: string;
  uid: string;
  namespace: string;
  attempt: number;
}

/** CRI runtime.v1 `DNSConfig` (message). */
export interface DNSConfig {
  servers: string[];
  searches: string[];
  options: string[];
}

/** CRI runtime.v1 `PortMapping` (message). */
export interface PortMapping {
  protocol: Protocol;
  container_port: number;
  host_port: number;
  host_ip: string;
}

/** CRI runtime.v1 `NamespaceOption` (message). */
export interface NamespaceOption {
  network?: NamespaceMode;
  pid?: NamespaceMode;
  ipc?: NamespaceMode;
  target_id?: string;
}

/** CRI runtime.v1 `LinuxSandboxSecurityContext` (message). */
export interface LinuxSandboxSecurityContext {
  namespace_options?: NamespaceOption;
  privileged?: boolean;
}

/** CRI runtime.v1 `LinuxPodSandboxConfig` (message). */
export interface LinuxPodSandboxConfig {
  cgroup_parent: string;
  security_context?: LinuxSandboxSecurityContext;
  sysctls?: Record<string, string>;
}

/** CRI runtime.v1 `PodSandboxConfig` (message). */
export interface PodSandboxConfig {
  metadata: PodSandboxMetadata;
  hostname: string;
  log_directory: string;
  dns_config?: DNSConfig;
  port_mappings: PortMapping[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  linux?: LinuxPodSandboxConfig;
}

/** CRI runtime.v1 `PodSandboxNetworkStatus` (message). */
export interface PodSandboxNetworkStatus {
  ip: string;
  additional_ips: { ip: string }[];
}

/** CRI runtime.v1 `PodSandboxStatus` (message). */
export interface PodSandboxStatus {
  id: string;
  metadata: PodSandboxMetadata | null;
  state: PodSandboxState;
  /** Nanoseconds since the epoch. */
  created_at: Int64String;
  network: PodSandboxNetworkStatus | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** CRI runtime.v1 `PodSandboxFilter` (message). */
export interface PodSandboxFilter {
  id?: string;
  state?: { state: PodSandboxState };
  label_selector?: Record<string, string>;
}

/** CRI runtime.v1 `PodSandbox` (message). */
export interface PodSandbox {
  id: string;
  metadata: PodSandboxMetadata | null;
  state: PodSandboxState;
  /** Nanoseconds since the epoch. */
  created_at: Int64String;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** CRI runtime.v1 `ImageSpec` (message). */
export interface ImageSpec {
  image: string;
  annotations?: Record<string, string>;
}

/** CRI runtime.v1 `KeyValue` (message). */
export interface KeyValue {
  key: string;
  value: string;
}

/** CRI runtime.v1 `Mount` (message). */
export interface Mount {
  container_path: string;
  host_path: string;
  readonly?: boolean;
}

/** Resource settings for a container; 0 means "not set". */
export interface LinuxContainerResources {
  /** CFS period in microseconds. */
  cpu_period: number;
  /** CFS quota in microseconds per period. */
  cpu_quota: number;
  /** Relative CPU weight (cgroup v1 cpu.shares). */
  cpu_shares: number;
  /** Bytes. */
  memory_limit_in_bytes: number;
  oom_score_adj?: number;
}

/** CRI runtime.v1 `Capability` (message). */
export interface Capability {
  add_capabilities: string[];
  drop_capabilities: string[];
}

/** CRI runtime.v1 `LinuxContainerSecurityContext` (message). */
export interface LinuxContainerSecurityContext {
  capabilities?: Capability;
  privileged?: boolean;
  namespace_options?: NamespaceOption;
  run_as_user?: { value: number };
  run_as_group?: { value: number };
  readonly_rootfs?: boolean;
}

/** CRI runtime.v1 `LinuxContainerConfig` (message). */
export interface LinuxContainerConfig {
  resources?: LinuxContainerResources;
  security_context?: LinuxContainerSecurityContext;
}

/** CRI runtime.v1 `ContainerMetadata` (message). */
export interface ContainerMetadata {
  name: string;
  attempt: number;
}

/** CRI runtime.v1 `ContainerConfig` (message). */
export interface ContainerConfig {
  metadata: ContainerMetadata;
  image: ImageSpec;
  command: string[];
  args: string[];
  working_dir: string;
  envs: KeyValue[];
  mounts: Mount[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Relative to the sandbox's log_directory. */
  log_path: string;
  stdin?: boolean;
  tty?: boolean;
  linux?: LinuxContainerConfig;
}

/** CRI runtime.v1 `ContainerFilter` (message). */
export interface ContainerFilter {
  id?: string;
  state?: { state: ContainerState };
  pod_sandbox_id?: string;
  label_selector?: Record<string, string>;
}

/** CRI runtime.v1 `Container` (message). */
export interface Container {
  id: string;
  pod_sandbox_id: string;
  metadata: ContainerMetadata | null;
  image: ImageSpec | null;
  image_ref: string;
  state: ContainerState;
  /** Nanoseconds since the epoch. */
  created_at: Int64String;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** CRI runtime.v1 `ContainerStatus` (message). */
export interface ContainerStatus {
  id: string;
  metadata: ContainerMetadata | null;
  state: ContainerState;
  /** Nanoseconds since the epoch; '0' when unset. */
  created_at: Int64String;
  started_at: Int64String;
  finished_at: Int64String;
  exit_code: number;
  image: ImageSpec | null;
  image_ref: string;
  reason: string;
  message: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  log_path: string;
}

/** CRI runtime.v1 `ExecSyncResponse` (message). */
export interface ExecSyncResponse {
  stdout: Buffer;
  stderr: Buffer;
  exit_code: number;
}

/** CRI runtime.v1 `ExecRequest` (message). */
export interface ExecRequest {
  container_id: string;
  cmd: string[];
  tty: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
}

/** CRI runtime.v1 `AttachRequest` (message). */
export interface AttachRequest {
  container_id: string;
  stdin: boolean;
  tty: boolean;
  stdout: boolean;
  stderr: boolean;
}

/** CRI runtime.v1 `Image` (message). */
export interface Image {
  id: string;
  repo_tags: string[];
  repo_digests: string[];
  /** Bytes, as a decimal string. */
  size: Int64String;
}

/** CRI runtime.v1 `FilesystemUsage` (message). */
export interface FilesystemUsage {
  timestamp: Int64String;
  fs_id: { mountpoint: string } | null;
  used_bytes: { value: Int64String } | null;
  inodes_used: { value: Int64String } | null;
}

/** CRI runtime.v1 `ContainerStats` (message), as decoded: unset usages are null. */
export interface ContainerStats {
  attributes: { id: string; metadata: ContainerMetadata | null; labels: Record<string, string>; annotations: Record<string, string> } | null;
  cpu: {
    /** Nanoseconds since the epoch when the usage was read. */
    timestamp: Int64String;
    /** Cumulative CPU time, nanoseconds (core-nanoseconds). */
    usage_core_nano_seconds: { value: Int64String } | null;
  } | null;
  memory: {
    /** Nanoseconds since the epoch. */
    timestamp: Int64String;
    /** Bytes: usage minus inactive file pages. */
    working_set_bytes: { value: Int64String } | null;
  } | null;
}

/**
 * The container runtime as the kubelet sees it: the CRI RuntimeService and
 * ImageService calls, one method each. Implementations: `GrpcRuntime`
 * (containerd over its unix socket) and `FakeRuntime` (in memory, tests).
 * Every method rejects with an Error carrying the runtime's message on failure;
 * NotFound errors have `code === 'NotFound'` (see `CriError`).
 */
export interface CriRuntime {
  version(): Promise<VersionResponse>;
  runPodSandbox(config: PodSandboxConfig, runtimeHandler?: string): Promise<string>;
  stopPodSandbox(podSandboxId: string): Promise<void>;
  removePodSandbox(podSandboxId: string): Promise<void>;
  podSandboxStatus(podSandboxId: string): Promise<PodSandboxStatus>;
  listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]>;
  createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string>;
  startContainer(containerId: string): Promise<void>;
  /** timeoutSeconds: grace before the runtime kills the container. */
  stopContainer(containerId: string, timeoutSeconds: number): Promise<void>;
  removeContainer(containerId: string): Promise<void>;
  listContainers(filter?: ContainerFilter): Promise<Container[]>;
  containerStatus(containerId: string): Promise<ContainerStatus>;
  /** timeoutSeconds 0 = no timeout. */
  execSync(containerId: string, cmd: string[], timeoutSeconds: number): Promise<ExecSyncResponse>;
  /** Returns the one-time streaming URL. */
  exec(req: ExecRequest): Promise<string>;
  /** Returns the one-time streaming URL for attaching to the container's main process. */
  attach(req: AttachRequest): Promise<string>;
  /** Returns the one-time streaming URL forwarding `ports` of the sandbox. */
  portForward(podSandboxId: string, ports: number[]): Promise<string>;
  /** Asks the runtime to reopen the container's log file (after the kubelet rotated it). */
  reopenContainerLog(containerId: string): Promise<void>;
  /** Returns the image ref (ID/digest) of the pulled image. */
  pullImage(image: string, sandboxConfig?: PodSandboxConfig): Promise<string>;
  /** Resolves undefined when the image is not present. */
  imageStatus(image: string): Promise<Image | undefined>;
  listImages(): Promise<Image[]>;
  removeImage(image: string): Promise<void>;
  imageFsInfo(): Promise<FilesystemUsage[]>;
  /** CPU and memory usage of every container the runtime knows (running ones carry usage; others may have nulls). */
  listContainerStats(): Promise<ContainerStats[]>;
  /** Closes the connection. */
  close(): void;
}

/** Error thrown by CriRuntime calls: `code` is the gRPC status name ('NotFound', 'Unimplemented', ...). */
export class CriError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'CriError';
    this.code = code;
  }
}

/** True when `e` is a CRI NotFound error. */
export const isCriNotFound = (e: unknown): boolean => e instanceof CriError && e.code === 'NotFound';
