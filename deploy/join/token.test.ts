/** Table tests of the join token format and the CA hash (k3s pkg/clientaccess/token.go rules). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { bootstrapTokenSecret, NODE_TOKEN_GROUP, secretHoldsToken, SERVER_TOKEN_GROUP, tokenGroups, type TokenKind } from './bootstrap-secret.ts';
import { caHash, formatJoinToken, newBootstrapToken, parseJoinToken } from './token.ts';

const CA = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
const HASH = createHash('sha256').update(CA).digest('hex');

test('caHash is the hex SHA-256 of the bundle bytes, for text and bytes alike', () => {
  assert.equal(caHash(CA), HASH);
  assert.equal(caHash(Buffer.from(CA)), HASH);
  assert.notEqual(caHash(`${CA}\n`), HASH, 'a changed byte changes the hash');
});

test('formatJoinToken writes K10<hash>::<id>.<secret> and parses back', () => {
  const text = formatJoinToken(CA, { id: 'abcdef', secret: '0123456789abcdef' });
  assert.equal(text, `K10${HASH}::abcdef.0123456789abcdef`);
  assert.deepEqual(parseJoinToken(`  ${text}\n`), { caHash: HASH, id: 'abcdef', secret: '0123456789abcdef' });
});

test('parseJoinToken refuses what the agent cannot verify or use, without echoing the secret', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /empty/],
    ['abcdef.0123456789abcdef', /does not start with K10/],
    [`K10${HASH}abcdef.0123456789abcdef`, /no "::"/],
    ['K10::abcdef.0123456789abcdef', /no CA hash/],
    ['K10abc::abcdef.0123456789abcdef', /64 hex digits/],
    [`K10${'z'.repeat(64)}::abcdef.0123456789abcdef`, /64 hex digits/],
    [`K10${HASH}::user:password`, /not a bootstrap token/],
    [`K10${HASH}::ABCDEF.0123456789abcdef`, /not a bootstrap token/],
    [`K10${HASH}::abcdef.0123456789abcde`, /not a bootstrap token/],
    [`K10${HASH}::abcde.0123456789abcdef0`, /not a bootstrap token/],
  ];
  for (const [text, want] of cases) {
    const r = parseJoinToken(text);
    assert.ok('error' in r, text);
    assert.match(r.error, want, text);
    assert.ok(!r.error.includes('0123456789abcde'), `no secret in: ${r.error}`);
  }
  assert.deepEqual(parseJoinToken(`K10${HASH.toUpperCase()}::abcdef.0123456789abcdef`), { caHash: HASH, id: 'abcdef', secret: '0123456789abcdef' }, 'hex case is free');
});

test('newBootstrapToken draws 6 + 16 characters of [a-z0-9] from the injected source', () => {
  let n = 0;
  const t = newBootstrapToken((max) => (n++ * 7) % max);
  assert.match(`${t.id}.${t.secret}`, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
  assert.equal(n, 22);
  assert.deepEqual(newBootstrapToken(() => 0), { id: 'aaaaaa', secret: 'a'.repeat(16) });
  assert.deepEqual(newBootstrapToken((max) => max - 1), { id: '999999', secret: '9'.repeat(16) });
});

test('the bootstrap Secrets: the server token in the node and server groups, the agent token in the node group only; secretHoldsToken compares them', () => {
  const t = { id: 'abcdef', secret: '0123456789abcdef' };
  const cases: Array<{ kind: TokenKind; groups: string }> = [
    { kind: 'server', groups: 'system:bootstrappers:skiff:default-node-token,system:bootstrappers:skiff:server-token' },
    { kind: 'agent', groups: 'system:bootstrappers:skiff:default-node-token' },
  ];
  for (const { kind, groups } of cases) {
    const s = bootstrapTokenSecret(t, kind);
    const d = (k: string): string => Buffer.from(s.data?.[k] ?? '', 'base64').toString('utf8');
    assert.equal(s.metadata?.name, 'bootstrap-token-abcdef');
    assert.equal(s.metadata?.namespace, 'kube-system');
    assert.equal(s.type, 'bootstrap.kubernetes.io/token');
    assert.deepEqual([d('token-id'), d('token-secret'), d('usage-bootstrap-authentication'), d('usage-bootstrap-signing'), d('auth-extra-groups')],
      ['abcdef', '0123456789abcdef', 'true', 'true', groups], kind);
    assert.equal(d('expiration'), '', 'no expiration, as k3s\'s tokens');
    assert.equal(secretHoldsToken(s, t, kind), true);
    assert.equal(secretHoldsToken(s, { ...t, secret: 'ffffffffffffffff' }, kind), false);
    assert.equal(secretHoldsToken({ ...s, type: 'Opaque' }, t, kind), false);
    assert.equal(secretHoldsToken(undefined, t, kind), false);
  }
  assert.equal(secretHoldsToken(bootstrapTokenSecret(t, 'agent'), t, 'server'), false, 'an agent-token Secret is rewritten when the id becomes the server token');
  assert.equal(secretHoldsToken(bootstrapTokenSecret(t, 'server'), t, 'agent'), false);
  assert.deepEqual(tokenGroups('agent'), [NODE_TOKEN_GROUP]);
  assert.ok(!tokenGroups('agent').includes(SERVER_TOKEN_GROUP) && tokenGroups('server').includes(SERVER_TOKEN_GROUP));
});
