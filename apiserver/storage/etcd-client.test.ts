import { test } from 'node:test';
import assert from 'node:assert/strict';
import { etcdClientOptions } from './etcd-client.ts';

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
