/**
 * The ingress-tls controller against real etcd and the real API server
 * under Node,RBAC, run by runControllerManager as system:kube-controller-manager
 * (its own client cert, only this controller): escalation prevention lets
 * that identity write the Role and RoleBinding; the Role follows the
 * Ingresses (a second Secret added, a reference dropped, a hand deletion put
 * back, a class change to another controller removes it, as does the last
 * Ingress), and the controller-manager is never answered 403.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Ingress, IngressClass, IngressTLS } from 'kubernetes-types/networking/v1';
import type { Role, RoleBinding } from 'kubernetes-types/rbac/v1';
import { loopbackServer, writeCertKubeconfig } from '../../deploy/pki/kubeconfig.ts';
import { caPaths, leafPaths } from '../../deploy/pki/layout.ts';
import { readLeafPair } from '../../deploy/pki/read-leaf.ts';
import { CERT, type ClusterIdentity } from '../../deploy/pki/specs.ts';
import { runApiServer } from '../../apiserver/main.ts';
import { RestClient } from '../../apiserver/client/rest.ts';
import { IngressClasses, Ingresses } from '../../apiserver/client/resources.ts';
import { requestUser } from '../../apiserver/routes/request-user.ts';
import { freePort, startEtcd, type TestEtcd } from '../../testutil/etcd.ts';
import { usePKIs } from '../../testutil/pki.ts';
import { etcdSkipReason, quietLogger } from '../../testutil/real-api.ts';
import { waitFor } from '../testing/harness.ts';
import { runControllerManager } from '../main.ts';
import { RoleBindings, Roles } from './controller.ts';
import { INGRESS_TLS_ROLE } from './decide.ts';

const cluster: ClusterIdentity = { hostname: 'srv1', serverIPs: ['127.0.0.1'], serviceCIDR: '10.96.0.0/12', nodes: [{ name: 'srv1', ips: ['127.0.0.1'] }] };
const skip = etcdSkipReason();
const pki = usePKIs('ingresstls-real', cluster);
let etcd: TestEtcd | undefined;

before(async () => {
  if (!skip) etcd = await startEtcd();
});
after(async () => {
  await etcd?.stop();
});

const ing = (name: string, tls: IngressTLS[], cls = 'skiff'): Ingress => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace: 'default' },
  spec: { ingressClassName: cls, tls, rules: [{ host: `${name}.lan`, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
});

test('the Role skiff:ingress-tls follows the Ingresses, written as system:kube-controller-manager under RBAC', { skip, timeout: 90_000 }, async () => {
  const caFile = caPaths(pki.dataDir, 'cluster').cert;
  const caPem = await readFile(caFile, 'utf8');
  const serving = leafPaths(pki.dataDir, CERT.apiserverServing);
  const port = await freePort();
  const url = loopbackServer(port);
  const ac = new AbortController();
  const refused: string[] = [];
  let listening!: () => void;
  const ready = new Promise<void>((resolve) => { listening = resolve; });
  const api = runApiServer({
    etcdEndpoints: [etcd!.endpoint], bindAddress: '127.0.0.1', port, serviceCIDR: cluster.serviceCIDR, log: quietLogger('apiserver'), compactionIntervalMs: 0,
    tls: { cert: serving.cert, key: serving.key, clientCA: caFile }, authorization: 'Node,RBAC', onListening: () => listening(),
    configureApp: (app) => app.addHook('onResponse', async (req, reply) => {
      if (reply.statusCode === 403) refused.push(`${requestUser(req)?.username ?? ''} ${req.method} ${req.url}`);
    }),
  }, ac.signal);
  const cmPair = await readLeafPair(pki.dataDir, CERT.controllerManager);
  const kubeconfig = join(pki.dir, 'cm.kubeconfig');
  await writeCertKubeconfig(kubeconfig, { server: url, caPem, certPem: cmPair.cert, keyPem: cmPair.key });
  const admin = new RestClient({ baseUrl: url, ca: caPem, ...(await readLeafPair(pki.dataDir, CERT.admin)) });
  let cm: Promise<void> | undefined;
  const roleNames = async (): Promise<string[] | undefined> => (await admin.tryGet<Role>(Roles, INGRESS_TLS_ROLE, 'default'))?.rules?.[0]?.resourceNames;
  const namesAre = (want: string[] | undefined) => async (): Promise<boolean> => JSON.stringify(await roleNames()) === JSON.stringify(want);
  try {
    await Promise.race([ready, api.then(() => { throw new Error('API server exited before listening'); })]);
    cm = runControllerManager({
      apiUrl: url, kubeconfig, clusterCIDR: '10.244.0.0/16', nodeCIDRMaskSize: 24, healthzPort: 0, log: quietLogger('cm'), controllers: ['ingress-tls'],
    }, ac.signal);

    await admin.create<Ingress>(Ingresses, ing('a', [{ hosts: ['a.lan'], secretName: 'a-tls' }]), 'default');
    await waitFor('Role naming a-tls', namesAre(['a-tls']), 20_000);
    await waitFor('RoleBinding', async () => (await admin.tryGet<RoleBinding>(RoleBindings, INGRESS_TLS_ROLE, 'default')) !== undefined, 20_000);
    const binding = await admin.get<RoleBinding>(RoleBindings, INGRESS_TLS_ROLE, 'default');
    assert.deepEqual(binding.subjects, [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:kube-proxy' }]);

    // A second Ingress adds its Secret; an Ingress of another class adds nothing.
    await admin.create<IngressClass>(IngressClasses, { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } });
    await admin.create<Ingress>(Ingresses, ing('b', [{ secretName: 'b-tls' }, { secretName: 'a-tls' }]), 'default');
    await admin.create<Ingress>(Ingresses, ing('c', [{ secretName: 'c-tls' }], 'nginx'), 'default');
    await waitFor('Role naming a-tls and b-tls', namesAre(['a-tls', 'b-tls']), 20_000);

    // Deleted by hand: put back.
    await admin.delete(Roles, INGRESS_TLS_ROLE, 'default');
    await waitFor('Role restored', namesAre(['a-tls', 'b-tls']), 20_000);

    // A reference dropped: the name leaves the Role.
    await admin.delete(Ingresses, 'a', 'default');
    await admin.patch<Ingress>(Ingresses, 'b', 'merge', { spec: { tls: [{ secretName: 'b-tls' }] } }, 'default');
    await waitFor('Role naming only b-tls', namesAre(['b-tls']), 20_000);

    // The last Ingress moves to another controller: Role and RoleBinding go.
    await admin.patch<Ingress>(Ingresses, 'b', 'merge', { spec: { ingressClassName: 'nginx' } }, 'default');
    await waitFor('Role deleted', namesAre(undefined), 20_000);
    await waitFor('RoleBinding deleted', async () => (await admin.tryGet<RoleBinding>(RoleBindings, INGRESS_TLS_ROLE, 'default')) === undefined, 20_000);
    assert.deepEqual(refused.filter((r) => r.startsWith('system:kube-controller-manager ')), [], 'no 403 to the controller-manager');
  } finally {
    ac.abort();
    await cm?.catch(() => undefined);
    admin.close();
    await api.catch(() => undefined);
  }
});
