// runApiServer's advertiseAddress, end to end on real etcd: the kubernetes
// Endpoints and EndpointSlice are served at the advertise address and the
// server's port; a bad address rejects before anything connects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import { existsSync } from 'node:fs';
import type { Lease } from 'kubernetes-types/coordination/v1';
import { Endpoints as EndpointsRef, EndpointSlices, Leases } from './client/resources.ts';
import { RestClient } from './client/rest.ts';
import { freePort, startEtcd } from '../testutil/etcd.ts';
import { waitFor } from '../testutil/wait.ts';
import { runApiServer } from './main.ts';
import { quietLogger, startApiServerOrSkip } from '../testutil/real-api.ts';

test('runApiServer with advertiseAddress serves the kubernetes Endpoints and EndpointSlice at it and its port', async (t) => {
  const api = await startApiServerOrSkip(t, { advertiseAddress: '127.0.0.1' });
  if (!api) return;
  try {
    const port = Number(new URL(api.url).port);
    const ep = await api.client.get<Endpoints>(EndpointsRef, 'kubernetes', 'default');
    assert.deepEqual(ep.subsets, [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port, protocol: 'TCP' }] }]);
    const slice = await api.client.get<EndpointSlice>(EndpointSlices, 'kubernetes', 'default');
    assert.deepEqual([slice.addressType, slice.endpoints, slice.ports], ['IPv4', [{ addresses: ['127.0.0.1'], conditions: { ready: true } }], [{ name: 'https', port, protocol: 'TCP' }]]);
  } finally {
    await api.stop();
  }
});

test('runApiServer rejects a bad advertiseAddress at once, before connecting to etcd', async () => {
  const opts = { etcdEndpoints: ['http://127.0.0.1:1'], bindAddress: '127.0.0.1', port: 6443, serviceCIDR: '10.96.0.0/12', log: quietLogger('apiserver') };
  await assert.rejects(runApiServer({ ...opts, advertiseAddress: 'srv1.local' }, new AbortController().signal), /advertise address "srv1.local" is not an IP address/);
});

test('two API servers on one etcd: the kubernetes endpoints list both; a stopped server is removed at once', async (t) => {
  if (!existsSync('/usr/bin/etcd')) { t.skip('etcd not installed'); return; }
  const etcd = await startEtcd();
  const port = await freePort();
  const servers = ['127.0.0.1', '127.0.0.2'].map((ip) => {
    const ac = new AbortController();
    let resolveUp: (url: string) => void = () => {};
    const up = new Promise<string>((r) => { resolveUp = r; });
    const done = runApiServer({
      etcdEndpoints: [etcd.endpoint], bindAddress: ip, port, serviceCIDR: '10.96.0.0/12', log: quietLogger('apiserver'),
      advertiseAddress: ip, endpointReconcileIntervalMs: 200, compactionIntervalMs: 0, onListening: resolveUp,
    }, ac.signal);
    return { ip, ac, up, done };
  });
  const client = new RestClient({ baseUrl: await servers[0].up });
  const addresses = async (): Promise<string[]> => {
    const ep = await client.get<Endpoints>(EndpointsRef, 'kubernetes', 'default');
    return (ep.subsets?.[0]?.addresses ?? []).map((a) => a.ip);
  };
  try {
    await servers[1].up;
    await waitFor(async () => JSON.stringify(await addresses()) === '["127.0.0.1","127.0.0.2"]', 15_000, 'both servers in the kubernetes Endpoints');
    const slice = await client.get<EndpointSlice>(EndpointSlices, 'kubernetes', 'default');
    assert.deepEqual(slice.endpoints?.map((e) => e.addresses[0]), ['127.0.0.1', '127.0.0.2']);
    const leases = await client.list<Lease>(Leases, { namespace: 'kube-system', labelSelector: 'skiff.dev/apiserver-endpoint=true' });
    assert.deepEqual(leases.items.map((l) => l.spec?.holderIdentity).sort(), ['127.0.0.1', '127.0.0.2']);
    servers[1].ac.abort();
    await servers[1].done;
    // The stopping server removed itself: the very next read shows only the first.
    assert.deepEqual(await addresses(), ['127.0.0.1']);
    assert.equal((await client.tryGet<Lease>(Leases, 'apiserver-endpoint-127.0.0.2', 'kube-system')), undefined);
  } finally {
    client.close();
    for (const s of servers) s.ac.abort();
    await Promise.allSettled(servers.map((s) => s.done));
    await etcd.stop();
  }
});
