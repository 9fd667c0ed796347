/**
 * Real test: containerd (from renderContainerdConfig) in a network namespace
 * of its own, images from a local registry, driven first through CriRuntime
 * directly and then by the whole kubelet (runKubelet against a FakeClient).
 * Skips when not root or a binary is missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFile, rename } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { FakeClient } from '../apiserver/testing/fake-client.ts';
import { Nodes, Pods } from '../apiserver/client/resources.ts';
import { freePort } from '../testutil/etcd.ts';
import { GrpcRuntime } from './cri/grpc.ts';
import { runKubelet } from './main.ts';
import { serveKubeletApi } from './server/server.ts';
import { realEnvUnavailable, startNodeEnv, TEST_IMAGE } from './testutil/node-env.ts';
import { quietLogger } from '../testutil/log.ts';
import { waitFor } from '../testutil/wait.ts';

const log = quietLogger('kubelet-test');

const httpGet = (url: string): Promise<{ code: number; body: string }> =>
  new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });

/** Polls through the shared testutil waitFor (a throwing check counts as not yet). */
const until = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> => waitFor(() => fn(), timeoutMs, what, 200);

test('real containerd: CRI runtime, then the whole kubelet', { timeout: 240_000 }, async (t) => {
  const why = realEnvUnavailable();
  if (why) {
    t.skip(why);
    return;
  }
  const env = await startNodeEnv();
  try {
    await t.test('CriRuntime runs a container whose log is served by the log server', async () => {
      const rt = new GrpcRuntime({ socket: env.socket });
      const ac = new AbortController();
      try {
        const v = await rt.version();
        assert.equal(v.runtime_name, 'containerd');
        const ref = await rt.pullImage(TEST_IMAGE);
        assert.match(ref, /^sha256:/);
        assert.ok(await rt.imageStatus(TEST_IMAGE));
        assert.equal(await rt.imageStatus('127.0.0.1:5000/skiff/none:x'), undefined);
        const sbc = {
          metadata: { name: 'cri', namespace: 'default', uid: 'cri-uid', attempt: 0 }, hostname: 'cri', log_directory: join(env.dir, 'cri-logs'),
          port_mappings: [], labels: { 'io.kubernetes.pod.uid': 'cri-uid' }, annotations: {}, linux: { cgroup_parent: '/skiff/podcri-uid' },
        };
        const sb = await rt.runPodSandbox(sbc);
        const st = await rt.podSandboxStatus(sb);
        assert.equal(st.state, 'SANDBOX_READY');
        assert.match(st.network?.ip ?? '', /^10\.88\.7\./);
        const id = await rt.createContainer(sb, {
          metadata: { name: 'echo', attempt: 0 }, image: { image: ref }, command: ['/bin/sh', '-c', 'echo hello from skiff; echo to stderr >&2; exit 7'], args: [],
          working_dir: '', envs: [{ key: 'A', value: 'b' }], mounts: [], labels: {}, annotations: {}, log_path: 'echo/0.log',
          linux: { resources: { cpu_period: 100000, cpu_quota: 50000, cpu_shares: 512, memory_limit_in_bytes: 64 * 2 ** 20 } },
        }, sbc);
        await rt.startContainer(id);
        const done = await until('exit', async () => { const s = await rt.containerStatus(id); return s.state === 'CONTAINER_EXITED' && s; }, 20_000);
        assert.equal(done.exit_code, 7);
        assert.equal(done.log_path, join(env.dir, 'cri-logs', 'echo/0.log'));
        const raw = await readFile(done.log_path, 'utf8');
        assert.match(raw, /^\S+ stdout F hello from skiff$/m);
        const port = await serveKubeletApi({
          port: 0, host: '127.0.0.1', log,
          resolveLog: async (_ns, _p, c) => (c === 'echo' ? { path: done.log_path, running: async () => false } : undefined),
        }, ac.signal);
        const r = await httpGet(`http://127.0.0.1:${port}/containerLogs/default/cri/echo`);
        assert.equal(r.code, 200);
        assert.equal(r.body.split('\n').filter(Boolean).sort().join('|'), 'hello from skiff|to stderr');
        await rt.stopPodSandbox(sb);
        await rt.removePodSandbox(sb);
        assert.equal((await rt.listPodSandbox({ label_selector: { 'io.kubernetes.pod.uid': 'cri-uid' } })).length, 0);
      } finally {
        ac.abort();
        rt.close();
      }
    });

    await t.test('runKubelet registers the node, runs a pod, serves its logs, deletes it', async () => {
      const client = new FakeClient();
      let ac = new AbortController();
      const [port, healthzPort] = [await freePort(), await freePort()];
      const opts = {
        apiUrl: 'http://unused', nodeName: 'real-node', nodeIP: env.nodeIP, containerdSocket: env.socket, rootDir: env.rootDir,
        cniBinDir: env.cniBinDir, cniConfDir: env.cniConfDir, port, healthzPort, log, client,
      };
      let kubelet = runKubelet(opts, ac.signal);
      try {
        const node = await until('node', () => client.tryGet<Node>(Nodes, 'real-node'));
        assert.match(node.status?.nodeInfo?.containerRuntimeVersion ?? '', /^containerd:\/\/1\./);
        assert.deepEqual(node.status?.addresses?.[0], { type: 'InternalIP', address: env.nodeIP });
        assert.equal((await httpGet(`http://127.0.0.1:${healthzPort}/healthz`)).body, 'ok');
        await client.patch(Nodes, 'real-node', 'merge', { spec: { podCIDR: env.podCIDR } });
        await until('CNI config', async () => (await readFile(join(env.cniConfDir, '10-skiff.conflist'), 'utf8')).includes(env.podCIDR));
        await client.create<Pod>(Pods, {
          apiVersion: 'v1', kind: 'Pod', metadata: { name: 'hello', namespace: 'default' },
          spec: {
            nodeName: 'real-node', terminationGracePeriodSeconds: 1,
            containers: [{
              name: 'app', image: TEST_IMAGE, command: ['/bin/sh', '-c', 'echo line-1 $POD_NAME; echo line-2; exec sleep 3600'],
              env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
              resources: { limits: { cpu: '200m', memory: '32Mi' } },
            }],
          },
        }, 'default');
        const running = await until('pod Running', async () => {
          const p = await client.get<Pod>(Pods, 'hello', 'default');
          return p.status?.phase === 'Running' && p;
        });
        assert.match(running.status?.podIP ?? '', /^10\.88\.7\./);
        assert.equal(running.status?.hostIP, env.nodeIP);
        assert.match(running.status?.containerStatuses?.[0].containerID ?? '', /^containerd:\/\//);
        const logs = await until('logs', async () => {
          const r = await httpGet(`http://127.0.0.1:${port}/containerLogs/default/hello/app`);
          return r.body.includes('line-2') && r.body;
        });
        assert.equal(logs, 'line-1 hello\nline-2\n');

        // /metrics/resource: CRI ListContainerStats for the pod's container, /proc for the node.
        const resource = await until('resource metrics of hello/app', async () => {
          const r = await httpGet(`http://127.0.0.1:${port}/metrics/resource`);
          return /^container_memory_working_set_bytes\{container="app",namespace="default",pod="hello"\} [1-9]\d* \d+$/m.test(r.body) && r.body;
        });
        assert.match(resource, /^container_cpu_usage_seconds_total\{container="app",namespace="default",pod="hello"\} [\d.]+ \d+$/m);
        assert.match(resource, /^node_memory_working_set_bytes [1-9]\d* \d+$/m);
        assert.match(resource, /^node_cpu_usage_seconds_total [1-9][\d.]* \d+$/m);
        assert.match(resource, /^resource_scrape_error 0$/m);

        // Exec: ExecSync through CRI, and the kubelet API's redirect to the streaming server.
        const rt0 = new GrpcRuntime({ socket: env.socket });
        try {
          const cid = (running.status?.containerStatuses?.[0].containerID ?? '').replace('containerd://', '');
          const out = await rt0.execSync(cid, ['/bin/sh', '-c', 'echo exec-ok $POD_NAME'], 10);
          assert.equal(out.exit_code, 0);
          assert.equal(out.stdout.toString(), 'exec-ok hello\n');
          // Log rotation: after a rename, ReopenContainerLog makes containerd create the file again.
          const logPath = (await rt0.containerStatus(cid)).log_path;
          await rename(logPath, `${logPath}.rotated`);
          await rt0.reopenContainerLog(cid);
          assert.ok(existsSync(logPath), 'log file reopened');
        } finally {
          rt0.close();
        }
        const redirect = await new Promise<{ code: number; location?: string }>((resolve, reject) => {
          http.get(`http://127.0.0.1:${port}/exec/default/hello/app?command=ls&stdout=true`, (res) => {
            res.resume();
            resolve({ code: res.statusCode ?? 0, location: res.headers.location });
          }).on('error', reject);
        });
        assert.equal(redirect.code, 302);
        assert.match(redirect.location ?? '', /^http:\/\/127\.0\.0\.1:\d+\/exec\//);
        const pf = await new Promise<{ code: number; location?: string }>((resolve, reject) => {
          http.get(`http://127.0.0.1:${port}/portForward/default/hello?port=80`, (res) => {
            res.resume();
            resolve({ code: res.statusCode ?? 0, location: res.headers.location });
          }).on('error', reject);
        });
        assert.equal(pf.code, 302);
        assert.match(pf.location ?? '', /^http:\/\/127\.0\.0\.1:\d+\/portforward\//);

        // Restart the kubelet: it adopts the running pod and creates nothing new.
        ac.abort();
        await kubelet;
        const rtc = new GrpcRuntime({ socket: env.socket });
        const count = async (): Promise<[number, number]> => [
          (await rtc.listPodSandbox({ label_selector: { 'io.kubernetes.pod.name': 'hello' } })).length,
          (await rtc.listContainers({ label_selector: { 'io.kubernetes.pod.name': 'hello' } })).length,
        ];
        assert.deepEqual(await count(), [1, 1]);
        ac = new AbortController();
        kubelet = runKubelet(opts, ac.signal);
        // The old healthz server closed with the old kubelet, so these metrics are the new instance's: a first
        // (`create`) sync finished without error for the node's only pod, i.e. hello was adopted or duplicated by now.
        await until('restarted kubelet finished a first sync of hello', async () => {
          const m = (await httpGet(`http://127.0.0.1:${healthzPort}/metrics`)).body;
          const n = /^kubelet_pod_worker_duration_seconds_count\{operation_type="create"\} (\d+)$/m.exec(m);
          return n !== null && Number(n[1]) >= 1;
        }, 30_000);
        assert.deepEqual(await count(), [1, 1], 'no duplicate sandbox or container after a restart');
        rtc.close();
        assert.equal((await client.get<Pod>(Pods, 'hello', 'default')).status?.containerStatuses?.[0].restartCount, 0);
        assert.equal((await client.get<Pod>(Pods, 'hello', 'default')).status?.phase, 'Running');

        await client.delete(Pods, 'hello', 'default', { gracePeriodSeconds: 1 });
        await until('pod deleted', async () => (await client.tryGet(Pods, 'hello', 'default')) === undefined, 30_000);
        const rt = new GrpcRuntime({ socket: env.socket });
        try {
          assert.equal((await rt.listPodSandbox({ label_selector: { 'io.kubernetes.pod.name': 'hello' } })).length, 0);
        } finally {
          rt.close();
        }
      } finally {
        ac.abort();
        await kubelet;
      }
    });
  } finally {
    await env.stop();
  }
});
