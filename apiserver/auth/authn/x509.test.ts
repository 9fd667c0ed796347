import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePKI } from '../../../deploy/pki/ensure.ts';
import { caPaths, leafPaths } from '../../../deploy/pki/layout.ts';
import { CERT, type ClusterIdentity } from '../../../deploy/pki/specs.ts';
import { subjectValues, verifyClientCert, x509Authenticator } from './x509.ts';

const cluster: ClusterIdentity = { hostname: 'srv1', serverIPs: ['127.0.0.1'], serviceCIDR: '10.96.0.0/12', nodes: [{ name: 'n1', ips: ['127.0.0.1'] }] };
let dir = '';
const der = async (d: string, name: string): Promise<Buffer> => new X509Certificate(await readFile(leafPaths(d, name).cert)).raw;
let caPem = '';
const certs: Record<string, Buffer> = {};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-x509-'));
  const now = new Date();
  await ensurePKI({ dataDir: join(dir, 'a'), cluster, crypto: globalThis.crypto, now });
  await ensurePKI({ dataDir: join(dir, 'b'), cluster, crypto: globalThis.crypto, now });
  caPem = await readFile(caPaths(join(dir, 'a'), 'cluster').cert, 'utf8');
  certs.admin = await der(join(dir, 'a'), CERT.admin);
  certs.kubelet = await der(join(dir, 'a'), CERT.kubeletClient('n1'));
  certs.serving = await der(join(dir, 'a'), CERT.apiserverServing);
  certs.otherAdmin = await der(join(dir, 'b'), CERT.admin);
});
after(async () => { await rm(dir, { recursive: true, force: true }); });

test('subjectValues reads CN and every O of a Node subject string', () => {
  assert.deepEqual(subjectValues('O=system:masters\nCN=system:admin', 'CN'), ['system:admin']);
  assert.deepEqual(subjectValues('O=a\nO=b\nCN=x', 'O'), ['a', 'b']);
  assert.deepEqual(subjectValues('CN="a\\nb"', 'CN'), ['a\nb']);
  assert.deepEqual(subjectValues('CN=x', 'O'), []);
});

test('verifyClientCert table: CN → user, O → groups; other CA, outside validity, serverAuth-only, garbage', () => {
  const ca = new X509Certificate(caPem);
  const now = Date.now();
  const year = 365 * 24 * 3600 * 1000;
  const cases: Array<{ name: string; der: () => Buffer; at: number; want: unknown }> = [
    { name: 'admin', der: () => certs.admin, at: now, want: { kind: 'user', user: { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] } } },
    { name: 'kubelet', der: () => certs.kubelet, at: now, want: { kind: 'user', user: { username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] } } },
    { name: 'another CA', der: () => certs.otherAdmin, at: now, want: { kind: 'error', message: 'x509: certificate signed by unknown authority' } },
    { name: 'expired', der: () => certs.admin, at: now + 2 * year, want: 'expired' },
    { name: 'not yet valid', der: () => certs.admin, at: now - year, want: 'expired' },
    { name: 'serving cert (no clientAuth)', der: () => certs.serving, at: now, want: { kind: 'error', message: 'x509: certificate specifies an incompatible key usage' } },
  ];
  for (const c of cases) {
    const got = verifyClientCert(c.der(), ca, c.at);
    if (c.want === 'expired') {
      assert.equal(got.kind, 'error', c.name);
      assert.match((got as { message: string }).message, /^x509: certificate has expired or is not yet valid/, c.name);
    } else assert.deepEqual(got, c.want, c.name);
  }
  assert.equal(verifyClientCert(Buffer.from('nope'), ca, now).kind, 'error');
});

test('x509Authenticator: no client cert is none; the leaf is verified', async () => {
  const a = x509Authenticator({ clientCAPem: caPem, now: Date.now });
  assert.deepEqual(await a({ clientCerts: [] }), { kind: 'none' });
  assert.equal((await a({ clientCerts: [certs.admin] })).kind, 'user');
  assert.equal((await a({ clientCerts: [certs.otherAdmin] })).kind, 'error');
});

test('x509Authenticator answers a verified leaf from its cache only inside the leaf\'s validity, each time with its own user copy', async () => {
  let now = Date.now();
  const year = 365 * 24 * 3600 * 1000;
  const a = x509Authenticator({ clientCAPem: caPem, now: () => now });
  const first = await a({ clientCerts: [certs.admin] });
  const second = await a({ clientCerts: [certs.admin] });
  assert.deepEqual(second, first);
  assert.equal(first.kind, 'user');
  if (first.kind === 'user' && second.kind === 'user') {
    first.user.groups.push('mutated');
    assert.ok(!second.user.groups.includes('mutated'), 'answers do not share one user object');
    assert.deepEqual((await a({ clientCerts: [certs.admin] })), { kind: 'user', user: { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] } });
  }
  now += 2 * year;
  const late = await a({ clientCerts: [certs.admin] });
  assert.equal(late.kind, 'error');
  assert.match((late as { message: string }).message, /^x509: certificate has expired/);
  // A refused leaf is never cached: another CA's cert stays refused.
  assert.equal((await a({ clientCerts: [certs.otherAdmin] })).kind, 'error');
});
