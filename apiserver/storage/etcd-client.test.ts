import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GRPCDeadlineExceededError, GRPCUnavailableError } from 'etcd3';
import { noop } from 'cockatiel';
import { etcdClientOptions, neverSent } from './etcd-client.ts';

const pem = (label: string): string => `-----BEGIN ${label}-----\nAAAA\n-----END ${label}-----\n`;

for (const [name, tls, want] of [
  ['no tls: no credentials (plain gRPC)', undefined, undefined],
  [
    'PEM text: CA as root, cert as chain, key as private key, as bytes',
    { ca: pem('CA'), cert: pem('CERTIFICATE'), key: pem('PRIVATE KEY') },
    { rootCertificate: Buffer.from(pem('CA')), certChain: Buffer.from(pem('CERTIFICATE')), privateKey: Buffer.from(pem('PRIVATE KEY')) },
  ],
  [
    'Buffers pass through',
    { ca: Buffer.from('c'), cert: Buffer.from('e'), key: Buffer.from('k') },
    { rootCertificate: Buffer.from('c'), certChain: Buffer.from('e'), privateKey: Buffer.from('k') },
  ],
] as const) {
  test(`etcdClientOptions credentials, ${name}`, () => {
    const o = etcdClientOptions({ hosts: ['https://127.0.0.1:2479'], tls });
    assert.deepEqual(o.credentials, want);
    assert.deepEqual(o.hosts, ['https://127.0.0.1:2479']);
  });
}

test('neverSent: only UNAVAILABLE without a connection is resent elsewhere', () => {
  assert.equal(neverSent(new GRPCUnavailableError('14 UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1')), true);
  assert.equal(neverSent(new GRPCUnavailableError('14 UNAVAILABLE: Connection dropped')), false);
  assert.equal(neverSent(new GRPCDeadlineExceededError('4 DEADLINE_EXCEEDED: No connection established')), false);
  assert.equal(neverSent(new Error('No connection established')), false);
});

test('etcdClientOptions: one host gets no retries; a cluster resends never-sent calls to the others', async () => {
  assert.equal(etcdClientOptions({ hosts: ['https://127.0.0.1:2479'] }).faultHandling?.global, noop);
  const three = etcdClientOptions({ hosts: ['https://a:1', 'https://b:1', 'https://c:1'] }).faultHandling?.global;
  assert.notEqual(three, noop);
  let calls = 0;
  await assert.rejects(three?.execute(() => { calls++; throw new GRPCUnavailableError('14 UNAVAILABLE: No connection established'); }) ?? Promise.resolve(), GRPCUnavailableError);
  assert.equal(calls, 3, 'the first try and one on each other host');
  calls = 0;
  await assert.rejects(three?.execute(() => { calls++; throw new GRPCUnavailableError('14 UNAVAILABLE: Connection dropped'); }) ?? Promise.resolve());
  assert.equal(calls, 1, 'a call that may have reached etcd is not resent');
});
