import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { bearerToken, createAuthenticator, x509User, type PeerCertificate } from './authn.ts';

test('x509User: verified cert → CN user in O groups; anything else unauthenticated', () => {
  const ok: PeerCertificate = { authorized: true, commonName: 'system:node:n1', organizations: ['system:nodes'] };
  assert.deepEqual(x509User(ok), { user: { name: 'system:node:n1', groups: ['system:nodes'] } });
  const table: Array<[string, PeerCertificate | undefined]> = [
    ['no cert', undefined],
    ['untrusted', { authorized: false, authorizationError: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', commonName: 'x', organizations: [] }],
    ['empty CN', { authorized: true, commonName: '', organizations: ['g'] }],
  ];
  for (const [name, peer] of table) assert.ok('unauthenticated' in x509User(peer), name);
});

test('bearerToken', () => {
  assert.equal(bearerToken('Bearer abc.def'), 'abc.def');
  assert.equal(bearerToken('bearer abc'), 'abc');
  assert.equal(bearerToken('Basic abc'), undefined);
  assert.equal(bearerToken('Bearer '), undefined);
  assert.equal(bearerToken(undefined), undefined);
});

/** A plain-HTTP request stand-in: no TLS socket, only headers. */
const plainRequest = (authorization?: string): IncomingMessage => ({ socket: {}, headers: authorization ? { authorization } : {} }) as unknown as IncomingMessage;

test('createAuthenticator: the TokenReview is asked only for a bearer token; its failure is 401, not an error', async () => {
  const asked: string[] = [];
  const authn = createAuthenticator({
    reviewToken: async (t) => {
      asked.push(t);
      if (t === 'boom') throw new Error('apiserver down');
      return t === 'good' ? { name: 'system:serviceaccount:default:x', groups: ['system:serviceaccounts'] } : undefined;
    },
  });
  assert.deepEqual(await authn(plainRequest('Bearer good')), { user: { name: 'system:serviceaccount:default:x', groups: ['system:serviceaccounts'] } });
  assert.ok('unauthenticated' in (await authn(plainRequest('Bearer bad'))));
  assert.match(String((await authn(plainRequest('Bearer boom')) as { unauthenticated: string }).unauthenticated), /apiserver down/);
  assert.ok('unauthenticated' in (await authn(plainRequest())));
  assert.deepEqual(asked, ['good', 'bad', 'boom']);
  assert.ok('unauthenticated' in (await createAuthenticator()(plainRequest('Bearer good'))), 'no reviewer: tokens are not accepted');
});
