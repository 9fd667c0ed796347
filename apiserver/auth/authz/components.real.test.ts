/**
 * Every component does its job with its own identity against a secured
 * apiserver: real etcd, the real apiserver over TLS with x509 client-cert
 * authentication and `authorization: 'Node,RBAC'`, and each component from a
 * kubeconfig holding its own client cert (deploy/pki clusterLeafSpecs):
 * runScheduler as system:kube-scheduler, runControllerManager as
 * system:kube-controller-manager, runProxy as system:kube-proxy (its
 * informers and sync loop; the iptables data plane is swapped for a
 * recording backend so the test needs no root) with its cluster DNS server
 * as system:skiff-dns (answering on a loopback port; that identity is
 * refused anything but reading Services, EndpointSlices and the one
 * ConfigMap kube-system/kube-dns, whose stub domain it then follows to a
 * loopback stub server), and runKubelet as
 * system:node:node-a (FakeRuntime instead of containerd, its API served over
 * TLS with Webhook authn/authz). Asserts the cluster works end to end —
 * Node, Lease and podCIDR; a new namespace's default ServiceAccount and
 * kube-root-ca.crt; a Deployment's pods bound and Running with their Secret
 * and ConfigMap volumes; EndpointSlices, seen by the proxy; the kubelet API's
 * TokenReview and SubjectAccessReview; a rollout; an unschedulable pod's
 * status; a kubelet restart; a Service deletion; garbage collection of a
 * deleted ReplicaSet's pods; the scheduler's and controller-manager's leader
 * election Leases — and that the apiserver answered no component a
 * 403 (an onResponse hook records every answer with its user).
 */
import { setMaxListeners } from 'node:events';
import dnsPacket from 'dns-packet';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1';
import type { ConfigMap, Endpoints, Namespace, Node, Pod, PodTemplateSpec, Secret, Service, ServiceAccount } from 'kubernetes-types/core/v1';
import type { Ingress } from 'kubernetes-types/networking/v1';
import type { Lease } from 'kubernetes-types/coordination/v1';
import type { Role } from 'kubernetes-types/rbac/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1';
import { ConfigMaps, Deployments, EndpointSlices, Endpoints as EndpointsRef, Ingresses, Leases, Namespaces, Nodes, PodDisruptionBudgets, Pods, ReplicaSets, Secrets, ServiceAccounts, Services } from '../../client/resources.ts';
import { RestClient } from '../../client/rest.ts';
import { requestUser } from '../../routes/request-user.ts';
import { runApiServer } from '../../main.ts';
import { runScheduler } from '../../../scheduler/main.ts';
import { runControllerManager } from '../../../controllers/main.ts';
import { Roles } from '../../../controllers/ingresstls/controller.ts';
import { runProxy } from '../../../proxy/main.ts';
import { serveDNS } from '../../../proxy/dns/server.ts';
import type { ProxyBackend, ProxyState } from '../../../proxy/backend.ts';
import { runKubelet, type KubeletOptions } from '../../../kubelet/main.ts';
import { FakeRuntime } from '../../../kubelet/cri/fake.ts';
import { writeCertKubeconfig } from '../../../deploy/pki/kubeconfig.ts';
import { caPaths, leafPaths } from '../../../deploy/pki/layout.ts';
import { CERT, type ClusterIdentity } from '../../../deploy/pki/specs.ts';
import { freePort, startEtcd } from '../../../testutil/etcd.ts';
import { usePKIs } from '../../../testutil/pki.ts';
import { etcdSkipReason, quietLogger } from '../../../testutil/real-api.ts';
import { waitFor } from '../../../testutil/wait.ts';
import { udpA } from '../../../testutil/dns.ts';

const NODE = 'node-a';
const NS = 'shop';
const cluster: ClusterIdentity = { hostname: 'srv1', serverIPs: ['127.0.0.1'], serviceCIDR: '10.96.0.0/12', nodes: [{ name: NODE, ips: ['127.0.0.1'] }] };
const pki = usePKIs('components', cluster);

/** One answer the apiserver gave: who asked what, and the code. */
interface Answer { user: string; method: string; url: string; code: number }

/** Records every response's code and user (after authentication, so the user is known). */
function recordAnswers(app: FastifyInstance, answers: Answer[]): void {
  app.addHook('onResponse', async (req, reply) => {
    answers.push({ user: requestUser(req)?.username ?? '(none)', method: req.method, url: req.url, code: reply.statusCode });
  });
}

/** A proxy data plane that keeps the last state it was asked to apply. */
class RecordingBackend implements ProxyBackend {
  last?: ProxyState;
  async sync(state: ProxyState): Promise<void> {
    this.last = state;
  }
  async cleanup(): Promise<void> {
    this.last = undefined;
  }
}

/** GET https://127.0.0.1:port/path trusting `ca`, as a client cert or a bearer token; resolves the code. */
function kubeletGet(port: number, path: string, ca: string, auth: { cert: string; key: string } | { token: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers = 'token' in auth ? { authorization: `Bearer ${auth.token}` } : {};
    const tls = 'token' in auth ? {} : auth;
    const req = request({ host: '127.0.0.1', port, path, ca, ...tls, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}


function podTemplate(app: string, volumes: boolean): PodTemplateSpec {
  return {
    metadata: { labels: { app } },
    spec: {
      containers: [{
        name: 'app', image: 'nginx:1.0', ports: [{ containerPort: 80 }],
        ...(volumes ? { volumeMounts: [{ name: 'db', mountPath: '/etc/db' }, { name: 'cfg', mountPath: '/etc/cfg' }] } : {}),
      }],
      ...(volumes ? { volumes: [{ name: 'db', secret: { secretName: 'db' } }, { name: 'cfg', configMap: { name: 'cfg' } }] } : {}),
    },
  };
}

test('scheduler, controller-manager, proxy and kubelet work with their own identities under Node,RBAC with no 403', { timeout: 120_000 }, async (t) => {
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
  const kubeletClient = leafPaths(pki.dataDir, CERT.apiserverKubeletClient);
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  /** 403s the test provoked on purpose, or the proxy's read of a TLS Secret before its Role was written (retried; see below). */
  const expected403 = new Set<Answer>();
  /** The proxy's read of the TLS Secret web-tls by name (secret-watch.ts). */
  const tlsRead = (a: Answer): boolean => a.user === 'system:kube-proxy' && new RegExp(`^/api/v1/namespaces/${NS}/secrets\\?.*fieldSelector=metadata\\.name(%3D|=)web-tls`).test(a.url);
  // Such a read made before the controller-manager wrote the Role (or after it deleted it) is refused and retried: by design.
  const forbidden = (): Answer[] => answers.filter((a) => a.code === 403 && a.user !== 'system:admin' && !expected403.has(a) && !tlsRead(a));
  /** Waits for `fn`; a timeout names the 403s seen so far, the likely cause. */
  const until = async <T>(what: string, fn: () => Promise<T | undefined | false>): Promise<T> => {
    try {
      return await waitFor(() => fn(), 30_000, what, 100);
    } catch (e) {
      throw new Error(`${(e as Error).message}; 403s: ${JSON.stringify(forbidden())}`);
    }
  };
  let listening!: (url: string) => void;
  const ready = new Promise<string>((resolve) => { listening = resolve; });
  const api = runApiServer({
    etcdEndpoints: [etcd.endpoint], bindAddress: '127.0.0.1', port: apiPort, serviceCIDR: cluster.serviceCIDR, log: quietLogger('apiserver'),
    tls: { cert: serving.cert, key: serving.key, clientCA: caPaths(pki.dataDir, 'cluster').cert },
    kubeletClient: { ca, cert: await readFile(kubeletClient.cert, 'utf8'), key: await readFile(kubeletClient.key, 'utf8') },
    authorization: 'Node,RBAC', configureApp: (app) => recordAnswers(app, answers), onListening: listening,
  }, stop.signal);
  /**
   * system:kube-proxy may read the TLS Secret its Ingress names (get, and list/watch with a metadata.name field
   * selector) and no other Secret; the Role follows the Ingress: deleted with it, and the access with it.
   */
  const ingressTLSAccess = async (url: string): Promise<void> => {
    await until('the proxy read web-tls by name', async () => answers.some((a) => tlsRead(a) && a.code === 200));
    const tlsRole = await admin.get<Role>(Roles, 'skiff:ingress-tls', NS);
    assert.deepEqual(tlsRole.rules, [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'], resourceNames: ['web-tls'] }]);
    const proxyUser = new RestClient({ baseUrl: url, ca, ...(await pair(CERT.proxy)) });
    const from = answers.length;
    const code = (p: Promise<unknown>): Promise<number> => p.then(() => 200, (e: unknown) => (e as { code?: number }).code ?? 0);
    try {
      assert.equal(await code(proxyUser.get<Secret>(Secrets, 'web-tls', NS)), 200, 'get the referenced Secret');
      assert.equal((await proxyUser.list<Secret>(Secrets, { namespace: NS, fieldSelector: 'metadata.name=web-tls' })).items.length, 1, 'list it by name');
      for (const [what, call] of [
        ['get an unreferenced Secret', () => proxyUser.get<Secret>(Secrets, 'db', NS)],
        ['list it by name', () => proxyUser.list<Secret>(Secrets, { namespace: NS, fieldSelector: 'metadata.name=db' })],
        ['list the namespace', () => proxyUser.list<Secret>(Secrets, { namespace: NS })],
        ['list every Secret', () => proxyUser.list<Secret>(Secrets)],
        ['the same name in another namespace', () => proxyUser.get<Secret>(Secrets, 'web-tls', 'default')],
      ] as const) {
        assert.equal(await code(call()), 403, what);
      }
      await admin.delete(Ingresses, 'web', NS);
      await until('Role skiff:ingress-tls deleted with the last Ingress naming web-tls', async () => (await admin.tryGet<Role>(Roles, 'skiff:ingress-tls', NS)) === undefined);
      await until('web-tls refused once no Ingress names it', async () => (await code(proxyUser.get<Secret>(Secrets, 'web-tls', NS))) === 403);
    } finally {
      proxyUser.close();
    }
    for (const a of answers.slice(from)) if (a.user === 'system:kube-proxy' && a.code === 403 && a.url.includes('/secrets')) expected403.add(a);
  };
  const components: Array<Promise<void>> = [];
  const admin = new RestClient({ baseUrl: `https://127.0.0.1:${apiPort}`, ca, ...(await pair(CERT.admin)) });
  try {
    const url = await Promise.race([ready, api.then(() => { throw new Error('apiserver exited before listening'); })]);
    const kubeconfig = async (cert: string): Promise<string> => {
      const path = join(pki.dir, `${cert}.kubeconfig`);
      const { cert: certPem, key: keyPem } = await pair(cert);
      await writeCertKubeconfig(path, { server: url, caPem: ca, certPem, keyPem });
      return path;
    };

    const backend = new RecordingBackend();
    const runtime = new FakeRuntime();
    const kubeletPort = await freePort();
    const dnsPort = await freePort();
    const kubeletServing = leafPaths(pki.dataDir, CERT.kubeletServing(NODE));
    components.push(
      runScheduler({ apiUrl: '', kubeconfig: await kubeconfig(CERT.scheduler), healthzPort: 0, log: quietLogger('scheduler'), leaderElect: true }, stop.signal),
      runControllerManager({
        apiUrl: '', kubeconfig: await kubeconfig(CERT.controllerManager), clusterCIDR: '10.244.0.0/16', nodeCIDRMaskSize: 24,
        rootCAFile: caPaths(pki.dataDir, 'cluster').cert, healthzPort: 0, log: quietLogger('controller-manager'), leaderElect: true,
      }, stop.signal),
      runProxy({
        apiUrl: '', kubeconfig: await kubeconfig(CERT.proxy), nodeName: NODE, serviceCIDR: cluster.serviceCIDR, clusterCIDR: '10.244.0.0/16',
        healthzPort: 0, healthzHost: '127.0.0.1', log: quietLogger('proxy'), backend, serviceRoute: 'none', minSyncIntervalMs: 100,
        ingress: { httpPort: 0, httpsPort: 0, host: '127.0.0.1' },
        dns: { clusterDNS: '10.96.0.10', clusterDomain: 'cluster.local', port: dnsPort, host: '127.0.0.1', resolvConfPath: '/nonexistent', kubeconfig: await kubeconfig(CERT.dns) },
      }, stop.signal),
    );
    const kubeletOpts: KubeletOptions = {
      apiUrl: '', kubeconfig: await kubeconfig(CERT.kubeletClient(NODE)), nodeName: NODE, nodeIP: '127.0.0.1', containerdSocket: '/nonexistent.sock',
      rootDir: join(pki.dir, 'kubelet'), cniBinDir: '/usr/lib/cni', cniConfDir: join(pki.dir, 'net.d'), port: kubeletPort, healthzPort: await freePort(),
      log: quietLogger('kubelet'), runtime, manageCgroups: false, projectServiceAccountTokens: true,
      tlsCertFile: kubeletServing.cert, tlsPrivateKeyFile: kubeletServing.key, clientCAFile: caPaths(pki.dataDir, 'cluster').cert,
      authorizationMode: 'Webhook', authenticationTokenWebhook: true,
    };
    let kubeletStop = new AbortController();
    stop.signal.addEventListener('abort', () => kubeletStop.abort(), { once: true });
    let kubelet = runKubelet(kubeletOpts, kubeletStop.signal);
    components.push(kubelet);

    // The kubelet registers its Node and Lease; node IPAM gives it a pod CIDR.
    const node = await until('node with a podCIDR', async () => (await admin.tryGet<Node>(Nodes, NODE))?.spec?.podCIDR ? admin.get<Node>(Nodes, NODE) : undefined);
    assert.match(node.spec?.podCIDR ?? '', /^10\.244\.\d+\.0\/24$/);
    const lease = await until('node lease', () => admin.tryGet<Lease>(Leases, NODE, 'kube-node-lease'));
    assert.equal(lease.spec?.holderIdentity, NODE);

    // A new namespace gets its default ServiceAccount and kube-root-ca.crt.
    await admin.create<Namespace>(Namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await until('default ServiceAccount', () => admin.tryGet<ServiceAccount>(ServiceAccounts, 'default', NS));
    const rootCA = await until('kube-root-ca.crt', () => admin.tryGet<ConfigMap>(ConfigMaps, 'kube-root-ca.crt', NS));
    assert.equal(rootCA.data?.['ca.crt'], ca);

    await admin.create<Secret>(Secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: NS }, stringData: { password: 's3cret' } }, NS);
    await admin.create<ConfigMap>(ConfigMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: NS }, data: { mode: 'prod' } }, NS);
    await admin.create<Service>(Services, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: NS }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 80 }] } }, NS);
    await admin.create<Deployment>(Deployments, {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: NS },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: podTemplate('web', true) },
    }, NS);

    // Deployment → ReplicaSet → pods, bound by the scheduler, Running by the kubelet.
    const rs = await until('ReplicaSet of web', async () => (await admin.list<ReplicaSet>(ReplicaSets, { namespace: NS })).items.find((r) => r.metadata?.ownerReferences?.[0]?.name === 'web'));
    const running = await until('2 web pods Running on node-a', async () => {
      const pods = (await admin.list<Pod>(Pods, { namespace: NS, labelSelector: 'app=web' })).items;
      return pods.length === 2 && pods.every((p) => p.spec?.nodeName === NODE && p.status?.phase === 'Running') ? pods : undefined;
    });
    for (const p of running) assert.equal(p.metadata?.ownerReferences?.[0]?.uid, rs.metadata?.uid);
    // The kubelet read the pod's Secret and ConfigMap (Node authorizer: related through the pod) and wrote them out.
    const volumes = join(pki.dir, 'kubelet', 'pods', running[0]?.metadata?.uid ?? '', 'volumes');
    // (Polled: the kubelet rewrites volume files in place on every sync, so a read may meet a truncated file.)
    const fileIs = (path: string, want: string) => async (): Promise<boolean> => (await readFile(path, 'utf8').catch(() => '')) === want;
    await until('secret volume written', fileIs(join(volumes, 'db', 'password'), 's3cret'));
    await until('configMap volume written', fileIs(join(volumes, 'cfg', 'mode'), 'prod'));

    // EndpointSlices for the Service; the proxy sees them.
    await until('EndpointSlice with 2 ready endpoints', async () => {
      const slices = (await admin.list<EndpointSlice>(EndpointSlices, { namespace: NS, labelSelector: 'kubernetes.io/service-name=web' })).items;
      return slices.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready === true).length === 2;
    });
    await until('proxy synced the Service and its endpoints', async () => {
      const st = backend.last;
      const svc = st?.services.some((s) => s.metadata?.namespace === NS && s.metadata.name === 'web');
      const eps = st?.endpointSlices.filter((s) => s.metadata?.namespace === NS).flatMap((s) => s.endpoints ?? []).length;
      return svc === true && eps === 2;
    });

    // The proxy's Ingress controller (system:skiff:ingress-controller) reads Ingresses and writes the status; it reads the TLS
    // Secret through the Role skiff:ingress-tls that the controller-manager's ingress-tls controller writes.
    await admin.create<Secret>(Secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'web-tls', namespace: NS }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'x', 'tls.key': 'y' } }, NS);
    await admin.create<Ingress>(Ingresses, {
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: NS },
      spec: { tls: [{ hosts: ['web.lan'], secretName: 'web-tls' }], rules: [{ host: 'web.lan', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
    }, NS);
    await until('Ingress status from the proxy', async () => (await admin.get<Ingress>(Ingresses, 'web', NS)).status?.loadBalancer?.ingress?.[0]?.ip === '127.0.0.1');
    assert.ok(answers.some((a) => a.user === 'system:kube-proxy' && a.method === 'PUT' && a.url.startsWith(`/apis/networking.k8s.io/v1/namespaces/${NS}/ingresses/web/status`) && a.code === 200));
    await ingressTLSAccess(url);

    // The kubelet's TLS API: the apiserver's client cert passes its SubjectAccessReview; a pod's token passes its TokenReview but not the SAR.
    assert.equal(await kubeletGet(kubeletPort, `/containerLogs/${NS}/nope/app`, ca, await pair(CERT.apiserverKubeletClient)), 404, 'authorized: the handler answers (no such pod)');
    const projected = running[0]?.spec?.volumes?.find((v) => v.projected)?.name ?? '';
    const token = await until('projected token written', async () => (await readFile(join(volumes, projected, 'token'), 'utf8').catch(() => '')) || undefined);
    assert.equal(await kubeletGet(kubeletPort, `/containerLogs/${NS}/nope/app`, ca, { token }), 403);
    assert.equal(await kubeletGet(kubeletPort, `/containerLogs/${NS}/nope/app`, ca, { token: 'not-a-token' }), 401);

    // A rollout: the Deployment controller makes a new ReplicaSet and scales the old one to 0; the kubelet stops the old pods.
    await admin.patch<Deployment>(Deployments, 'web', 'merge', { spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:2.0' }] } } } }, NS);
    await until('rollout to nginx:2.0 done', async () => {
      const pods = (await admin.list<Pod>(Pods, { namespace: NS, labelSelector: 'app=web' })).items;
      const rss = (await admin.list<ReplicaSet>(ReplicaSets, { namespace: NS })).items.filter((r) => r.metadata?.ownerReferences?.[0]?.name === 'web');
      const old = rss.find((r) => r.metadata?.uid === rs.metadata?.uid);
      return pods.length === 2 && pods.every((p) => p.spec?.containers[0]?.image === 'nginx:2.0' && p.status?.phase === 'Running') && rss.length === 2 && old?.spec?.replicas === 0;
    });

    // A PodDisruptionBudget over the web pods: the controller-manager's disruption controller writes its status.
    await admin.create<PodDisruptionBudget>(PodDisruptionBudgets, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: NS }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } }, NS);
    const budget = await until('PDB status from the disruption controller', async () => {
      const st = (await admin.get<PodDisruptionBudget>(PodDisruptionBudgets, 'web', NS)).status;
      return st?.expectedPods === 2 && st.observedGeneration === 1 ? st : undefined;
    });
    assert.equal(budget.conditions?.[0]?.type, 'DisruptionAllowed');

    // An unschedulable pod: the scheduler reports it in the pod's status (pods/status patch) and an Event.
    await admin.create<Pod>(Pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stuck', namespace: NS }, spec: { nodeSelector: { disk: 'none' }, containers: [{ name: 'app', image: 'nginx:1.0' }] } }, NS);
    await until('stuck pod marked Unschedulable', async () => (await admin.get<Pod>(Pods, 'stuck', NS)).status?.conditions?.some((c) => c.type === 'PodScheduled' && c.reason === 'Unschedulable'));

    // A kubelet restart re-registers the existing Node (a PATCH of its own Node) and adopts the running pods.
    kubeletStop.abort();
    await kubelet;
    kubeletStop = new AbortController();
    kubelet = runKubelet(kubeletOpts, kubeletStop.signal);
    components.push(kubelet);
    await until('kubelet re-registered', async () => answers.some((a) => a.user === `system:node:${NODE}` && a.method === 'PATCH' && a.url.split('?')[0] === `/api/v1/nodes/${NODE}` && a.code === 200));

    // Deleting the Service removes its EndpointSlices and Endpoints.
    await admin.delete(Services, 'web', NS);
    await until('EndpointSlices and Endpoints of web gone', async () =>
      (await admin.list<EndpointSlice>(EndpointSlices, { namespace: NS, labelSelector: 'kubernetes.io/service-name=web' })).items.length === 0
      && (await admin.tryGet<Endpoints>(EndpointsRef, 'web', NS)) === undefined);

    // Garbage collection: deleting a ReplicaSet deletes its pods (the kubelet finishes their graceful deletion).
    await admin.create<ReplicaSet>(ReplicaSets, {
      apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'orphan', namespace: NS },
      spec: { replicas: 1, selector: { matchLabels: { app: 'orphan' } }, template: podTemplate('orphan', false) },
    }, NS);
    await until('orphan pod Running', async () => (await admin.list<Pod>(Pods, { namespace: NS, labelSelector: 'app=orphan' })).items.some((p) => p.status?.phase === 'Running'));
    await admin.delete(ReplicaSets, 'orphan', NS, { propagationPolicy: 'Background' });
    await until('orphan pods gone', async () => (await admin.list<Pod>(Pods, { namespace: NS, labelSelector: 'app=orphan' })).items.length === 0);

    assert.ok(answers.some((a) => a.user === 'system:kube-controller-manager' && a.method === 'DELETE' && /\/pods\/orphan-/.test(a.url)), 'the garbage collector deleted the pod');
    // Leader election: each took its Lease (get, create, update, LeaderElection Events) as its own identity.
    for (const name of ['kube-scheduler', 'kube-controller-manager']) {
      assert.match((await admin.get<Lease>(Leases, name, 'kube-system')).spec?.holderIdentity ?? '', /_[0-9a-f-]{36}$/, name);
      assert.ok(answers.some((a) => a.method === 'PUT' && a.url.endsWith(`/leases/${name}`) && a.code === 200), `${name} renewed`);
    }
    // Cluster DNS under its own identity answers from its informers; the kube-dns controller keeps the node endpoints.
    await until('kubernetes.default resolved by the node DNS server', async () => (await udpA(dnsPort, 'kubernetes.default.svc.cluster.local')) === '10.96.0.1');
    await until('the kube-dns node endpoints', async () => (await admin.tryGet<EndpointSlice>(EndpointSlices, 'kube-dns-nodes', 'kube-system'))?.endpoints?.some((e) => e.nodeName === NODE));
    // The kube-dns ConfigMap, read under the skiff:dns-config Role (its informer names the object by field selector): a stub domain on loopback.
    const stub = await serveDNS({
      host: '127.0.0.1', port: 0, log: quietLogger('stub'),
      handle: async (msg) => {
        const q = dnsPacket.decode(msg);
        const name = q.questions?.[0]?.name ?? '';
        return dnsPacket.encode({ type: 'response', id: q.id, flags: 0, questions: q.questions, answers: [{ name, type: 'A', class: 'IN', ttl: 60, data: '192.168.1.50' }] });
      },
    });
    t.after(() => stub.close());
    await admin.create<ConfigMap>(ConfigMaps, { metadata: { name: 'kube-dns', namespace: 'kube-system' }, data: { stubDomains: JSON.stringify({ 'home.lan': [`127.0.0.1:${stub.port}`] }) } }, 'kube-system');
    await until('nas.home.lan answered through the stub domain', async () => (await udpA(dnsPort, 'nas.home.lan')) === '192.168.1.50');
    assert.deepEqual(forbidden(), [], 'the apiserver answered a component 403');
    // Each identity did talk to the apiserver.
    const users = new Set(answers.map((a) => a.user));
    for (const u of ['system:kube-scheduler', 'system:kube-controller-manager', 'system:kube-proxy', 'system:skiff-dns', `system:node:${NODE}`]) assert.ok(users.has(u), u);
    // The DNS identity reads Services and EndpointSlices and nothing more.
    const dnsUser = new RestClient({ baseUrl: url, ca, ...(await pair(CERT.dns)) });
    try {
      for (const [what, call] of [
        ['get nodes', () => dnsUser.get<Node>(Nodes, NODE)], ['list pods', () => dnsUser.list<Pod>(Pods)], ['list secrets', () => dnsUser.list<Secret>(Secrets)],
        ['create a Service', () => dnsUser.create<Service>(Services, { metadata: { name: 'x' }, spec: { ports: [{ port: 1 }] } }, 'default')],
        ['list every ConfigMap in kube-system', () => dnsUser.list<ConfigMap>(ConfigMaps, { namespace: 'kube-system' })],
        ['get another ConfigMap', () => dnsUser.get<ConfigMap>(ConfigMaps, 'kube-root-ca.crt', 'kube-system')],
        ['update the kube-dns ConfigMap', () => dnsUser.update<ConfigMap>(ConfigMaps, { metadata: { name: 'kube-dns', namespace: 'kube-system' }, data: {} }, 'kube-system')],
      ] as const) {
        await assert.rejects(call(), (e: unknown) => (e as { code?: number }).code === 403, what);
      }
      assert.ok((await dnsUser.list<Service>(Services)).items.length > 0);
      assert.equal((await dnsUser.get<ConfigMap>(ConfigMaps, 'kube-dns', 'kube-system')).metadata?.name, 'kube-dns');
    } finally {
      dnsUser.close();
    }
  } finally {
    stop.abort();
    await Promise.all(components.map((c) => c.catch(() => undefined)));
    admin.close();
    await api.catch(() => undefined);
    await etcd.stop();
  }
});

/** The PEM cert and key of leaf `name`, as RestClient options. */
async function pair(name: string): Promise<{ cert: string; key: string }> {
  const p = leafPaths(pki.dataDir, name);
  return { cert: await readFile(p.cert, 'utf8'), key: await readFile(p.key, 'utf8') };
}

