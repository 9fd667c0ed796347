/**
 * CriRuntime over gRPC: containerd's CRI plugin on a unix socket, using
 * proto/api.proto loaded at runtime with @grpc/proto-loader.
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import {
  CriError,
  type AttachRequest, type Container, type ContainerConfig, type ContainerFilter, type ContainerStats, type ContainerStatus, type CriRuntime, type ExecRequest,
  type ExecSyncResponse, type FilesystemUsage, type Image, type PodSandbox, type PodSandboxConfig, type PodSandboxFilter,
  type PodSandboxStatus, type VersionResponse,
} from './types.ts';

/** Absolute path of the CRI proto file. */
export const CRI_PROTO_PATH = fileURLToPath(new URL('../../proto/api.proto', import.meta.url));

type Callback = (err: grpc.ServiceError | null, res: unknown) => void;
type UnaryMethod = (req: object, meta: grpc.Metadata, opts: grpc.CallOptions, cb: Callback) => void;

interface ServiceCtor {
  new (address: string, creds: grpc.ChannelCredentials, options?: grpc.ChannelOptions): grpc.Client;
}

function loadServices(): { runtime: ServiceCtor; image: ServiceCtor } {
  const def = protoLoader.loadSync(CRI_PROTO_PATH, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { runtime: { v1: { RuntimeService: ServiceCtor; ImageService: ServiceCtor } } };
  return { runtime: pkg.runtime.v1.RuntimeService, image: pkg.runtime.v1.ImageService };
}

/** Options of `GrpcRuntime`. */
export interface GrpcRuntimeOptions {
  /** Path of the unix socket, e.g. /var/lib/skiff/containerd/containerd.sock. */
  socket: string;
  /** Per-call deadline in ms (default 2 min; pulls use 10 min). */
  timeoutMs?: number;
}

/**
 * CriRuntime talking to a CRI runtime over its unix socket. Calls reject with
 * `CriError` (code = gRPC status name). Construction never connects; the first
 * call does (use `version()` to check the runtime is there).
 */
export class GrpcRuntime implements CriRuntime {
  private readonly rt: grpc.Client;
  private readonly img: grpc.Client;
  private readonly timeoutMs: number;

  constructor(opts: GrpcRuntimeOptions) {
    const { runtime, image } = loadServices();
    const address = `unix://${opts.socket}`;
    const chanOpts: grpc.ChannelOptions = { 'grpc.max_receive_message_length': 16 * 1024 * 1024 };
    this.rt = new runtime(address, grpc.credentials.createInsecure(), chanOpts);
    this.img = new image(address, grpc.credentials.createInsecure(), chanOpts);
    this.timeoutMs = opts.timeoutMs ?? 120_000;
  }

  private call<T>(client: grpc.Client, method: string, req: object, timeoutMs = this.timeoutMs): Promise<T> {
    const fn = (client as unknown as Record<string, unknown>)[method];
    if (typeof fn !== 'function') return Promise.reject(new CriError('Unimplemented', `no method ${method}`));
    return new Promise<T>((resolve, reject) => {
      (fn as UnaryMethod).call(client, req, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err) {
          const name = grpc.status[err.code] ?? 'Unknown';
          reject(new CriError(toPascal(name), `${method}: ${err.details || err.message}`));
        } else {
          resolve(res as T);
        }
      });
    });
  }

  async version(): Promise<VersionResponse> {
    return this.call<VersionResponse>(this.rt, 'Version', { version: 'v1' });
  }
  async runPodSandbox(config: PodSandboxConfig, runtimeHandler = ''): Promise<string> {
    const r = await this.call<{ pod_sandbox_id: string }>(this.rt, 'RunPodSandbox', { config, runtime_handler: runtimeHandler });
    return r.pod_sandbox_id;
  }
  async stopPodSandbox(id: string): Promise<void> {
    await this.call(this.rt, 'StopPodSandbox', { pod_sandbox_id: id });
  }
  async removePodSandbox(id: string): Promise<void> {
    await this.call(this.rt, 'RemovePodSandbox', { pod_sandbox_id: id });
  }
  async podSandboxStatus(id: string): Promise<PodSandboxStatus> {
    const r = await this.call<{ status: PodSandboxStatus | null }>(this.rt, 'PodSandboxStatus', { pod_sandbox_id: id });
    if (!r.status) throw new CriError('NotFound', `sandbox ${id} not found`);
    return r.status;
  }
  async listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]> {
    const r = await this.call<{ items: PodSandbox[] }>(this.rt, 'ListPodSandbox', filter ? { filter } : {});
    return r.items;
  }
  async createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string> {
    const r = await this.call<{ container_id: string }>(this.rt, 'CreateContainer', { pod_sandbox_id: podSandboxId, config, sandbox_config: sandboxConfig });
    return r.container_id;
  }
  async startContainer(id: string): Promise<void> {
    await this.call(this.rt, 'StartContainer', { container_id: id });
  }
  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    await this.call(this.rt, 'StopContainer', { container_id: id, timeout: timeoutSeconds }, this.timeoutMs + timeoutSeconds * 1000);
  }
  async removeContainer(id: string): Promise<void> {
    await this.call(this.rt, 'RemoveContainer', { container_id: id });
  }
  async listContainers(filter?: ContainerFilter): Promise<Container[]> {
    const r = await this.call<{ containers: Container[] }>(this.rt, 'ListContainers', filter ? { filter } : {});
    return r.containers;
  }
  async containerStatus(id: string): Promise<ContainerStatus> {
    const r = await this.call<{ status: ContainerStatus | null }>(this.rt, 'ContainerStatus', { container_id: id });
    if (!r.status) throw new CriError('NotFound', `container ${id} not found`);
    return r.status;
  }
  async execSync(id: string, cmd: string[], timeoutSeconds: number): Promise<ExecSyncResponse> {
    const budget = timeoutSeconds > 0 ? timeoutSeconds * 1000 + 5000 : this.timeoutMs;
    return this.call<ExecSyncResponse>(this.rt, 'ExecSync', { container_id: id, cmd, timeout: timeoutSeconds }, budget);
  }
  async exec(req: ExecRequest): Promise<string> {
    const r = await this.call<{ url: string }>(this.rt, 'Exec', req);
    return r.url;
  }
  async attach(req: AttachRequest): Promise<string> {
    const r = await this.call<{ url: string }>(this.rt, 'Attach', req);
    return r.url;
  }
  async portForward(podSandboxId: string, ports: number[]): Promise<string> {
    const r = await this.call<{ url: string }>(this.rt, 'PortForward', { pod_sandbox_id: podSandboxId, port: ports });
    return r.url;
  }
  async reopenContainerLog(containerId: string): Promise<void> {
    await this.call(this.rt, 'ReopenContainerLog', { container_id: containerId });
  }
  async pullImage(image: string, sandboxConfig?: PodSandboxConfig): Promise<string> {
    const req = sandboxConfig ? { image: { image }, sandbox_config: sandboxConfig } : { image: { image } };
    const r = await this.call<{ image_ref: string }>(this.img, 'PullImage', req, 600_000);
    return r.image_ref;
  }
  async imageStatus(image: string): Promise<Image | undefined> {
    const r = await this.call<{ image: Image | null }>(this.img, 'ImageStatus', { image: { image } });
    return r.image && r.image.id ? r.image : undefined;
  }
  async listImages(): Promise<Image[]> {
    const r = await this.call<{ images: Image[] }>(this.img, 'ListImages', {});
    return r.images;
  }
  async removeImage(image: string): Promise<void> {
    await this.call(this.img, 'RemoveImage', { image: { image } });
  }
  async imageFsInfo(): Promise<FilesystemUsage[]> {
    const r = await this.call<{ image_filesystems: FilesystemUsage[] }>(this.img, 'ImageFsInfo', {});
    return r.image_filesystems;
  }
  async listContainerStats(): Promise<ContainerStats[]> {
    const r = await this.call<{ stats: ContainerStats[] }>(this.rt, 'ListContainerStats', {});
    return r.stats;
  }
  close(): void {
    this.rt.close();
    this.img.close();
  }
}

/** 'NOT_FOUND' → 'NotFound'. */
function toPascal(s: string): string {
  return s.toLowerCase().split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}

/**
 * Connects and checks the runtime answers `Version` on both the runtime and
 * image services. Throws an Error naming the socket and the likely cause
 * (e.g. the CRI plugin disabled by a bad config) when it does not.
 */
export async function connectRuntime(socket: string): Promise<{ runtime: GrpcRuntime; version: VersionResponse }> {
  const runtime = new GrpcRuntime({ socket, timeoutMs: 120_000 });
  try {
    const version = await runtime.version();
    await runtime.imageFsInfo();
    return { runtime, version };
  } catch (e) {
    runtime.close();
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(`container runtime at ${socket} does not serve CRI runtime.v1 (${msg}); is containerd running with its CRI plugin enabled?`);
  }
}
