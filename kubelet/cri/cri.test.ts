import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { needsRestrictOomScoreAdj, renderContainerdConfig } from './containerd-config.ts';
import { connectRuntime, CRI_PROTO_PATH, GrpcRuntime } from './grpc.ts';
import { CriError, isCriNotFound } from './types.ts';

type Handler = (call: { request: Record<string, unknown> }, cb: (err: grpc.ServiceError | null, res?: unknown) => void) => void;

/** An in-process gRPC server on a unix socket serving some CRI methods. */
async function serve(socket: string, runtime: Record<string, Handler>, image?: Record<string, Handler>): Promise<grpc.Server> {
  const def = protoLoader.loadSync(CRI_PROTO_PATH, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { runtime: { v1: { RuntimeService: { service: grpc.ServiceDefinition }; ImageService: { service: grpc.ServiceDefinition } } } };
  const server = new grpc.Server();
  server.addService(pkg.runtime.v1.RuntimeService.service, runtime as unknown as grpc.UntypedServiceImplementation);
  if (image) server.addService(pkg.runtime.v1.ImageService.service, image as unknown as grpc.UntypedServiceImplementation);
  await new Promise<void>((resolve, reject) => server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (e) => (e ? reject(e) : resolve())));
  return server;
}

const version: Handler = (_c, cb) => cb(null, { version: '0.1.0', runtime_name: 'containerd', runtime_version: '1.6.20', runtime_api_version: 'v1' });

test('connectRuntime: clear error without a runtime, or without the image service', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-cri-'));
  try {
    await assert.rejects(connectRuntime(join(dir, 'none.sock')), /does not serve CRI runtime\.v1.*is containerd running/);
    const half = await serve(join(dir, 'half.sock'), { Version: version });
    await assert.rejects(connectRuntime(join(dir, 'half.sock')), /ImageFsInfo.*does not serve CRI runtime\.v1|does not serve CRI runtime\.v1.*ImageFsInfo/);
    half.forceShutdown();
    const full = await serve(join(dir, 'full.sock'), { Version: version }, { ImageFsInfo: (_c, cb) => cb(null, { image_filesystems: [] }) });
    const { runtime, version: v } = await connectRuntime(join(dir, 'full.sock'));
    assert.equal(`${v.runtime_name}://${v.runtime_version}`, 'containerd://1.6.20');
    runtime.close();
    full.forceShutdown();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('GrpcRuntime: wire names, int64 as strings, NotFound mapping', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-cri-'));
  const seen: Record<string, unknown>[] = [];
  const server = await serve(join(dir, 'c.sock'), {
    Version: version,
    StopContainer: (call, cb) => { seen.push(call.request); cb(null, {}); },
    ContainerStatus: (call, cb) => {
      if (call.request.container_id === 'missing') {
        cb(Object.assign(new Error('not found'), { code: grpc.status.NOT_FOUND, details: 'container "missing" not found', metadata: new grpc.Metadata() }));
        return;
      }
      cb(null, { status: { id: 'c1', state: 'CONTAINER_EXITED', started_at: '1700000000123456789', exit_code: 3, reason: 'Error', log_path: '/x/0.log', metadata: { name: 'app', attempt: 2 } } });
    },
    CreateContainer: (call, cb) => { seen.push(call.request); cb(null, { container_id: 'new-id' }); },
  });
  const rt = new GrpcRuntime({ socket: join(dir, 'c.sock') });
  try {
    await rt.stopContainer('c1', 30);
    assert.deepEqual(seen[0], { container_id: 'c1', timeout: '30' });
    const st = await rt.containerStatus('c1');
    assert.equal(st.state, 'CONTAINER_EXITED');
    assert.equal(st.started_at, '1700000000123456789');
    assert.equal(st.finished_at, '0');
    assert.equal(st.exit_code, 3);
    assert.deepEqual(st.metadata, { name: 'app', attempt: 2 });
    const err = await rt.containerStatus('missing').catch((e: unknown) => e);
    assert.ok(err instanceof CriError);
    assert.equal((err as CriError).code, 'NotFound');
    assert.ok(isCriNotFound(err));
    const sbc = { metadata: { name: 'p', namespace: 'd', uid: 'u', attempt: 0 }, hostname: 'p', log_directory: '/l', port_mappings: [], labels: {}, annotations: {} };
    const id = await rt.createContainer('sb', {
      metadata: { name: 'app', attempt: 1 }, image: { image: 'img' }, command: ['sh'], args: [], working_dir: '', envs: [{ key: 'A', value: '1' }], mounts: [],
      labels: { l: 'v' }, annotations: {}, log_path: 'app/1.log', linux: { resources: { cpu_period: 100000, cpu_quota: 50000, cpu_shares: 512, memory_limit_in_bytes: 1024 } },
    }, sbc);
    assert.equal(id, 'new-id');
    const req = seen[1] as { pod_sandbox_id: string; config: { log_path: string; linux: { resources: { cpu_quota: string } }; labels: Record<string, string> } };
    assert.equal(req.pod_sandbox_id, 'sb');
    assert.equal(req.config.log_path, 'app/1.log');
    assert.equal(req.config.linux.resources.cpu_quota, '50000');
    assert.deepEqual(req.config.labels, { l: 'v' });
    await assert.rejects(rt.listImages(), (e: unknown) => e instanceof CriError && e.code === 'Unimplemented');
  } finally {
    rt.close();
    server.forceShutdown();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('containerd config and the CAP_SYS_RESOURCE probe', () => {
  const toml = renderContainerdConfig({
    rootDir: '/d/containerd/root', stateDir: '/d/containerd/state', socket: '/d/containerd/containerd.sock', cniBinDir: '/usr/lib/cni',
    cniConfDir: '/d/cni/net.d', certsDir: '/d/containerd/certs.d', streamPort: 10010, restrictOomScoreAdj: true,
  });
  for (const line of [
    'version = 2', 'root = "/d/containerd/root"', 'state = "/d/containerd/state"', '  address = "/d/containerd/containerd.sock"',
    '  path = "/d/containerd/root/opt"', '  stream_server_address = "127.0.0.1"', '  stream_server_port = "10010"', '  disable_apparmor = true',
    '  restrict_oom_score_adj = true', '  netns_mounts_under_state_dir = true', '  SystemdCgroup = false', '  Root = "/d/containerd/state/runc"',
    '  bin_dir = "/usr/lib/cni"', '  conf_dir = "/d/cni/net.d"', '  config_path = "/d/containerd/certs.d"', '  sandbox_image = "registry.k8s.io/pause:3.9"',
  ]) assert.ok(toml.split('\n').includes(line), `missing line ${JSON.stringify(line)}`);
  assert.ok(!toml.includes('mirrors'), 'mirrors together with config_path disables CRI');
  assert.ok(renderContainerdConfig({ rootDir: '/r', stateDir: '/s', socket: '/x', cniBinDir: '/b', cniConfDir: '/c', certsDir: '/e', streamPort: 1, restrictOomScoreAdj: false }).includes('restrict_oom_score_adj = false'));
  assert.equal(needsRestrictOomScoreAdj('CapBnd:\t000001fffeffffff\n'), true, 'bit 24 clear');
  assert.equal(needsRestrictOomScoreAdj('CapBnd:\t000001ffffffffff\n'), false);
  assert.equal(needsRestrictOomScoreAdj('nothing'), false);
  assert.equal(typeof needsRestrictOomScoreAdj(), 'boolean');
});
