import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import type { ComponentStatus } from 'kubernetes-types/core/v1';
import { httpProbe, registerComponentStatuses } from './componentstatus.ts';

async function healthServer(code: number, body: string): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => { res.statusCode = code; res.end(body); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz` };
}

test('httpProbe against real local servers', async () => {
  const ok = await healthServer(200, 'ok');
  const bad = await healthServer(500, 'broken');
  assert.deepEqual(await httpProbe(ok.url), { healthy: true, message: 'ok' });
  const b = await httpProbe(bad.url);
  assert.equal(b.healthy, false);
  assert.match(b.error!, /unexpected status 500: broken/);
  const port = (bad.server.address() as AddressInfo).port;
  await new Promise<void>((r) => bad.server.close(() => r()));
  const refused = await httpProbe(`http://127.0.0.1:${port}/healthz`);
  assert.equal(refused.healthy, false);
  assert.match(refused.error!, /ECONNREFUSED/);
  await new Promise<void>((r) => ok.server.close(() => r()));
});

test('componentstatuses list, get, table and 404', async () => {
  const sched = await healthServer(200, 'ok');
  const app = Fastify();
  const asked: string[] = [];
  registerComponentStatuses(app, {
    etcdHealthy: async () => true,
    fetchHealth: async (url) => {
      asked.push(url);
      if (url.includes(':10259')) return (await httpProbe(sched.url)).healthy;
      return false;
    },
  });
  const list = await app.inject({ method: 'GET', url: '/api/v1/componentstatuses' });
  assert.equal(list.statusCode, 200);
  assert.equal(list.headers['warning'], '299 - "v1 ComponentStatus is deprecated in v1.19+"');
  const body = list.json() as { kind: string; items: ComponentStatus[] };
  assert.equal(body.kind, 'ComponentStatusList');
  const byName = new Map(body.items.map((i) => [i.metadata!.name, i.conditions![0]!]));
  assert.equal(byName.get('etcd-0')!.status, 'True');
  assert.equal(byName.get('scheduler')!.status, 'True');
  assert.equal(byName.get('controller-manager')!.status, 'False');
  assert.match(byName.get('controller-manager')!.error!, /127\.0\.0\.1:10257\/healthz/);
  assert.deepEqual(asked.sort(), ['http://127.0.0.1:10257/healthz', 'http://127.0.0.1:10259/healthz']);
  const one = await app.inject({ method: 'GET', url: '/api/v1/componentstatuses/etcd-0' });
  assert.equal((one.json() as ComponentStatus).kind, 'ComponentStatus');
  const table = await app.inject({ method: 'GET', url: '/api/v1/componentstatuses', headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' } });
  const t = table.json() as { kind: string; columnDefinitions: Array<{ name: string }>; rows: Array<{ cells: unknown[] }> };
  assert.equal(t.kind, 'Table');
  assert.deepEqual(t.columnDefinitions.map((c) => c.name), ['Name', 'Status', 'Message', 'Error']);
  assert.ok(t.rows.some((r) => r.cells[0] === 'scheduler' && r.cells[1] === 'Healthy' && r.cells[2] === 'ok'));
  assert.ok(t.rows.some((r) => r.cells[0] === 'controller-manager' && r.cells[1] === 'Unhealthy'));
  const missing = await app.inject({ method: 'GET', url: '/api/v1/componentstatuses/nope' });
  assert.equal(missing.statusCode, 404);
  assert.equal((missing.json() as { message: string }).message, 'componentstatuses "nope" not found');
  await app.close();
  await new Promise<void>((r) => sched.server.close(() => r()));
});
