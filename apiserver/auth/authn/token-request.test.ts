import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/object.ts';
import { StatusError } from '../../api/errors.ts';
import { checkBoundObject, planTokenRequest } from './token-request.ts';
import { reviewToken, selfSubjectReview } from './reviews.ts';
import type { TokenAuthenticator } from './types.ts';

const API = ['https://kubernetes.default.svc.cluster.local'];

test('planTokenRequest table', () => {
  const cases: Array<{ name: string; spec: Record<string, unknown>; want: unknown }> = [
    { name: 'defaults', spec: {}, want: { audiences: API, expirationSeconds: 3600 } },
    { name: 'empty audiences default', spec: { audiences: [] }, want: { audiences: API, expirationSeconds: 3600 } },
    { name: 'own audiences, 10 min', spec: { audiences: ['vault'], expirationSeconds: 600 }, want: { audiences: ['vault'], expirationSeconds: 600 } },
    { name: 'bound pod', spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: 'u' } }, want: { audiences: API, expirationSeconds: 3600, bound: { kind: 'Pod', name: 'p', uid: 'u' } } },
    { name: 'bound secret, no uid', spec: { boundObjectRef: { kind: 'Secret', name: 's' } }, want: { audiences: API, expirationSeconds: 3600, bound: { kind: 'Secret', name: 's' } } },
    { name: 'too short', spec: { expirationSeconds: 599 }, want: [422, 'TokenRequest.authentication.k8s.io "sa" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes'] },
    { name: 'too long', spec: { expirationSeconds: 2 ** 32 + 1 }, want: [422, `TokenRequest.authentication.k8s.io "sa" is invalid: spec.expirationSeconds: Invalid value: ${2 ** 32 + 1}: may not specify a duration larger than 2^32 seconds`] },
    { name: 'bind to a ConfigMap', spec: { boundObjectRef: { kind: 'ConfigMap', name: 'c' } }, want: [400, 'cannot bind token for object of kind "ConfigMap"'] },
  ];
  for (const c of cases) {
    const got = planTokenRequest('sa', { spec: c.spec }, API);
    if (Array.isArray(c.want)) {
      assert.ok(got instanceof StatusError, c.name);
      assert.deepEqual([got.code, got.status.message], c.want, c.name);
    } else assert.deepEqual(got, c.want, c.name);
  }
});

test('checkBoundObject: absent is 404, another uid 409, else name and uid', () => {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', uid: 'u1' } } as KubeObject;
  assert.deepEqual(checkBoundObject({ kind: 'Pod', name: 'p' }, pod), { name: 'p', uid: 'u1' });
  assert.equal((checkBoundObject({ kind: 'Pod', name: 'p' }, undefined) as StatusError).code, 404);
  const c = checkBoundObject({ kind: 'Pod', name: 'p', uid: 'u0' }, pod) as StatusError;
  assert.equal(c.code, 409);
  assert.match(c.status.message ?? '', /the UID in the bound object reference \(u0\) does not match the UID in record/);
});

test('reviewToken: authenticated, refused with the error, audiences defaulted, 400 without a token', async () => {
  const seen: string[][] = [];
  const t: TokenAuthenticator = async (tok, auds) => {
    seen.push(auds);
    return tok === 'good' ? { kind: 'user', user: { username: 'u', groups: ['g'] }, audiences: auds } : { kind: 'error', message: 'nope' };
  };
  const ok = await reviewToken({ spec: { token: 'good' } }, [t], API) as { status: unknown };
  assert.deepEqual(ok.status, { authenticated: true, user: { username: 'u', groups: ['g'] }, audiences: API });
  const bad = await reviewToken({ spec: { token: 'bad', audiences: ['x'] } }, [t], API) as { status: unknown; spec: unknown };
  assert.deepEqual(bad.status, { user: {}, error: 'nope' });
  assert.deepEqual(bad.spec, { token: 'bad', audiences: ['x'] });
  assert.deepEqual(seen, [API, ['x']]);
  assert.equal((await reviewToken({ spec: {} }, [t], API) as StatusError).code, 400);
  assert.deepEqual(selfSubjectReview({ username: 'u', uid: 'id', groups: [], extra: { k: ['v'] } }, 'v1beta1').status, { userInfo: { username: 'u', uid: 'id', groups: [], extra: { k: ['v'] } } });
});
