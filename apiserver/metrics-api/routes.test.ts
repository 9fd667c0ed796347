/**
 * The metrics.k8s.io routes against kubelet stand-ins on loopback: real HTTP
 * scrapes of /metrics/resource, a sampler on a test clock (its waits advance
 * the clock), a kubelet that is down and one that never answers.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { registerMetricsApi } from './routes.ts';
import { MetricsSampler } from './sampler.ts';
import { kubeletScraper } from './scrape.ts';

/** A kubelet stand-in: the n-th scrape reports n seconds of time, `cpu` cores busy and fixed memory, per node and per container. */
function standIn(cpuMillis: number, memBytes: number, containers: Array<[string, string, string]>): Server {
  let n = 0;
  return createServer((req, res) => {
    if (req.url !== '/metrics/resource') {
      res.writeHead(404);
      res.end();
      return;
    }
    n++;
    const ts = n * 1000;
    const secs = (cpuMillis * n) / 1000;
    const lines = containers.flatMap(([ns, pod, c]) => [
      `container_cpu_usage_seconds_total{container="${c}",namespace="${ns}",pod="${pod}"} ${secs / 10} ${ts}`,
      `container_memory_working_set_bytes{container="${c}",namespace="${ns}",pod="${pod}"} ${memBytes / 64} ${ts}`,
    ]);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end([...lines, `node_cpu_usage_seconds_total ${secs} ${ts}`, `node_memory_working_set_bytes ${memBytes} ${ts}`, 'resource_scrape_error 0', ''].join('\n'));
  });
}

const listen = async (s: Server): Promise<number> => {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
};

const node = (name: string, port: number | undefined, labels: Record<string, string> = {}): Node => ({
  metadata: { name, labels },
  status: { ...(port !== undefined ? { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } } : {}) },
});
const pod = (ns: string, name: string, nodeName: string | undefined, labels: Record<string, string>): Pod => ({
  metadata: { name, namespace: ns, labels }, spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'i' }] },
});

const servers: Server[] = [];
let app: FastifyInstance;
let scrapes = 0;

before(async () => {
  const a = standIn(250, 512 * 2 ** 20, [['default', 'web-1', 'nginx'], ['default', 'db', 'pg']]);
  const b = standIn(1000, 2 ** 30, [['default', 'web-2', 'nginx'], ['kube-system', 'dns', 'dns']]);
  const down = createServer();
  const slow = createServer(() => { /* never answers */ });
  servers.push(a, b, slow);
  const [pa, pb, pdown, pslow] = [await listen(a), await listen(b), await listen(down), await listen(slow)];
  await new Promise<void>((r) => down.close(() => r()));
  const nodes = [node('node-a', pa), node('node-b', pb, { zone: 'x' }), node('node-down', pdown), node('node-noaddr', undefined), node('node-slow', pslow)];
  const pods = [
    pod('default', 'db', 'node-a', { app: 'db' }), pod('default', 'lost', 'node-down', { app: 'web' }), pod('default', 'pending', undefined, { app: 'web' }),
    pod('default', 'web-1', 'node-a', { app: 'web' }), pod('default', 'web-2', 'node-b', { app: 'web' }), pod('kube-system', 'dns', 'node-b', { app: 'dns' }),
  ];
  let clock = 0;
  const getNode = async (n: string): Promise<Node | undefined> => nodes.find((x) => x.metadata?.name === n);
  const scrape = kubeletScraper(getNode, { now: () => clock, timeoutMs: 300 });
  const sampler = new MetricsSampler({ scrape: (n) => { scrapes++; return scrape(n); }, now: () => clock, sleep: async (ms) => { clock += ms; } });
  app = Fastify();
  registerMetricsApi(app, {
    listNodes: async () => nodes, getNode,
    listPods: async (ns) => pods.filter((p) => ns === undefined || p.metadata?.namespace === ns),
    getPod: async (ns, n) => pods.find((p) => p.metadata?.namespace === ns && p.metadata?.name === n),
    sampler, now: () => clock,
  });
});

after(async () => {
  await app?.close();
  for (const s of servers) { s.closeAllConnections(); s.close(); }
});

const get = async (url: string, accept?: string): Promise<{ code: number; body: Record<string, unknown> }> => {
  const r = await app.inject({ method: 'GET', url: `/apis/metrics.k8s.io/v1beta1${url}`, headers: accept ? { accept } : {} });
  return { code: r.statusCode, body: JSON.parse(r.body) as Record<string, unknown> };
};
type Item = { metadata: { name: string; namespace?: string }; usage?: { cpu: string; memory: string }; window: string; containers?: Array<{ name: string; usage: { cpu: string; memory: string } }> };
const items = (b: Record<string, unknown>): Item[] => b.items as Item[];

test('node list: nodes whose kubelets answer, CPU as a rate over the window, memory as the working set', async () => {
  const r = await get('/nodes');
  assert.equal(r.code, 200);
  assert.equal(r.body.kind, 'NodeMetricsList');
  assert.deepEqual(items(r.body).map((i) => [i.metadata.name, i.usage?.cpu, i.usage?.memory, i.window]), [
    ['node-a', '250m', '512Mi', '1s'],
    ['node-b', '1', '1Gi', '1s'],
  ]);
  const sel = await get('/nodes?labelSelector=zone%3Dx');
  assert.deepEqual(items(sel.body).map((i) => i.metadata.name), ['node-b']);
});

test('node get, and 404 for unknown, unreachable or address-less nodes', async () => {
  const r = await get('/nodes/node-a');
  assert.equal(r.code, 200);
  assert.equal(r.body.kind, 'NodeMetrics');
  assert.deepEqual(r.body.usage, { cpu: '250m', memory: '512Mi' });
  for (const n of ['node-down', 'node-slow', 'node-noaddr', 'nope']) {
    const nf = await get(`/nodes/${n}`);
    assert.equal(nf.code, 404, n);
    assert.deepEqual([nf.body.kind, nf.body.reason, nf.body.message], ['Status', 'NotFound', `nodemetrics.metrics.k8s.io "${n}" not found`]);
  }
});

test('pod lists: all namespaces, one namespace, label selector; pods without metrics left out', async () => {
  const all = await get('/pods');
  assert.equal(all.body.kind, 'PodMetricsList');
  assert.deepEqual(items(all.body).map((i) => `${i.metadata.namespace}/${i.metadata.name}`), ['default/db', 'default/web-1', 'default/web-2', 'kube-system/dns']);
  const web1 = items(all.body).find((i) => i.metadata.name === 'web-1');
  assert.deepEqual(web1?.containers, [{ name: 'nginx', usage: { cpu: '25m', memory: '8Mi' } }]);
  const ns = await get('/namespaces/default/pods?labelSelector=app%3Dweb');
  assert.deepEqual(items(ns.body).map((i) => i.metadata.name), ['web-1', 'web-2']);
  const one = await get('/namespaces/kube-system/pods/dns');
  assert.equal(one.code, 200);
  assert.equal(one.body.kind, 'PodMetrics');
  for (const n of ['lost', 'pending', 'nope']) {
    const nf = await get(`/namespaces/default/pods/${n}`);
    assert.deepEqual([nf.code, nf.body.message], [404, `podmetrics.metrics.k8s.io "${n}" not found`]);
  }
});

test('hostile input: a bad selector is a 400 Status, other verbs 405', async () => {
  const bad = await get('/pods?labelSelector=a%3D%3D%3Db%2C%21');
  assert.equal(bad.code, 400);
  assert.equal(bad.body.kind, 'Status');
  const post = await app.inject({ method: 'POST', url: '/apis/metrics.k8s.io/v1beta1/nodes', payload: '{}', headers: { 'content-type': 'application/json' } });
  assert.equal(post.statusCode, 405);
  assert.equal((JSON.parse(post.body) as { reason: string }).reason, 'MethodNotAllowed');
});

test('Table answers have metrics-server\'s columns', async () => {
  const t = await get('/nodes', 'application/json;as=Table;v=v1;g=meta.k8s.io');
  assert.equal(t.body.kind, 'Table');
  assert.deepEqual((t.body.columnDefinitions as Array<{ name: string }>).map((c) => c.name), ['Name', 'CPU', 'Memory', 'Window']);
  assert.deepEqual((t.body.rows as Array<{ cells: unknown[] }>)[0]?.cells.slice(0, 3), ['node-a', '250m', '512Mi']);
  assert.ok(scrapes > 0);
});
