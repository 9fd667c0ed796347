// runApiServer's advertiseAddress, end to end on real etcd: the kubernetes
// Endpoints and EndpointSlice are served at the advertise address and the
// server's port; a bad address rejects before anything connects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import { Endpoints as EndpointsRef, EndpointSlices } from './client/resources.ts';
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
