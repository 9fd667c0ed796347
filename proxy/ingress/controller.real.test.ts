/**
 * The Ingress controller for real on loopback: a FakeClient (the real
 * registry in memory) holds Ingresses, Services, EndpointSlices that point
 * at local HTTP servers, TLS Secrets and Nodes; the controller serves HTTP
 * and HTTPS on free 127.0.0.1 ports and real clients (node:http/https with
 * SNI and the test CA) go through it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Node, Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import type { Ingress } from 'kubernetes-types/networking/v1';
import { FakeClient } from '../../apiserver/testing/fake-client.ts';
import { EndpointSlices, IngressClasses, Ingresses, Nodes, Secrets, Services } from '../../apiserver/client/resources.ts';
import { createInformerFactory } from '../../apiserver/client/informer.ts';
import { realClock } from '../../apiserver/client/workqueue.ts';
import { skiffIngressClass } from '../../apiserver/api/ingress-class.ts';
import { quietLogger } from '../../testutil/real-api.ts';
import { waitFor } from '../../testutil/wait.ts';
import { serverCert, testCA, tlsSecret } from './certs.test-util.ts';
import { createIngressController } from './controller.ts';

/** A local backend answering `<name> <method> <url> xff=<X-Forwarded-For> proto=<X-Forwarded-Proto> host=<Host>`. */
async function backend(name: string): Promise<{ port: number; close: () => Promise<void> }> {
  const srv = http.createServer((req, res) => {
    res.end(`${name} ${req.method} ${req.url} xff=${req.headers['x-forwarded-for'] ?? ''} proto=${req.headers['x-forwarded-proto'] ?? ''} host=${req.headers.host ?? ''}`);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return { port: (srv.address() as AddressInfo).port, close: () => new Promise((r) => { srv.closeAllConnections(); srv.close(() => r()); }) };
}

interface Reply { status: number; body: string }

function get(port: number, host: string, path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers: { host }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => { body += c; }).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject).end();
  });
}

function getTLS(port: number, host: string, path: string, ca: string): Promise<Reply & { subject: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path, servername: host, headers: { host }, ca, agent: false }, (res) => {
      const cert = (res.socket as import('node:tls').TLSSocket).getPeerCertificate();
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => { body += c; }).on('end', () => resolve({ status: res.statusCode ?? 0, body, subject: String(cert.subject?.CN ?? '') }));
    });
    req.on('error', reject).end();
  });
}

const svc = (name: string): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'shop' }, spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }] } });
const slice = (service: string, port: number): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
  metadata: { name: `${service}-1`, namespace: 'shop', labels: { 'kubernetes.io/service-name': service } },
  endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }], ports: [{ name: 'http', port, protocol: 'TCP' }],
});
const node = (name: string, ip: string): Node => ({
  apiVersion: 'v1', kind: 'Node', metadata: { name }, status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: ip }] },
});

test('the Ingress controller routes two hosts over HTTP and HTTPS (SNI), answers 404/503, writes and clears status (loopback)', async () => {
  const client = new FakeClient({ namespaces: ['shop'] });
  const [web, api] = [await backend('web'), await backend('api')];
  const ca = await testCA();
  const webPair = await serverCert(ca, ['web.home.lan']);
  const wildPair = await serverCert(ca, ['*.home.lan']);
  await client.create(IngressClasses, skiffIngressClass());
  await client.create(Nodes, node('n1', '192.168.100.2'));
  await client.create(Nodes, node('n2', '192.168.100.3'));
  for (const [name, port] of [['web', web.port], ['api', api.port]] as const) {
    await client.create(Services, svc(name), 'shop');
    await client.create(EndpointSlices, slice(name, port), 'shop');
  }
  await client.create(Services, svc('empty'), 'shop');
  await client.create(Secrets, tlsSecret('shop', 'web-tls', webPair), 'shop');
  await client.create(Secrets, tlsSecret('shop', 'wild-tls', wildPair), 'shop');
  const spec: Ingress['spec'] = {
    tls: [{ hosts: ['web.home.lan'], secretName: 'web-tls' }, { hosts: ['*.home.lan'], secretName: 'wild-tls' }],
    rules: [
      { host: 'web.home.lan', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } },
      { host: 'api.home.lan', http: { paths: [
        { path: '/v1', pathType: 'Prefix', backend: { service: { name: 'api', port: { name: 'http' } } } },
        { path: '/down', pathType: 'Exact', backend: { service: { name: 'empty', port: { number: 80 } } } },
      ] } },
    ],
  };
  // No class named: DefaultIngressClass admission gives it `skiff`.
  const created = await client.create<Ingress>(Ingresses, { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'shop', namespace: 'shop' }, spec }, 'shop');
  assert.equal(created.spec?.ingressClassName, 'skiff');

  const ac = new AbortController();
  const factory = createInformerFactory(client, quietLogger('informers'));
  let ports: { httpPort: number; httpsPort: number } | undefined;
  let syncs = 0;
  const ctl = createIngressController({
    client, factory, log: quietLogger('ingress'), clock: realClock, httpPort: 0, httpsPort: 0, host: '127.0.0.1', minSyncIntervalMs: 20,
    onListening: (p) => { ports = p; }, onSynced: () => { syncs++; },
  });
  factory.start(ac.signal);
  ctl.start(ac.signal);
  try {
    await waitFor(() => ports !== undefined && syncs > 0, 10_000, 'listening and synced', 10);
    const { httpPort, httpsPort } = ports!;

    const w = await get(httpPort, 'web.home.lan', '/cart?id=1');
    assert.equal(w.status, 200);
    assert.equal(w.body, 'web GET /cart?id=1 xff=127.0.0.1 proto=http host=web.home.lan');
    assert.match((await get(httpPort, 'API.home.lan:8080', '/v1/users')).body, /^api GET \/v1\/users /);
    const miss = await get(httpPort, 'api.home.lan', '/v2');
    assert.deepEqual([miss.status, miss.body], [404, 'default backend - 404\n']);
    assert.equal((await get(httpPort, 'nobody.lan', '/')).status, 404);
    const down = await get(httpPort, 'api.home.lan', '/down');
    assert.deepEqual([down.status, down.body], [503, 'no endpoints available for service "shop/empty:80"\n']);

    const tw = await getTLS(httpsPort, 'web.home.lan', '/', ca.certPem);
    assert.deepEqual([tw.status, tw.subject], [200, 'web.home.lan']);
    assert.match(tw.body, /^web GET \/ xff=127\.0\.0\.1 proto=https host=web\.home\.lan$/);
    const ta = await getTLS(httpsPort, 'api.home.lan', '/v1', ca.certPem);
    assert.deepEqual([ta.status, ta.subject], [200, '*.home.lan']);
    assert.match(ta.body, /^api GET \/v1 /);
    await assert.rejects(getTLS(httpsPort, 'other.lan', '/', ca.certPem), 'no certificate for a name no TLS entry covers');

    // status.loadBalancer lists every Ready node.
    const lbOf = async (): Promise<string[]> => ((await client.get<Ingress>(Ingresses, 'shop', 'shop')).status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '');
    let lb: string[] = [];
    await waitFor(async () => { lb = await lbOf(); return lb.length === 2; }, 10_000, 'status written', 20);
    assert.deepEqual(lb, ['192.168.100.2', '192.168.100.3']);

    // An endpoint change reroutes; a class change makes the Ingress not ours: routes go, status is cleared.
    await client.update(EndpointSlices, slice('web', api.port), 'shop');
    await waitFor(async () => (await get(httpPort, 'web.home.lan', '/')).body.startsWith('api '), 10_000, 'rerouted to the new endpoint', 20);
    await client.create(IngressClasses, { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } });
    const cur = await client.get<Ingress>(Ingresses, 'shop', 'shop');
    await client.update(Ingresses, { ...cur, spec: { ...cur.spec, ingressClassName: 'nginx' } }, 'shop');
    await waitFor(async () => (await lbOf()).length === 0, 10_000, 'status cleared', 20);
    await waitFor(async () => (await get(httpPort, 'web.home.lan', '/')).status === 404, 10_000, 'routes removed', 20);
  } finally {
    ac.abort();
    await ctl.stopped();
    await web.close();
    await api.close();
  }
});
