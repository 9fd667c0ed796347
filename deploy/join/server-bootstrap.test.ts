import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { BOOTSTRAP_FILES, bootstrapEtcdKey, decideBootstrapWrite, openBootstrap, openBootstrapPayload, sealBootstrap, type ServerBootstrapData } from './server-bootstrap.ts';

const data: ServerBootstrapData = {
  'server-ca.crt': '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n',
  'server-ca.key': '-----BEGIN PRIVATE KEY-----\nCAKEY\n-----END PRIVATE KEY-----\n',
  'service.key': '-----BEGIN PRIVATE KEY-----\nSA\n-----END PRIVATE KEY-----\n',
};
const pass = 'abcdef.0123456789abcdef';
const key = bootstrapEtcdKey(pass);

test('bootstrapEtcdKey: under /skiff/server-bootstrap/, the SHA-256 of the token, never the token itself', () => {
  assert.match(key, /^\/skiff\/server-bootstrap\/[0-9a-f]{64}$/);
  assert.ok(!key.includes('0123456789abcdef'));
  assert.notEqual(bootstrapEtcdKey('abcdef.0123456789abcdeg'), key);
});

test('sealBootstrap/openBootstrap: round trip; the stored text holds no PEM; fresh salt and IV each time', async () => {
  const sealed = await sealBootstrap(data, pass, key, randomBytes);
  assert.ok(!sealed.includes('BEGIN') && !sealed.includes('CAKEY'));
  assert.deepEqual(await openBootstrap(sealed, pass, key), data);
  assert.notEqual(await sealBootstrap(data, pass, key, randomBytes), sealed);
});

test('openBootstrap refuses: another token, another etcd key, tampered bytes, not our format, a payload without a file', async () => {
  const sealed = await sealBootstrap(data, pass, key, randomBytes);
  const mismatch = /the token does not match/;
  assert.match((await openBootstrap(sealed, 'abcdef.0123456789abcdeg', key) as { error: string }).error, mismatch);
  assert.match((await openBootstrap(sealed, pass, bootstrapEtcdKey('x')) as { error: string }).error, mismatch);
  const s = JSON.parse(sealed) as Record<string, string>;
  const flipped = Buffer.from(s.data, 'base64');
  flipped[0] ^= 1;
  assert.match((await openBootstrap(JSON.stringify({ ...s, data: flipped.toString('base64') }), pass, key) as { error: string }).error, mismatch);
  assert.deepEqual(await openBootstrap('nope', pass, key), { error: 'the stored server bootstrap data is not JSON' });
  assert.deepEqual(await openBootstrap('{"v":2}', pass, key), { error: 'the stored server bootstrap data has an unknown format' });
  const partial = await sealBootstrap({ ...data, 'service.key': '' }, pass, key, randomBytes);
  assert.deepEqual(await openBootstrap(partial, pass, key), { error: 'the server bootstrap data lacks service.key' });
});

const cases: Array<[string, Partial<ServerBootstrapData>, ReturnType<typeof decideBootstrapWrite>]> = [
  ['a fresh data dir: write all three', {}, { write: ['server-ca.crt', 'server-ca.key', 'service.key'] }],
  ['a restart: nothing to write', { ...data }, { write: [] }],
  ['a half-written join: the rest', { 'server-ca.crt': data['server-ca.crt'] }, { write: ['server-ca.key', 'service.key'] }],
  ['another cluster\'s CA: refused', { 'server-ca.crt': 'other' },
    { error: 'tls/server-ca.crt in the data dir differs from the cluster\'s: this data dir belongs to another cluster (use a fresh --data-dir)' }],
  ['another ServiceAccount key: refused', { ...data, 'service.key': 'other' },
    { error: 'tls/service.key in the data dir differs from the cluster\'s: this data dir belongs to another cluster (use a fresh --data-dir)' }],
];
for (const [name, have, want] of cases) {
  test(`decideBootstrapWrite: ${name}`, () => assert.deepEqual(decideBootstrapWrite(have, data), want));
}

test('openBootstrapPayload: the agent token comes back with the files (never as a file); absent when not sealed; a malformed one is refused', async () => {
  const agent = 'zyxwvu.abcdefghij012345';
  assert.deepEqual(await openBootstrapPayload(await sealBootstrap(data, pass, key, randomBytes, agent), pass, key, BOOTSTRAP_FILES), { files: data, agentToken: agent });
  assert.deepEqual(await openBootstrap(await sealBootstrap(data, pass, key, randomBytes, agent), pass, key), data, 'openBootstrap gives only the files');
  assert.deepEqual(await openBootstrapPayload(await sealBootstrap(data, pass, key, randomBytes), pass, key, BOOTSTRAP_FILES), { files: data });
  assert.deepEqual(await openBootstrapPayload(await sealBootstrap(data, pass, key, randomBytes, 'not-a-token'), pass, key, BOOTSTRAP_FILES),
    { error: 'the server bootstrap data has a malformed agent token' });
});
