/**
 * In-memory CriRuntime for unit tests (and simulated nodes): sandboxes,
 * containers and images held in maps, with knobs to make containers exit and
 * pulls fail. Records every call in `calls` for assertions.
 */
import {
  CriError,
  type AttachRequest, type Container, type ContainerConfig, type ContainerFilter, type ContainerState, type ContainerStats, type ContainerStatus, type CriRuntime,
  type ExecRequest, type ExecSyncResponse, type FilesystemUsage, type Image, type PodSandbox, type PodSandboxConfig,
  type PodSandboxFilter, type PodSandboxState, type PodSandboxStatus, type VersionResponse,
} from './types.ts';

interface FakeSandbox {
  id: string;
  config: PodSandboxConfig;
  state: PodSandboxState;
  createdAt: bigint;
  ip: string;
}

interface FakeContainer {
  id: string;
  sandboxId: string;
  config: ContainerConfig;
  state: ContainerState;
  createdAt: bigint;
  startedAt: bigint;
  finishedAt: bigint;
  exitCode: number;
  reason: string;
  imageRef: string;
}

/** Options of FakeRuntime; the defaults are what the unit tests expect. */
export interface FakeRuntimeOptions {
  /** Record method names in `calls` (default true; hollow nodes turn it off so that memory stays flat). */
  recordCalls?: boolean;
  /** The IP of each new sandbox (default 10.244.0.2, 10.244.0.3, ... in call order). */
  nextPodIP?: () => string;
}

const matchLabels = (labels: Record<string, string>, sel?: Record<string, string>): boolean =>
  !sel || Object.entries(sel).every(([k, v]) => labels[k] === v);

/** In-memory fake of the CRI runtime; see the file comment. Not thread-safe, not persistent. */
export class FakeRuntime implements CriRuntime {
  readonly sandboxes = new Map<string, FakeSandbox>();
  readonly containers = new Map<string, FakeContainer>();
  readonly images = new Map<string, Image>();
  /** Image name → error message for pulls that must fail. */
  readonly pullFailures = new Map<string, string>();
  /** When set, RunPodSandbox fails with this message (test knob). */
  sandboxFailure: string | undefined;
  /** Exit code of ExecSync per call (test knob; default 0). */
  execExitCode: (containerId: string, cmd: string[]) => number = () => 0;
  /** Usage ListContainerStats reports for a running container (test knob; default none used: 0 ns CPU, 0 bytes). */
  usageOf: (containerId: string) => { cpuCoreNanos: bigint; workingSetBytes: number } = () => ({ cpuCoreNanos: 0n, workingSetBytes: 0 });
  /** Method names in call order, e.g. 'runPodSandbox'. */
  readonly calls: string[] = [];
  private seq = 0;
  private ipSeq = 2;
  private readonly recordCalls: boolean;
  private readonly nextPodIP: () => string;
  /** Clock in ms for created/started/finished times (tests may replace it). */
  now: () => number = () => Date.now();

  constructor(opts: FakeRuntimeOptions = {}) {
    this.recordCalls = opts.recordCalls ?? true;
    this.nextPodIP = opts.nextPodIP ?? ((): string => `10.244.0.${this.ipSeq++}`);
  }

  private record(method: string): void {
    if (this.recordCalls) this.calls.push(method);
  }

  private ns(): bigint {
    return BigInt(Math.floor(this.now())) * 1_000_000n;
  }

  private nextId(prefix: string): string {
    this.seq += 1;
    return `${prefix}${String(this.seq).padStart(6, '0')}`;
  }

  /** Makes a running container exit with `exitCode` (test knob). */
  exitContainer(id: string, exitCode: number, reason = exitCode === 0 ? 'Completed' : 'Error'): void {
    const c = this.containers.get(id);
    if (!c) throw new Error(`no container ${id}`);
    c.state = 'CONTAINER_EXITED';
    c.exitCode = exitCode;
    c.reason = reason;
    c.finishedAt = this.ns();
  }

  /** Containers whose metadata name is `name`, oldest first. */
  containersNamed(name: string): FakeContainer[] {
    return [...this.containers.values()].filter((c) => c.config.metadata.name === name);
  }

  async version(): Promise<VersionResponse> {
    this.record('version');
    return { version: '0.1.0', runtime_name: 'fake', runtime_version: '1.0.0', runtime_api_version: 'v1' };
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    this.record('runPodSandbox');
    if (this.sandboxFailure !== undefined) throw new CriError('Unknown', this.sandboxFailure);
    const id = this.nextId('sb');
    this.sandboxes.set(id, { id, config: structuredClone(config), state: 'SANDBOX_READY', createdAt: this.ns(), ip: this.nextPodIP() });
    return id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    this.record('stopPodSandbox');
    const s = this.sandboxes.get(id);
    if (!s) return;
    s.state = 'SANDBOX_NOTREADY';
    for (const c of this.containers.values()) {
      if (c.sandboxId === id && c.state === 'CONTAINER_RUNNING') this.exitContainer(c.id, 137, 'Error');
    }
  }

  async removePodSandbox(id: string): Promise<void> {
    this.record('removePodSandbox');
    for (const c of [...this.containers.values()]) if (c.sandboxId === id) this.containers.delete(c.id);
    this.sandboxes.delete(id);
  }

  async podSandboxStatus(id: string): Promise<PodSandboxStatus> {
    this.record('podSandboxStatus');
    const s = this.sandboxes.get(id);
    if (!s) throw new CriError('NotFound', `sandbox ${id} not found`);
    return {
      id, metadata: s.config.metadata, state: s.state, created_at: String(s.createdAt),
      network: { ip: s.state === 'SANDBOX_READY' ? s.ip : '', additional_ips: [] },
      labels: { ...s.config.labels }, annotations: { ...s.config.annotations },
    };
  }

  async listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]> {
    this.record('listPodSandbox');
    return [...this.sandboxes.values()]
      .filter((s) => (!filter?.id || s.id === filter.id) && (!filter?.state || s.state === filter.state.state) && matchLabels(s.config.labels, filter?.label_selector))
      .map((s) => ({ id: s.id, metadata: s.config.metadata, state: s.state, created_at: String(s.createdAt), labels: { ...s.config.labels }, annotations: { ...s.config.annotations } }));
  }

  async createContainer(sandboxId: string, config: ContainerConfig, _sandboxConfig?: PodSandboxConfig): Promise<string> {
    this.record('createContainer');
    const s = this.sandboxes.get(sandboxId);
    if (!s || s.state !== 'SANDBOX_READY') throw new CriError('NotFound', `sandbox ${sandboxId} not ready`);
    const img = this.images.get(config.image.image) ?? [...this.images.values()].find((i) => i.id === config.image.image);
    if (!img) throw new CriError('NotFound', `image ${config.image.image} not present`);
    const id = this.nextId('ctr');
    this.containers.set(id, {
      id, sandboxId, config: structuredClone(config), state: 'CONTAINER_CREATED', createdAt: this.ns(),
      startedAt: 0n, finishedAt: 0n, exitCode: 0, reason: '', imageRef: img.id,
    });
    return id;
  }

  async startContainer(id: string): Promise<void> {
    this.record('startContainer');
    const c = this.containers.get(id);
    if (!c) throw new CriError('NotFound', `container ${id} not found`);
    if (c.state !== 'CONTAINER_CREATED') throw new CriError('FailedPrecondition', `container ${id} is ${c.state}`);
    c.state = 'CONTAINER_RUNNING';
    c.startedAt = this.ns();
  }

  async stopContainer(id: string): Promise<void> {
    this.record('stopContainer');
    const c = this.containers.get(id);
    if (!c) throw new CriError('NotFound', `container ${id} not found`);
    if (c.state === 'CONTAINER_RUNNING') this.exitContainer(id, 137, 'Error');
    else if (c.state === 'CONTAINER_CREATED') c.state = 'CONTAINER_EXITED';
  }

  async removeContainer(id: string): Promise<void> {
    this.record('removeContainer');
    this.containers.delete(id);
  }

  async listContainers(filter?: ContainerFilter): Promise<Container[]> {
    this.record('listContainers');
    return [...this.containers.values()]
      .filter((c) => (!filter?.id || c.id === filter.id) && (!filter?.pod_sandbox_id || c.sandboxId === filter.pod_sandbox_id)
        && (!filter?.state || c.state === filter.state.state) && matchLabels(c.config.labels, filter?.label_selector))
      .map((c) => ({
        id: c.id, pod_sandbox_id: c.sandboxId, metadata: c.config.metadata, image: c.config.image, image_ref: c.imageRef,
        state: c.state, created_at: String(c.createdAt), labels: { ...c.config.labels }, annotations: { ...c.config.annotations },
      }));
  }

  async containerStatus(id: string): Promise<ContainerStatus> {
    this.record('containerStatus');
    const c = this.containers.get(id);
    if (!c) throw new CriError('NotFound', `container ${id} not found`);
    const s = this.sandboxes.get(c.sandboxId);
    return {
      id, metadata: c.config.metadata, state: c.state, created_at: String(c.createdAt), started_at: String(c.startedAt),
      finished_at: String(c.finishedAt), exit_code: c.exitCode, image: c.config.image, image_ref: c.imageRef,
      reason: c.reason, message: '', labels: { ...c.config.labels }, annotations: { ...c.config.annotations },
      log_path: s ? `${s.config.log_directory}/${c.config.log_path}` : '',
    };
  }

  async execSync(id: string, cmd: string[]): Promise<ExecSyncResponse> {
    this.record('execSync');
    if (!this.containers.has(id)) throw new CriError('NotFound', `container ${id} not found`);
    return { stdout: Buffer.from(cmd.join(' ') + '\n'), stderr: Buffer.alloc(0), exit_code: this.execExitCode(id, cmd) };
  }

  async exec(req: ExecRequest): Promise<string> {
    this.record('exec');
    return `http://127.0.0.1:10010/exec/fake-${req.container_id}`;
  }

  async attach(req: AttachRequest): Promise<string> {
    this.record('attach');
    return `http://127.0.0.1:10010/attach/fake-${req.container_id}`;
  }

  async portForward(podSandboxId: string): Promise<string> {
    this.record('portForward');
    if (!this.sandboxes.has(podSandboxId)) throw new CriError('NotFound', `sandbox ${podSandboxId} not found`);
    return `http://127.0.0.1:10010/portforward/fake-${podSandboxId}`;
  }

  /** Container ids whose log was reopened, in order. */
  readonly reopened: string[] = [];

  async reopenContainerLog(containerId: string): Promise<void> {
    this.record('reopenContainerLog');
    this.reopened.push(containerId);
  }

  async pullImage(image: string): Promise<string> {
    this.record('pullImage');
    const fail = this.pullFailures.get(image);
    if (fail !== undefined) throw new CriError('Unknown', fail);
    const id = `sha256:${Buffer.from(image).toString('hex').padEnd(64, '0').slice(0, 64)}`;
    this.images.set(image, { id, repo_tags: [image], repo_digests: [], size: '1000' });
    return id;
  }

  async imageStatus(image: string): Promise<Image | undefined> {
    this.record('imageStatus');
    return this.images.get(image);
  }

  async listImages(): Promise<Image[]> {
    this.record('listImages');
    return [...this.images.values()];
  }

  async removeImage(image: string): Promise<void> {
    this.record('removeImage');
    this.images.delete(image);
  }

  async imageFsInfo(): Promise<FilesystemUsage[]> {
    this.record('imageFsInfo');
    return [{ timestamp: String(this.ns()), fs_id: { mountpoint: '/fake' }, used_bytes: { value: '0' }, inodes_used: { value: '0' } }];
  }

  async listContainerStats(): Promise<ContainerStats[]> {
    this.record('listContainerStats');
    const ts = String(this.ns());
    return [...this.containers.values()].filter((c) => c.state === 'CONTAINER_RUNNING').map((c) => {
      const u = this.usageOf(c.id);
      return {
        attributes: { id: c.id, metadata: c.config.metadata, labels: { ...c.config.labels }, annotations: { ...c.config.annotations } },
        cpu: { timestamp: ts, usage_core_nano_seconds: { value: String(u.cpuCoreNanos) } },
        memory: { timestamp: ts, working_set_bytes: { value: String(u.workingSetBytes) } },
      };
    });
  }

  close(): void {}
}
