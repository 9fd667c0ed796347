/**
 * The node lifecycle and taint eviction controllers under the controller
 * manager's own identity: real etcd, the real apiserver over TLS with x509
 * authentication and `authorization: 'Node,RBAC'`, and runControllerManager
 * from a kubeconfig holding the system:kube-controller-manager client cert.
 * A node whose Lease is never renewed goes Unknown and tainted, its Ready pod
 * is marked not Ready and, 3 s after the taint, evicted (DisruptionTarget, delete, Event) —
 * and the apiserver answers the controller manager no 403 on the way.
 */
import { setMaxListeners } from 'node:events';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Lease } from 'kubernetes-types/coordination/v1';
import type { Event as CoreEvent, Node, NodeCondition, Pod } from 'kubernetes-types/core/v1';
import { Events, Leases, Namespaces, Nodes, Pods } from '../../apiserver/client/resources.ts';
import { RestClient } from '../../apiserver/client/rest.ts';
import { requestUser } from '../../apiserver/routes/request-user.ts';
import { runApiServer } from '../../apiserver/main.ts';
import { microTime, rfc3339 } from '../../apiserver/api/time.ts';
import { writeCertKubeconfig } from '../../deploy/pki/kubeconfig.ts';
import { caPaths, leafPaths } from '../../deploy/pki/layout.ts';
import { CERT, type ClusterIdentity } from '../../deploy/pki/specs.ts';
import { freePort, startEtcd } from '../../testutil/etcd.ts';
import { usePKIs } from '../../testutil/pki.ts';
import { etcdSkipReason, quietLogger } from '../../testutil/real-api.ts';
import { waitFor } from '../../testutil/wait.ts';
import { runControllerManager } from '../main.ts';

const cluster: ClusterIdentity = { hostname: 'srv1', serverIPs: ['127.0.0.1'], serviceCIDR: '10.96.0.0/12', nodes: [{ name: 'gone', ips: ['127.0.0.1'] }] };
const pki = usePKIs('nodelifecycle', cluster);
const CM = 'system:kube-controller-manager';

interface Answer { user: string; method: string; url: string; code: number }

function recordAnswers(app: FastifyInstance, answers: Answer[]): void {
  app.addHook('onResponse', async (req, reply) => {
    answers.push({ user: requestUser(req)?.username ?? '(none)', method: req.method, url: req.url, code: reply.statusCode });
  });
}

async function pair(name: string): Promise<{ cert: string; key: string }> {
  const p = leafPaths(pki.dataDir, name);
  return { cert: await readFile(p.cert, 'utf8'), key: await readFile(p.key, 'utf8') };
}

test('node lifecycle and taint eviction as system:kube-controller-manager under Node,RBAC: no 403', { timeout: 90_000 }, async (t) => {
  const skip = etcdSkipReason();
  if (skip) {
    t.skip(skip);
    return;
  }
  const etcd = await startEtcd();
  const apiPort = await freePort();
  const answers: Answer[] = [];
  const ca = await readFile(caPaths(pki.dataDir, 'cluster').cert, 'utf8');
  const serving = leafPaths(pki.dataDir, CERT.apiserverServing);
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  const forbidden = (): Answer[] => answers.filter((a) => a.code === 403 && a.user !== 'system:admin');
  let listening!: (url: string) => void;
  const ready = new Promise<string>((resolve) => { listening = resolve; });
  const api = runApiServer({
    etcdEndpoints: [etcd.endpoint], bindAddress: '127.0.0.1', port: apiPort, serviceCIDR: cluster.serviceCIDR, log: quietLogger('apiserver'),
    tls: { cert: serving.cert, key: serving.key, clientCA: caPaths(pki.dataDir, 'cluster').cert },
    authorization: 'Node,RBAC', configureApp: (app) => recordAnswers(app, answers), onListening: listening,
  }, stop.signal);
  const admin = new RestClient({ baseUrl: `https://127.0.0.1:${apiPort}`, ca, ...(await pair(CERT.admin)) });
  let cm: Promise<void> | undefined;
  try {
    const url = await Promise.race([ready, api.then(() => { throw new Error('apiserver exited before listening'); })]);
    const kubeconfig = join(pki.dir, 'cm.kubeconfig');
    const { cert: certPem, key: keyPem } = await pair(CERT.controllerManager);
    await writeCertKubeconfig(kubeconfig, { server: url, caPem: ca, certPem, keyPem });

    // A node that posted Ready once and renewed its Lease once, with a Ready pod on it.
    const now = Date.now();
    const cond = (type: string, status: string): NodeCondition => ({ type, status, reason: 'Kubelet', message: 'ok', lastHeartbeatTime: rfc3339(now), lastTransitionTime: rfc3339(now) });
    await admin.create<Node>(Nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'gone' } });
    await admin.patch(Nodes, 'gone', 'merge', { status: { conditions: [cond('MemoryPressure', 'False'), cond('DiskPressure', 'False'), cond('PIDPressure', 'False'), cond('Ready', 'True')] } }, undefined, 'status');
    await waitFor(async () => (await admin.tryGet(Namespaces, 'kube-node-lease')) !== undefined, 10_000, 'kube-node-lease namespace', 100);
    await admin.create<Lease>(Leases, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'gone', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'gone', leaseDurationSeconds: 40, renewTime: microTime(now) } }, 'kube-node-lease');
    // A second node that keeps renewing its Lease (with no Ready node the controller would withhold NoExecute taints).
    await admin.create<Node>(Nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'up' } });
    await admin.patch(Nodes, 'up', 'merge', { status: { conditions: [cond('Ready', 'True')] } }, undefined, 'status');
    void (async () => {
      while (!stop.signal.aborted) {
        const spec = { holderIdentity: 'up', leaseDurationSeconds: 40, renewTime: microTime(Date.now()) };
        const l = await admin.tryGet<Lease>(Leases, 'up', 'kube-node-lease').catch(() => undefined);
        const write = l ? admin.update<Lease>(Leases, { ...l, spec }, 'kube-node-lease')
          : admin.create<Lease>(Leases, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'up', namespace: 'kube-node-lease' }, spec }, 'kube-node-lease');
        await write.catch(() => undefined);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    await admin.create<Pod>(Pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { nodeName: 'gone', containers: [{ name: 'c', image: 'nginx' }], tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 3 }] } }, 'default');
    await admin.patch(Pods, 'p', 'merge', { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339(now) }] } }, 'default', 'status');

    cm = runControllerManager({
      apiUrl: '', kubeconfig, clusterCIDR: '10.244.0.0/16', nodeCIDRMaskSize: 24, healthzPort: 0, log: quietLogger('controller-manager'),
      controllers: ['nodelifecycle', 'taint-eviction-controller'], nodeMonitorGracePeriodMs: 1_500, nodeMonitorPeriodMs: 500,
    }, stop.signal);
    const until = async <T>(what: string, fn: () => Promise<T | undefined | false>): Promise<T> => {
      try {
        return await waitFor(() => fn(), 20_000, what, 100);
      } catch (e) {
        throw new Error(`${(e as Error).message}; 403s: ${JSON.stringify(forbidden())}`);
      }
    };
    const node = await until('Unknown and tainted', async () => {
      const n = await admin.get<Node>(Nodes, 'gone');
      return n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'Unknown' && (n.spec?.taints ?? []).length === 2 ? n : undefined;
    });
    assert.deepEqual(node.spec?.taints?.map((x) => `${x.key}:${x.effect}`), ['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute']);
    const pod = await until('pod evicted', async () => {
      const p = await admin.get<Pod>(Pods, 'p', 'default');
      return p.metadata?.deletionTimestamp ? p : undefined;
    });
    assert.equal(pod.status?.conditions?.find((c) => c.type === 'DisruptionTarget')?.reason, 'DeletionByTaintManager');
    assert.equal(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False', 'marked not ready first');
    const events = await until('eviction event', async () => {
      const es = (await admin.list<CoreEvent>(Events, { namespace: 'default' })).items.map((e) => `${e.source?.component}:${e.reason}`);
      return es.includes('taint-eviction-controller:TaintManagerEviction') ? es : undefined;
    });
    assert.ok(events.includes('node-controller:NodeNotReady'), events.join(','));
    for (const [method, path] of [['PATCH', '/api/v1/nodes/gone/status'], ['PATCH', '/api/v1/nodes/gone'], ['PATCH', '/api/v1/namespaces/default/pods/p/status'], ['DELETE', '/api/v1/namespaces/default/pods/p']]) {
      assert.ok(answers.some((a) => a.user === CM && a.method === method && a.url.split('?')[0] === path && a.code < 300), `${method} ${path} as ${CM}`);
    }
    assert.equal((await admin.get<Node>(Nodes, 'up')).status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True', 'the renewing node stays Ready');
    assert.deepEqual(forbidden(), [], 'the apiserver answered the controller manager 403');
  } finally {
    stop.abort();
    await cm?.catch(() => undefined);
    admin.close();
    await api.catch(() => undefined);
    await etcd.stop();
  }
});
