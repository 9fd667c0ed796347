/**
 * The agent token: which one decideAgentToken keeps, takes or mints
 * (table), and ensureAgentToken over the fake client (the real registry
 * in memory): its own Secret with the node group only, its file in the
 * K10 format, kept across runs, and nothing written before the server
 * token exists or when --agent-token is refused.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Secret } from 'kubernetes-types/core/v1';
import { FakeClient } from '../../apiserver/testing/fake-client.ts';
import { Secrets } from '../../apiserver/client/resources.ts';
import { decideAgentToken, ensureAgentToken, parseAgentTokenFlag, readAgentBearer, writeAgentToken, type AgentTokenChoice } from './agent-token.ts';
import { NODE_TOKEN_GROUP } from './bootstrap-secret.ts';
import { ensureJoinToken } from './server-token.ts';
import { caHash, formatJoinToken, parseJoinToken } from './token.ts';

const dir = mkdtempSync(join(tmpdir(), 'skiff-agent-token-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const caPem = '-----BEGIN CERTIFICATE-----\nMIIBone\n-----END CERTIFICATE-----\n';
const hash = caHash(caPem);
const otherHash = caHash('-----BEGIN CERTIFICATE-----\nMIIBtwo\n-----END CERTIFICATE-----\n');
const fileTok = { id: 'aaaaaa', secret: 'a'.repeat(16) };
const flagTok = { id: 'bbbbbb', secret: 'b'.repeat(16) };
const minted = { id: 'cccccc', secret: 'c'.repeat(16) };
const serverId = 'ssssss';

test('parseAgentTokenFlag: bare <id>.<secret> or K10 with this CA\'s hash; others refused without echoing the secret', () => {
  assert.deepEqual(parseAgentTokenFlag(' bbbbbb.bbbbbbbbbbbbbbbb\n', hash), flagTok);
  assert.deepEqual(parseAgentTokenFlag(formatJoinToken(caPem, flagTok), hash), flagTok);
  const other = parseAgentTokenFlag(`K10${otherHash}::bbbbbb.bbbbbbbbbbbbbbbb`, hash);
  assert.ok('error' in other && /another CA/.test(other.error));
  const bad = parseAgentTokenFlag('hunter2', hash);
  assert.ok('error' in bad && !bad.error.includes('hunter2'));
});

test('decideAgentToken: keep the file, else take the flag, else mint; a different flag, the server token, or a bad flag refused', () => {
  const onFile = formatJoinToken(caPem, fileTok);
  const flag = 'bbbbbb.bbbbbbbbbbbbbbbb';
  const cases: Array<{ name: string; onDisk?: string; flag?: string; mints?: Array<typeof minted>; want: AgentTokenChoice | RegExp }> = [
    { name: 'first start: mint', want: { token: minted, source: 'new' } },
    { name: 'a restart keeps the file', onDisk: onFile, want: { token: fileTok, source: 'file' } },
    { name: 'the same token as flag and file', onDisk: onFile, flag: 'aaaaaa.aaaaaaaaaaaaaaaa', want: { token: fileTok, source: 'file' } },
    { name: 'first start with --agent-token', flag, want: { token: flagTok, source: 'flag' } },
    { name: 'a file of an older CA: the flag', onDisk: formatJoinToken('old CA', fileTok), flag, want: { token: flagTok, source: 'flag' } },
    { name: 'a file of an older CA: mint', onDisk: formatJoinToken('old CA', fileTok), want: { token: minted, source: 'new' } },
    { name: 'a garbled file: mint', onDisk: 'garbage', want: { token: minted, source: 'new' } },
    { name: 'a file holding the server token id is not kept', onDisk: formatJoinToken(caPem, { id: serverId, secret: 'a'.repeat(16) }), want: { token: minted, source: 'new' } },
    { name: 'a mint colliding with the server token is redrawn', mints: [{ id: serverId, secret: 'd'.repeat(16) }, minted], want: { token: minted, source: 'new' } },
    { name: 'a flag differing from the file: no rotation', onDisk: onFile, flag, want: /changing it is not supported/ },
    { name: 'the server token as agent token', flag: `${serverId}.${'e'.repeat(16)}`, want: /must differ from the server token/ },
    { name: 'a malformed flag', flag: 'nope', want: /--agent-token must be/ },
  ];
  for (const c of cases) {
    const queue = [...(c.mints ?? [minted])];
    const got = decideAgentToken({
      ...(c.onDisk !== undefined ? { onDisk: c.onDisk } : {}), ...(c.flag !== undefined ? { flag: c.flag } : {}),
      caHashNow: hash, serverId, mint: () => queue.shift() ?? minted,
    });
    if (c.want instanceof RegExp) assert.ok('error' in got && c.want.test(got.error), `${c.name}: ${JSON.stringify(got)}`);
    else assert.deepEqual(got, c.want, c.name);
  }
});

const b64 = (s: string | undefined): string => Buffer.from(s ?? '', 'base64').toString('utf8');

test('ensureAgentToken: needs the server token; mints a second token whose Secret has the node group only; keeps it on a restart', async () => {
  const d = mkdtempSync(join(dir, 'run-'));
  const caFile = join(d, 'ca.crt');
  writeFileSync(caFile, caPem);
  const c = new FakeClient();
  const early = await ensureAgentToken(d, caFile, c);
  assert.ok('error' in early && /no server token yet/.test(early.error));
  assert.equal(existsSync(join(d, 'agent-token')), false);

  await ensureJoinToken(d, caFile, c);
  const first = await ensureAgentToken(d, caFile, c);
  assert.ok(!('error' in first));
  assert.equal(first.created, true);
  assert.equal(statSync(first.path).mode & 0o777, 0o600);
  const agent = parseJoinToken(readFileSync(first.path, 'utf8'));
  const server = parseJoinToken(readFileSync(join(d, 'token'), 'utf8'));
  assert.ok(!('error' in agent) && !('error' in server));
  assert.equal(agent.caHash, hash);
  assert.notEqual(agent.id, server.id);
  const s = await c.get<Secret>(Secrets, `bootstrap-token-${agent.id}`, 'kube-system');
  assert.equal(b64(s.data?.['token-secret']), agent.secret);
  assert.equal(b64(s.data?.['auth-extra-groups']), NODE_TOKEN_GROUP);
  const sv = await c.get<Secret>(Secrets, `bootstrap-token-${server.id}`, 'kube-system');
  assert.match(b64(sv.data?.['auth-extra-groups']), /server-token/, 'the server token keeps its server group');

  const again = await ensureAgentToken(d, caFile, c);
  assert.deepEqual(again, { path: first.path, created: false });
  assert.equal(await readAgentBearer(d), `${agent.id}.${agent.secret}`);

  const refused = await ensureAgentToken(d, caFile, c, 'bbbbbb.bbbbbbbbbbbbbbbb');
  assert.ok('error' in refused);
  assert.equal(await c.tryGet<Secret>(Secrets, 'bootstrap-token-bbbbbb', 'kube-system'), undefined, 'a refused flag creates no Secret');
});

test('ensureAgentToken with --agent-token on a fresh data dir takes it; writeAgentToken writes the K10 form a joiner keeps', async () => {
  const d = mkdtempSync(join(dir, 'flag-'));
  const caFile = join(d, 'ca.crt');
  writeFileSync(caFile, caPem);
  const c = new FakeClient();
  await ensureJoinToken(d, caFile, c);
  const r = await ensureAgentToken(d, caFile, c, 'bbbbbb.bbbbbbbbbbbbbbbb');
  assert.ok(!('error' in r) && r.created);
  assert.equal(readFileSync(join(d, 'agent-token'), 'utf8'), `${formatJoinToken(caPem, flagTok)}\n`);

  const j = mkdtempSync(join(dir, 'joiner-'));
  await writeAgentToken(j, caPem, undefined);
  assert.equal(existsSync(join(j, 'agent-token')), false, 'no agent token in old bootstrap data: nothing written');
  await writeAgentToken(j, caPem, 'bbbbbb.bbbbbbbbbbbbbbbb');
  assert.equal(readFileSync(join(j, 'agent-token'), 'utf8'), readFileSync(join(d, 'agent-token'), 'utf8'), 'the same file on every server');
});
