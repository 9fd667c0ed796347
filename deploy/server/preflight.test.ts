import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { busyPorts, describeBusyPorts, portFree } from './preflight.ts';
import { freePort } from '../../testutil/etcd.ts';

function listen(port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(port, host, () => resolve(s));
  });
}

test('portFree / busyPorts: a port with a listener (loopback or wildcard) is busy, a free one is not', async () => {
  const p1 = await freePort();
  const p2 = await freePort();
  const p3 = await freePort();
  const a = await listen(p1, '127.0.0.1');
  const b = await listen(p2, '0.0.0.0');
  try {
    assert.equal(await portFree(p1), false);
    assert.equal(await portFree(p2), false);
    assert.equal(await portFree(p3), true);
    const busy = await busyPorts([{ owner: 'apiserver', port: p1 }, { owner: 'etcd (client)', port: p3 }, { owner: 'kubelet', port: p2 }]);
    assert.deepEqual(busy, [{ owner: 'apiserver', port: p1 }, { owner: 'kubelet', port: p2 }]);
  } finally {
    a.close();
    b.close();
  }
});

test('describeBusyPorts names each port and owner', () => {
  assert.equal(
    describeBusyPorts([{ owner: 'apiserver', port: 6443 }]),
    'port already in use: 6443 (apiserver). Is another skiff server or Kubernetes running here? Stop it, or pick other ports (--api-port, --etcd-client-port, --etcd-peer-port).',
  );
  assert.match(describeBusyPorts([{ owner: 'a', port: 1 }, { owner: 'b', port: 2 }]), /^ports already in use: 1 \(a\), 2 \(b\)\./);
});
