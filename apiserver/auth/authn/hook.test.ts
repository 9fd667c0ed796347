import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { quietLogger } from '../../../testutil/log.ts';
import { bearerAuthenticator, bearerTokenOf } from './bearer.ts';
import { registerAuthentication } from './hook.ts';
import { isPublicPath } from './public-paths.ts';
import type { Authenticator, TokenAuthenticator } from './types.ts';
import { unionAuthenticator } from './union.ts';
import { StatusError } from '../../api/errors.ts';

const alice = { username: 'alice', groups: ['dev', 'system:authenticated'] };
/** Accepts the token 'good', rejects 'bad', ignores the rest. */
const tokens: TokenAuthenticator = async (t) => (t === 'good' ? { kind: 'user', user: alice } : t === 'bad' ? { kind: 'error', message: 'bad token' } : { kind: 'none' });

test('bearerTokenOf', () => {
  assert.equal(bearerTokenOf('Bearer abc'), 'abc');
  assert.equal(bearerTokenOf('bearer  abc '), 'abc');
  assert.equal(bearerTokenOf('Basic abc'), undefined);
  assert.equal(bearerTokenOf('Bearer '), undefined);
  assert.equal(bearerTokenOf(undefined), undefined);
});

test('isPublicPath: the public paths and their subpaths only', () => {
  for (const p of ['/healthz', '/livez', '/readyz', '/version', '/readyz/etcd', '/livez/ping?verbose', '/version/', '/cacerts']) assert.equal(isPublicPath(p), true, p);
  for (const p of ['/', '/api', '/readyzz', '/versions', '/apis/version', '/api/v1/namespaces/readyz', '/cacertsx']) assert.equal(isPublicPath(p), false, p);
});

test('union: first user wins; errors join; all none is none', async () => {
  const none: Authenticator = async () => ({ kind: 'none' });
  const err = (m: string): Authenticator => async () => ({ kind: 'error', message: m });
  const ok: Authenticator = async () => ({ kind: 'user', user: alice });
  assert.deepEqual(await unionAuthenticator([none, ok])({ clientCerts: [] }), { kind: 'user', user: alice });
  assert.deepEqual(await unionAuthenticator([err('x509'), ok])({ clientCerts: [] }), { kind: 'user', user: alice });
  assert.deepEqual(await unionAuthenticator([err('a'), none, err('b')])({ clientCerts: [] }), { kind: 'error', message: 'a, b' });
  assert.deepEqual(await unionAuthenticator([none])({ clientCerts: [] }), { kind: 'none' });
  // A token nobody recognises is an error, not "no credentials".
  assert.equal((await bearerAuthenticator([tokens], ['api'])({ clientCerts: [], bearerToken: 'unknown' })).kind, 'error');
});

async function app(authenticator: Authenticator | undefined) {
  const a = Fastify();
  a.setErrorHandler((e, _req, reply) => {
    if (e instanceof StatusError) return reply.code(e.code).send(e.status);
    return reply.code(500).send(String(e));
  });
  registerAuthentication(a, authenticator, quietLogger('test'));
  a.get('/api', async (req) => req.user);
  a.get('/readyz', async (req) => req.user);
  await a.ready();
  return a;
}

test('plain-HTTP mode: every request is system:admin in system:masters', async () => {
  const a = await app(undefined);
  assert.deepEqual((await a.inject({ url: '/api' })).json(), { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] });
});

test('authenticated mode: user attached; anonymous 401 but on public paths; a bad credential is 401 even there', async () => {
  const a = await app(bearerAuthenticator([tokens], ['api']));
  const good = await a.inject({ url: '/api', headers: { authorization: 'Bearer good' } });
  assert.deepEqual(good.json(), alice);
  const anon = await a.inject({ url: '/api' });
  assert.equal(anon.statusCode, 401);
  assert.deepEqual(anon.json(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
  assert.deepEqual((await a.inject({ url: '/readyz' })).json(), { username: 'system:anonymous', groups: ['system:unauthenticated'] });
  assert.equal((await a.inject({ url: '/readyz', headers: { authorization: 'Bearer bad' } })).statusCode, 401);
  assert.equal((await a.inject({ url: '/api', headers: { authorization: 'Bearer unknown' } })).statusCode, 401);
  // Unknown paths are 401 too: nothing about the API is revealed anonymously.
  assert.equal((await a.inject({ url: '/nowhere' })).statusCode, 401);
});

test('an authenticator that throws (storage down) is 401, not 500', async () => {
  const a = await app(async () => { throw new Error('etcd unreachable'); });
  const r = await a.inject({ url: '/api', headers: { authorization: 'Bearer good' } });
  assert.equal(r.statusCode, 401);
  assert.equal((r.json() as { reason: string }).reason, 'Unauthorized');
});
