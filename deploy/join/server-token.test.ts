/**
 * The server's join token over the fake client (the real registry in
 * memory): minted once with its Secret, kept across runs, its Secret
 * restored when it went missing or was edited, and re-minted when the CA
 * changed; the file is written only after the Secret exists.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Secret } from 'kubernetes-types/core/v1';
import { FakeClient } from '../../apiserver/testing/fake-client.ts';
import { Secrets } from '../../apiserver/client/resources.ts';
import { ensureJoinToken } from './server-token.ts';
import { caHash, parseJoinToken } from './token.ts';

const dir = mkdtempSync(join(tmpdir(), 'skiff-token-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const caFile = join(dir, 'ca.crt');
writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nMIIBone\n-----END CERTIFICATE-----\n');

const token = (): { caHash: string; id: string; secret: string } => {
  const t = parseJoinToken(readFileSync(join(dir, 'token'), 'utf8'));
  assert.ok(!('error' in t));
  return t;
};
const secretOf = async (c: FakeClient, id: string): Promise<string | undefined> => {
  const s = await c.tryGet<Secret>(Secrets, `bootstrap-token-${id}`, 'kube-system');
  return s?.data?.['token-secret'] === undefined ? undefined : Buffer.from(s.data['token-secret'], 'base64').toString('utf8');
};

test('ensureJoinToken: mint, keep, restore the Secret, re-mint on a new CA', async () => {
  const c = new FakeClient();
  const first = await ensureJoinToken(dir, caFile, c);
  assert.equal(first.created, true);
  const t1 = token();
  assert.equal(t1.caHash, caHash(readFileSync(caFile)));
  assert.equal(await secretOf(c, t1.id), t1.secret);

  assert.equal((await ensureJoinToken(dir, caFile, c)).created, false);
  assert.deepEqual(token(), t1);

  await c.delete(Secrets, `bootstrap-token-${t1.id}`, 'kube-system');
  await ensureJoinToken(dir, caFile, c);
  assert.equal(await secretOf(c, t1.id), t1.secret, 'a deleted Secret comes back');

  const s = await c.get<Secret>(Secrets, `bootstrap-token-${t1.id}`, 'kube-system');
  await c.update<Secret>(Secrets, { ...s, data: { ...s.data, 'token-secret': Buffer.from('ffffffffffffffff').toString('base64') } }, 'kube-system');
  await ensureJoinToken(dir, caFile, c);
  assert.equal(await secretOf(c, t1.id), t1.secret, 'an edited Secret is put back');

  writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nMIIBtwo\n-----END CERTIFICATE-----\n');
  assert.equal((await ensureJoinToken(dir, caFile, c)).created, true);
  const t2 = token();
  assert.equal(t2.caHash, caHash(readFileSync(caFile)));
  assert.notEqual(t2.id + t2.secret, t1.id + t1.secret);
});

test('ensureJoinToken writes no file when the Secret cannot be written', async () => {
  const d = mkdtempSync(join(dir, 'fail-'));
  const c = new FakeClient();
  c.failOn('create', 'secrets', new Error('etcd down'));
  await assert.rejects(ensureJoinToken(d, caFile, c));
  assert.equal(existsSync(join(d, 'token')), false);
});
