/**
 * The official JavaScript Kubernetes client (`@kubernetes/client-node` 1.x),
 * unmodified, against Skiff's real API server on real etcd: typed CoreV1 and
 * AppsV1 calls, patch content types, ClusterIP allocation, selectors, 409 as
 * ApiException, `makeInformer`, the raw `Watch` class, and `Exec` (WebSocket
 * `v4.channel.k8s.io`) through the apiserver and Skiff's kubelet API to a
 * runtime streaming-server stand-in.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ApiException, AppsV1Api, CoreV1Api, Exec, KubeConfig, PatchStrategy, Watch, makeInformer, setHeaderOptions,
  type V1Deployment, type V1Pod, type V1Status,
} from '@kubernetes/client-node';
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { quietLogger } from '../testutil/log.ts';
import { serveKubeletApi, type StreamRequest } from '../kubelet/server/server.ts';
import { Etcd3 } from 'etcd3';
import type { TestApiServer } from '../testutil/apiserver.ts';
import { etcdSkipReason } from '../testutil/real-api.ts';
import { waitFor } from '../testutil/wait.ts';

const skip = etcdSkipReason();

/** A KubeConfig for a plain-http server with no credentials. */
function kubeConfigFor(url: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'skiff', server: url, skipTLSVerify: true }],
    users: [{ name: 'anonymous' }],
    contexts: [{ name: 'skiff', cluster: 'skiff', user: 'anonymous' }],
    currentContext: 'skiff',
  });
  return kc;
}

function deployment(name: string): V1Deployment {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'nginx:1.22' }] } },
    },
  };
}

function pod(name: string, labels: Record<string, string>, nodeName?: string): V1Pod {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, labels },
    spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }] },
  };
}

/** Polls `cond` every 20 ms until true; rejects after `ms`. */
/** Polls through the shared testutil waitFor (a throwing check counts as not yet). */
const until = (what: string, ms: number, cond: () => boolean): Promise<boolean> => waitFor(() => cond(), ms, what, 20);

/** The IPv4 address as a 32-bit unsigned number. */
function ipv4ToNumber(ip: string): number {
  const parts = ip.split('.').map(Number);
  assert.equal(parts.length, 4, `not an IPv4 address: ${ip}`);
  return parts.reduce((n, p) => n * 256 + p, 0);
}

describe('@kubernetes/client-node 1.x against the real API server', { skip, timeout: 60000 }, () => {
  let api: TestApiServer;
  let kc: KubeConfig;
  let core: CoreV1Api;
  let apps: AppsV1Api;

  before(async () => {
    const { startApiServer } = await import('../testutil/apiserver.ts');
    api = await startApiServer();
    kc = kubeConfigFor(api.url);
    core = kc.makeApiClient(CoreV1Api);
    apps = kc.makeApiClient(AppsV1Api);
  });
  after(async () => {
    await api?.stop();
  });

  it('lists the system namespaces', async () => {
    const list = await core.listNamespace();
    const names = list.items.map((n) => n.metadata?.name);
    for (const want of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      assert.ok(names.includes(want), `namespace ${want} missing from ${names.join(',')}`);
    }
    assert.ok(list.metadata?.resourceVersion, 'list has a resourceVersion');
  });

  it('creates a Deployment, reads it back, patches it with merge and strategic-merge patches', async () => {
    const created = await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('web') });
    assert.equal(created.metadata?.name, 'web');
    assert.ok(created.metadata?.uid, 'uid set');
    assert.ok(created.metadata?.creationTimestamp instanceof Date, 'creationTimestamp deserialised to a Date');

    const read = await apps.readNamespacedDeployment({ name: 'web', namespace: 'default' });
    assert.equal(read.metadata?.uid, created.metadata?.uid);
    assert.equal(read.spec?.template.spec?.containers[0]?.image, 'nginx:1.22');

    // 1.x picks the first of the operation's content types (json-patch) unless a
    // middleware sets Content-Type: setHeaderOptions is the documented way.
    const merged = await apps.patchNamespacedDeployment(
      { name: 'web', namespace: 'default', body: { spec: { replicas: 3 }, metadata: { labels: { tier: 'frontend' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    assert.equal(merged.spec?.replicas, 3);
    assert.equal(merged.metadata?.labels?.tier, 'frontend');
    assert.equal(merged.metadata?.labels?.app, 'web', 'merge patch keeps other labels');

    const strategic = await apps.patchNamespacedDeployment(
      {
        name: 'web', namespace: 'default',
        body: { spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'busybox' }] } } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    const containers = strategic.spec?.template.spec?.containers.map((c) => `${c.name}=${c.image}`).sort();
    assert.deepEqual(containers, ['sidecar=busybox', 'web=nginx:1.22'], 'strategic merge patch merges containers by name');

    const jsonPatched = await apps.patchNamespacedDeployment({
      name: 'web', namespace: 'default',
      body: [{ op: 'replace', path: '/spec/replicas', value: 2 }],
    });
    assert.equal(jsonPatched.spec?.replicas, 2, 'default (json-patch) content type works');
  });

  it('creates a Service and allocates a ClusterIP in 10.96.0.0/12', async () => {
    const svc = await core.createNamespacedService({
      namespace: 'default',
      body: { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } },
    });
    const ip = svc.spec?.clusterIP;
    assert.ok(ip, 'clusterIP allocated');
    const base = ipv4ToNumber('10.96.0.0');
    const n = ipv4ToNumber(ip);
    assert.ok(n >= base && n < base + 2 ** 20, `${ip} inside 10.96.0.0/12`);
    assert.notEqual(ip, '10.96.0.1', 'not the kubernetes Service address');
    assert.deepEqual(svc.spec?.clusterIPs, [ip]);
    assert.equal(svc.spec?.ports?.[0]?.protocol, 'TCP', 'protocol defaulted');
    const read = await core.readNamespacedService({ name: 'web', namespace: 'default' });
    assert.equal(read.spec?.clusterIP, ip);
  });

  it('lists pods with a labelSelector and a fieldSelector', async () => {
    await core.createNamespacedPod({ namespace: 'default', body: pod('sel-a', { role: 'db', env: 'prod' }, 'node-1') });
    await core.createNamespacedPod({ namespace: 'default', body: pod('sel-b', { role: 'db', env: 'dev' }, 'node-2') });
    await core.createNamespacedPod({ namespace: 'default', body: pod('sel-c', { role: 'web' }, 'node-1') });
    const names = (l: { items: V1Pod[] }): string[] => l.items.map((p) => p.metadata?.name ?? '').sort();

    assert.deepEqual(names(await core.listNamespacedPod({ namespace: 'default', labelSelector: 'role=db' })), ['sel-a', 'sel-b']);
    assert.deepEqual(names(await core.listNamespacedPod({ namespace: 'default', labelSelector: 'role=db,env!=prod' })), ['sel-b']);
    assert.deepEqual(names(await core.listNamespacedPod({ namespace: 'default', labelSelector: 'env in (prod,dev)' })), ['sel-a', 'sel-b']);
    assert.deepEqual(names(await core.listNamespacedPod({ namespace: 'default', fieldSelector: 'spec.nodeName=node-1' })), ['sel-a', 'sel-c']);
    assert.deepEqual(
      names(await core.listNamespacedPod({ namespace: 'default', labelSelector: 'role=db', fieldSelector: 'spec.nodeName=node-1' })),
      ['sel-a'],
    );
    assert.deepEqual(names(await core.listPodForAllNamespaces({ fieldSelector: 'metadata.name=sel-c' })), ['sel-c']);

    for (const n of ['sel-a', 'sel-b', 'sel-c']) await core.deleteNamespacedPod({ name: n, namespace: 'default' });
  });

  it('surfaces a stale update as ApiException 409, and a missing object as 404', async () => {
    const first = await apps.readNamespacedDeployment({ name: 'web', namespace: 'default' });
    const stale = structuredClone(first);
    first.spec = { ...first.spec!, replicas: 5 };
    const updated = await apps.replaceNamespacedDeployment({ name: 'web', namespace: 'default', body: first });
    assert.notEqual(updated.metadata?.resourceVersion, stale.metadata?.resourceVersion);

    stale.spec = { ...stale.spec!, replicas: 7 };
    await assert.rejects(
      apps.replaceNamespacedDeployment({ name: 'web', namespace: 'default', body: stale }),
      (e: unknown) => {
        assert.ok(e instanceof ApiException, `an ApiException, got ${String(e)}`);
        assert.equal(e.code, 409);
        const body: unknown = typeof e.body === 'string' ? JSON.parse(e.body) : e.body;
        assert.equal((body as { reason?: string }).reason, 'Conflict');
        return true;
      },
    );
    await assert.rejects(
      core.readNamespacedPod({ name: 'no-such-pod', namespace: 'default' }),
      (e: unknown) => e instanceof ApiException && e.code === 404,
    );
  });

  it('delete answers as typed: V1Status for a Deployment, the object for a Pod', async () => {
    const d = await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('doomed') });
    const st = await apps.deleteNamespacedDeployment({ name: 'doomed', namespace: 'default' });
    assert.equal(st.kind, 'Status');
    assert.equal(st.status, 'Success');
    assert.deepEqual(
      { name: st.details?.name, group: st.details?.group, kind: st.details?.kind, uid: st.details?.uid },
      { name: 'doomed', group: 'apps', kind: 'deployments', uid: d.metadata?.uid },
    );
    await core.createNamespacedPod({ namespace: 'default', body: pod('doomed', {}) });
    const p = await core.deleteNamespacedPod({ name: 'doomed', namespace: 'default' });
    assert.equal(p.kind, 'Pod');
    assert.equal(p.metadata?.name, 'doomed');
  });

  it('makeInformer sees add, update and delete, and its cache matches the server', async () => {
    const path = '/api/v1/namespaces/default/pods';
    const inf = makeInformer<V1Pod>(kc, path, () => core.listNamespacedPod({ namespace: 'default', labelSelector: 'inf=yes' }), 'inf=yes');
    const adds: string[] = [];
    const updates: V1Pod[] = [];
    const deletes: string[] = [];
    const errors: unknown[] = [];
    inf.on('add', (p) => adds.push(p.metadata?.name ?? ''));
    inf.on('update', (p) => updates.push(p));
    inf.on('delete', (p) => deletes.push(p.metadata?.name ?? ''));
    inf.on('error', (e) => errors.push(e));
    try {
      // One object exists before the informer starts: it arrives through the list.
      await core.createNamespacedPod({ namespace: 'default', body: pod('inf-0', { inf: 'yes' }) });
      await core.createNamespacedPod({ namespace: 'default', body: pod('not-mine', { inf: 'no' }) });
      await inf.start();
      await until('inf-0 add from the initial list', 5000, () => adds.includes('inf-0'));

      await core.createNamespacedPod({ namespace: 'default', body: pod('inf-1', { inf: 'yes' }) });
      await until('add of inf-1 (from the watch)', 5000, () => adds.includes('inf-1'));

      await core.patchNamespacedPod(
        { name: 'inf-1', namespace: 'default', body: { metadata: { annotations: { touched: 'yes' } } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      await until('update of inf-1', 5000, () => updates.some((p) => p.metadata?.annotations?.touched === 'yes'));

      await core.deleteNamespacedPod({ name: 'inf-0', namespace: 'default', gracePeriodSeconds: 0 });
      await until('delete of inf-0', 5000, () => deletes.includes('inf-0'));

      const server = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'inf=yes' });
      const want = server.items.map((p) => `${p.metadata?.name}@${p.metadata?.resourceVersion}`).sort();
      await until('cache to match the server', 5000, () => {
        const got = inf.list('default').map((p) => `${p.metadata?.name}@${p.metadata?.resourceVersion}`).sort();
        return JSON.stringify(got) === JSON.stringify(want);
      });
      assert.deepEqual(want.map((s) => s.split('@')[0]), ['inf-1']);
      assert.equal(inf.get('inf-1', 'default')?.metadata?.annotations?.touched, 'yes');
      assert.equal(inf.get('inf-0', 'default'), undefined);
      assert.ok(!adds.includes('not-mine'), 'labelSelector honoured by the watch');
      assert.deepEqual(errors, [], 'informer reported no errors');
    } finally {
      await inf.stop();
    }
  });

  it('Watch on /api/v1/namespaces/default/pods from a resourceVersion delivers events in order', async () => {
    const start = await core.listNamespacedPod({ namespace: 'default' });
    const rv = start.metadata?.resourceVersion;
    assert.ok(rv, 'list resourceVersion');
    // Made before the watch opens: replayed from the resourceVersion.
    await core.createNamespacedPod({ namespace: 'default', body: pod('w-1', { w: 'yes' }) });
    await core.patchNamespacedPod(
      { name: 'w-1', namespace: 'default', body: { metadata: { labels: { step: 'two' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );

    const events: string[] = [];
    const rvs: number[] = [];
    let doneErr: unknown = 'not done';
    const watch = new Watch(kc);
    const ctrl = await watch.watch('/api/v1/namespaces/default/pods', { resourceVersion: rv, allowWatchBookmarks: true }, (type, obj: V1Pod) => {
      if (type === 'BOOKMARK') return;
      events.push(`${type} ${obj.metadata?.name}`);
      rvs.push(Number(obj.metadata?.resourceVersion));
    }, (err) => { doneErr = err; });
    try {
      // Made while the watch is open.
      await core.deleteNamespacedPod({ name: 'w-1', namespace: 'default', gracePeriodSeconds: 0 });
      await core.createNamespacedPod({ namespace: 'default', body: pod('w-2', { w: 'yes' }) });
      await until('four watch events', 5000, () => events.length >= 4);
      assert.deepEqual(events, ['ADDED w-1', 'MODIFIED w-1', 'DELETED w-1', 'ADDED w-2']);
      for (let i = 1; i < rvs.length; i++) assert.ok(rvs[i]! > rvs[i - 1]!, `resourceVersions increase: ${rvs.join(',')}`);
      assert.ok(rvs[0]! > Number(rv), 'no event at or before the start resourceVersion');
      assert.equal(doneErr, 'not done', 'watch still open');
    } finally {
      ctrl.abort();
    }
    await until('the done callback after abort', 2000, () => doneErr !== 'not done');
  });

  it('Watch from a resourceVersion older than the watch cache holds gets a 410 ERROR event and the stream ends (informer relist path)', async () => {
    const old = (await core.listNamespacedPod({ namespace: 'default' })).metadata?.resourceVersion;
    assert.ok(old);
    await core.createNamespacedPod({ namespace: 'default', body: pod('c-1', {}) });
    await core.deleteNamespacedPod({ name: 'c-1', namespace: 'default', gracePeriodSeconds: 0 });
    const etcd = new Etcd3({ hosts: api.etcd.endpoint });
    try {
      const header = await etcd.kv.range({ key: Buffer.from('/') });
      await etcd.kv.compact({ revision: header.header.revision, physical: true });
    } finally {
      etcd.close();
    }
    const events: { type: string; code?: number }[] = [];
    let done = false;
    // The watch cache keeps its own history (etcd compaction does not shorten it, as in kube-apiserver):
    // revision 1 predates everything the cache holds.
    const ctrl = await new Watch(kc).watch('/api/v1/namespaces/default/pods', { resourceVersion: '1' }, (type, obj: { code?: number }) => {
      events.push({ type, code: obj.code });
    }, () => { done = true; });
    try {
      await until('the server to end the stream', 5000, () => done);
    } finally {
      ctrl.abort();
    }
    assert.deepEqual(events, [{ type: 'ERROR', code: 410 }]);
  });

  it('Exec runs a command over WebSocket v4.channel.k8s.io: apiserver → kubelet API → the runtime\'s streaming server', async () => {
    // The runtime stand-in speaks the v4 channel protocol as containerd's streaming server: 1 stdout, 2 stderr, 3 the status.
    const runtime = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: (ps) => (ps.has('v4.channel.k8s.io') ? 'v4.channel.k8s.io' : false) });
    const asked: string[] = [];
    runtime.on('connection', (ws: WebSocket, req: IncomingMessage) => {
      asked.push(req.url ?? '');
      ws.send(Buffer.concat([Buffer.from([1]), Buffer.from('hello from exec\n')]));
      ws.send(Buffer.concat([Buffer.from([2]), Buffer.from('a warning\n')]));
      ws.send(Buffer.concat([Buffer.from([3]), Buffer.from(JSON.stringify({ metadata: {}, status: 'Success' }))]));
      ws.close();
    });
    await new Promise<void>((r) => runtime.once('listening', () => r()));
    const runtimePort = (runtime.address() as { port: number }).port;
    const streams: StreamRequest[] = [];
    const ac = new AbortController();
    const kubeletPort = await serveKubeletApi({
      port: 0, host: '127.0.0.1', log: quietLogger('kubelet'), resolveLog: async () => undefined,
      resolveStream: async (r) => {
        streams.push(r);
        return r.pod === 'exec-target' ? `http://127.0.0.1:${runtimePort}/exec/one-time-token` : undefined;
      },
    }, ac.signal);
    try {
      await core.createNode({ body: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'exec-node' } } });
      await core.replaceNodeStatus({
        name: 'exec-node',
        body: {
          apiVersion: 'v1', kind: 'Node', metadata: { name: 'exec-node' },
          status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } } },
        },
      });
      await core.createNamespacedPod({ namespace: 'default', body: pod('exec-target', { app: 'exec' }, 'exec-node') });
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      let out = '';
      let err = '';
      stdout.on('data', (d: Buffer) => { out += d.toString(); });
      stderr.on('data', (d: Buffer) => { err += d.toString(); });
      const status = await new Promise<V1Status>((resolve, reject) => {
        new Exec(kc).exec('default', 'exec-target', 'c', ['sh', '-c', 'echo hello'], stdout, stderr, null, false, resolve).catch(reject);
      });
      assert.equal(status.status, 'Success');
      await until('stdout and stderr delivered', 5_000, () => out === 'hello from exec\n' && err === 'a warning\n');
      assert.deepEqual(streams.map((r) => [r.kind, r.namespace, r.pod, r.container, r.query]), [
        ['exec', 'default', 'exec-target', 'c', { command: ['sh', '-c', 'echo hello'], stdin: false, stdout: true, stderr: true, tty: false }],
      ]);
      assert.deepEqual(asked, ['/exec/one-time-token']);
    } finally {
      ac.abort();
      for (const c of runtime.clients) c.terminate();
      await new Promise<void>((r) => runtime.close(() => r()));
    }
  });
});
