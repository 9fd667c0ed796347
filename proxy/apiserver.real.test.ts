/**
 * The proxy against the real API server (real etcd) and real iptables in a
 * test network namespace: a Service created through the API gets a
 * ClusterIP from the server, and curl through that VIP reaches the pod.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from 'kubernetes-types/core/v1';
import { EndpointSlices, Services } from '../apiserver/client/resources.ts';
import { cleanupProxy, runProxy } from './main.ts';
import { ep, slice, svc } from './fixtures.test-util.ts';
import { createTestNet, POD_IP, realNetSkipReason, SERVICE_CIDR } from './testnet.test-util.ts';
import { freePort } from '../testutil/etcd.ts';
import { quietLogger, startApiServerOrSkip } from '../testutil/real-api.ts';
import { waitFor } from '../testutil/wait.ts';

/** Polls through the shared testutil waitFor (a throwing check counts as not yet). */
const until = (cond: () => Promise<boolean>, what: string, ms = 10_000): Promise<boolean> => waitFor(() => cond(), ms, what, 50);

test('proxy + real API server + real iptables: Service VIP from the server works', async (t) => {
  const reason = realNetSkipReason();
  if (reason) { t.skip(reason); return; }
  const api = await startApiServerOrSkip(t, { serviceCIDR: SERVICE_CIDR });
  if (!api) return;
  const tn = await createTestNet('api');
  const ac = new AbortController();
  let done: Promise<void> | undefined;
  try {
    await tn.serve(8080, 'served-through-real-api');
    const created = await api.client.create<Service>(Services, { ...svc('default', 'web', '', [{ name: 'http', port: 80, targetPort: 8080 }]), spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } }, 'default');
    const vip = created.spec?.clusterIP ?? '';
    assert.match(vip, /^10\.(9[6-9]|10[0-9]|11[01])\./, 'ClusterIP allocated from the service CIDR');
    await api.client.create(EndpointSlices, slice('default', 'web', 'web-x1', [{ name: 'http', port: 8080 }], [ep(POD_IP)]), 'default');
    const port = await freePort();
    done = runProxy({
      apiUrl: api.url, nodeName: 'n1', serviceCIDR: SERVICE_CIDR, clusterCIDR: '10.244.0.0/16', healthzPort: port, healthzHost: '127.0.0.1',
      log: quietLogger('proxy-api'), exec: tn.node, minSyncIntervalMs: 100,
    }, ac.signal);
    await until(async () => (await tn.curl(tn.client, `http://${vip}/`)).body === 'served-through-real-api', 'VIP answers');
    // An address of the service CIDR that the server did not allocate: refused, never leaked.
    assert.equal((await tn.curl(tn.node, 'http://10.111.255.254/')).code, 7);
    await api.client.delete(Services, 'web', 'default');
    await until(async () => (await tn.curl(tn.client, `http://${vip}/`)).code === 7, 'VIP rejected after delete');
  } finally {
    ac.abort();
    await done;
    await cleanupProxy({ serviceCIDR: SERVICE_CIDR, exec: tn.node });
    await tn.destroy();
    await api.stop();
  }
});
