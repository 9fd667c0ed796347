import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { KubeObject } from '../../api/object.ts';
import type { ObjectGetter } from './getter.ts';
import { parseJws, signJws, verifyJws } from './jws.ts';
import { boundClaims, legacyClaims } from './sa-claims.ts';
import { audienceIntersection, checkBoundTimes, serviceAccountTokenAuthenticator } from './sa-token.ts';

const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const NOW_S = 1_800_000_000;
const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const stranger = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;

type Store = Record<string, KubeObject>;
const obj = (kind: string, ns: string, name: string, uid: string, more: Record<string, unknown> = {}): KubeObject =>
  ({ apiVersion: 'v1', kind, metadata: { name, namespace: ns, uid, ...more } }) as KubeObject;
const baseStore = (): Store => ({
  'serviceaccounts/ns1/robot': obj('ServiceAccount', 'ns1', 'robot', 'sa-uid'),
  'pods/ns1/web': obj('Pod', 'ns1', 'web', 'pod-uid'),
  'secrets/ns1/bound': obj('Secret', 'ns1', 'bound', 'secret-uid'),
});
const getter = (s: Store): ObjectGetter => async (r, ns, n) => s[`${r}/${ns}/${n}`];

const bound = (more: Partial<Parameters<typeof boundClaims>[0]> = {}): Record<string, unknown> => boundClaims({
  issuer: ISSUER, audiences: [ISSUER], nowSeconds: NOW_S, expirationSeconds: 3600, namespace: 'ns1',
  serviceAccount: { name: 'robot', uid: 'sa-uid' }, jti: 'j1', ...more,
});

test('jws: ES256 and RS256 round-trip; another key, a changed payload and garbage do not verify', () => {
  for (const key of [ec, rsa]) {
    const t = signJws(key, { a: 1 });
    assert.deepEqual(verifyJws(t, [createPublicKey(key)]), { claims: { a: 1 } });
    assert.equal(parseJws(t)?.header.alg, key === ec ? 'ES256' : 'RS256');
    assert.deepEqual(verifyJws(t, [createPublicKey(stranger)]), { error: 'invalid signature' });
    const [h, , sig] = t.split('.');
    assert.deepEqual(verifyJws(`${h}.${Buffer.from('{"a":2}').toString('base64url')}.${sig}`, [createPublicKey(key)]), { error: 'invalid signature' });
  }
  assert.deepEqual(verifyJws('a.b', [createPublicKey(ec)]), { error: 'malformed token' });
});

test('checkBoundTimes and audienceIntersection', () => {
  assert.deepEqual(audienceIntersection('x', ['x', 'y']), ['x']);
  assert.deepEqual(audienceIntersection(['y', 'z'], ['x', 'y']), ['y']);
  assert.deepEqual(checkBoundTimes({ exp: 10, nbf: 5, aud: ['a'] }, ['a'], 7), { audiences: ['a'] });
  assert.deepEqual(checkBoundTimes({ exp: 10, aud: ['a'] }, ['a'], 11), { error: 'service account token has expired' });
  assert.deepEqual(checkBoundTimes({ exp: 10, nbf: 8, aud: ['a'] }, ['a'], 7), { error: 'service account token is not valid yet' });
  assert.deepEqual(checkBoundTimes({ aud: ['a'] }, ['a'], 7), { error: 'service account token has no expiry' });
  assert.match((checkBoundTimes({ exp: 10, aud: ['b'] }, ['a'], 7) as { error: string }).error, /^token audiences \["b"\] is invalid for the target audiences \["a"\]$/);
});

test('ServiceAccount token authenticator table', async () => {
  const saUser = { username: 'system:serviceaccount:ns1:robot', uid: 'sa-uid', groups: ['system:serviceaccounts', 'system:serviceaccounts:ns1', 'system:authenticated'] };
  const legacyToken = signJws(ec, legacyClaims('ns1', 'robot', 'sa-uid', 'robot-token'));
  const withLegacySecret = (token: string, more: Record<string, unknown> = {}): Store => ({
    ...baseStore(), 'secrets/ns1/robot-token': { ...obj('Secret', 'ns1', 'robot-token', 'st-uid', more), data: { token: Buffer.from(token).toString('base64') } } as KubeObject,
  });
  const cases: Array<{ name: string; token: string; store?: Store; audiences?: string[]; nowS?: number; key?: KeyObject; want: 'none' | RegExp | Record<string, unknown> }> = [
    { name: 'bound, good', token: signJws(ec, bound()), want: { kind: 'user', audiences: [ISSUER], user: { ...saUser, extra: { 'authentication.kubernetes.io/credential-id': ['JTI=j1'] } } } },
    { name: 'bound, RS256 key', token: signJws(rsa, bound()), key: rsa, want: { kind: 'user', audiences: [ISSUER], user: { ...saUser, extra: { 'authentication.kubernetes.io/credential-id': ['JTI=j1'] } } } },
    { name: 'bound to a pod', token: signJws(ec, bound({ pod: { name: 'web', uid: 'pod-uid' } })), want: { kind: 'user', audiences: [ISSUER], user: { ...saUser, extra: { 'authentication.kubernetes.io/pod-name': ['web'], 'authentication.kubernetes.io/pod-uid': ['pod-uid'], 'authentication.kubernetes.io/credential-id': ['JTI=j1'] } } } },
    { name: 'expired', token: signJws(ec, bound()), nowS: NOW_S + 3601, want: /^service account token has expired$/ },
    { name: 'not yet valid', token: signJws(ec, bound()), nowS: NOW_S - 1, want: /^service account token is not valid yet$/ },
    { name: 'wrong audience', token: signJws(ec, bound({ audiences: ['vault'] })), want: /^token audiences \["vault"\] is invalid/ },
    { name: 'accepted audience given by the caller', token: signJws(ec, bound({ audiences: ['vault'] })), audiences: ['vault'], want: { kind: 'user', audiences: ['vault'], user: { ...saUser, extra: { 'authentication.kubernetes.io/credential-id': ['JTI=j1'] } } } },
    { name: 'wrong signature', token: signJws(stranger, bound()), want: /^invalid signature$/ },
    { name: 'deleted SA', token: signJws(ec, bound()), store: { 'pods/ns1/web': baseStore()['pods/ns1/web'] }, want: /^serviceaccounts "robot" not found$/ },
    { name: 'recreated SA (other uid)', token: signJws(ec, bound()), store: { ...baseStore(), 'serviceaccounts/ns1/robot': obj('ServiceAccount', 'ns1', 'robot', 'new-uid') }, want: /^service account UID \(sa-uid\) does not match claim/ },
    { name: 'deleted pod', token: signJws(ec, bound({ pod: { name: 'gone', uid: 'x' } })), want: /^pods "gone" not found$/ },
    { name: 'recreated pod', token: signJws(ec, bound({ pod: { name: 'web', uid: 'old' } })), want: /^pod UID \(pod-uid\) does not match claim \(old\)$/ },
    { name: 'pod deleted over 60 s ago', token: signJws(ec, bound({ pod: { name: 'web', uid: 'pod-uid' } })), store: { ...baseStore(), 'pods/ns1/web': obj('Pod', 'ns1', 'web', 'pod-uid', { deletionTimestamp: new Date((NOW_S - 120) * 1000).toISOString() }) }, want: /has been deleted$/ },
    { name: 'bound to a secret', token: signJws(ec, bound({ secret: { name: 'bound', uid: 'secret-uid' } })), want: { kind: 'user', audiences: [ISSUER], user: { ...saUser, extra: { 'authentication.kubernetes.io/credential-id': ['JTI=j1'] } } } },
    { name: 'bound secret deleted', token: signJws(ec, bound({ secret: { name: 'nope', uid: 'x' } })), want: /^secrets "nope" not found$/ },
    { name: 'legacy, good', token: legacyToken, store: withLegacySecret(legacyToken), want: { kind: 'user', user: { ...saUser, extra: { 'authentication.kubernetes.io/credential-id': ['Secret=robot-token'] } } } },
    { name: 'legacy, secret holds another token', token: legacyToken, store: withLegacySecret('other'), want: /^token does not match the secret$/ },
    { name: 'legacy, secret deleted', token: legacyToken, want: /^secrets "robot-token" not found$/ },
    { name: 'legacy, secret being deleted', token: legacyToken, store: withLegacySecret(legacyToken, { deletionTimestamp: '2026-01-01T00:00:00Z' }), want: /has been deleted$/ },
    { name: 'legacy, SA deleted', token: legacyToken, store: { 'secrets/ns1/robot-token': withLegacySecret(legacyToken)['secrets/ns1/robot-token'] }, want: /^serviceaccounts "robot" not found$/ },
    { name: 'another issuer', token: signJws(ec, bound({ issuer: 'https://elsewhere' })), want: 'none' },
    { name: 'not a JWT', token: 'abcdef.0123456789abcdef', want: 'none' },
  ];
  for (const c of cases) {
    const a = serviceAccountTokenAuthenticator({ issuer: ISSUER, publicKeys: [createPublicKey(c.key ?? ec)], get: getter(c.store ?? baseStore()), now: () => (c.nowS ?? NOW_S) * 1000 });
    const got = await a(c.token, c.audiences ?? [ISSUER]);
    if (c.want === 'none') assert.deepEqual(got, { kind: 'none' }, c.name);
    else if (c.want instanceof RegExp) {
      assert.equal(got.kind, 'error', c.name);
      assert.match((got as { message: string }).message, c.want, c.name);
    } else assert.deepEqual(got, c.want, c.name);
  }
});
