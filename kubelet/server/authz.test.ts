import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SubjectAccessReview } from 'kubernetes-types/authorization/v1';
import { requestAttributes } from './attributes.ts';
import { createWebhookAuthorizer, reviewKey, subjectAccessReview } from './authz.ts';

const alice = { name: 'alice', groups: ['devs'], uid: 'u1', extra: { scopes: ['a'] } };

test('subjectAccessReview: the standard shape on nodes/<subresource>', () => {
  const [a] = requestAttributes(alice, 'GET', '/logs/x', 'n1');
  assert.deepEqual(subjectAccessReview(a!), {
    apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
    spec: { user: 'alice', groups: ['devs'], uid: 'u1', extra: { scopes: ['a'] }, resourceAttributes: { verb: 'get', group: '', version: 'v1', resource: 'nodes', subresource: 'log', name: 'n1' } },
  });
});

test('reviewKey differs by user, groups, verb, subresource and node', () => {
  const base = requestAttributes(alice, 'GET', '/logs/x', 'n1')[0]!;
  const others = [
    requestAttributes({ ...alice, name: 'bob' }, 'GET', '/logs/x', 'n1')[0]!,
    requestAttributes({ ...alice, groups: [] }, 'GET', '/logs/x', 'n1')[0]!,
    requestAttributes(alice, 'POST', '/logs/x', 'n1')[0]!,
    requestAttributes(alice, 'GET', '/stats/summary', 'n1')[0]!,
    requestAttributes(alice, 'GET', '/logs/x', 'n2')[0]!,
  ];
  for (const o of others) assert.notEqual(reviewKey(o), reviewKey(base));
  assert.equal(reviewKey(requestAttributes(alice, 'GET', '/logs/y', 'n1')[0]!), reviewKey(base), 'the path below the subresource does not matter');
});

test('webhook authorizer: status.allowed decides; answers cached 5 min if allowed, 30 s if not; failures not cached', async () => {
  let now = 0;
  const sent: SubjectAccessReview[] = [];
  let allowed = new Set(['alice']);
  let failing = false;
  const authorize = createWebhookAuthorizer({
    now: () => now,
    review: async (r) => {
      sent.push(r);
      if (failing) throw new Error('connection refused');
      return { allowed: allowed.has(r.spec.user ?? '') };
    },
  });
  const a = requestAttributes(alice, 'GET', '/containerLogs/d/p/c', 'n1')[0]!;
  const b = requestAttributes({ name: 'bob', groups: [] }, 'GET', '/containerLogs/d/p/c', 'n1')[0]!;
  assert.equal(await authorize(a), 'allow');
  assert.equal(await authorize(b), 'deny');
  assert.equal(sent.length, 2);
  allowed = new Set(['bob']);
  now = 29_999;
  assert.deepEqual([await authorize(a), await authorize(b)], ['allow', 'deny'], 'both cached');
  assert.equal(sent.length, 2);
  now = 30_000;
  assert.equal(await authorize(b), 'allow', 'the denial expired after 30 s');
  assert.equal(await authorize(a), 'allow', 'the allow is still cached');
  assert.equal(sent.length, 3);
  now = 5 * 60_000;
  assert.equal(await authorize(a), 'deny', 'the allow expired after 5 min');
  assert.equal(sent.length, 4);
  failing = true;
  now = 10 * 60_000;
  assert.deepEqual(await authorize(a), { error: 'connection refused' });
  failing = false;
  allowed = new Set(['alice']);
  assert.equal(await authorize(a), 'allow', 'the failure was not cached');
  assert.equal(sent.length, 6);
});

test('webhook authorizer: the cache is bounded', async () => {
  let calls = 0;
  const authorize = createWebhookAuthorizer({ now: () => 0, maxEntries: 2, review: async () => { calls++; return { allowed: true }; } });
  const attrs = ['a', 'b', 'c'].map((n) => requestAttributes({ name: n, groups: [] }, 'GET', '/', 'n1')[0]!);
  for (const x of attrs) await authorize(x);
  await authorize(attrs[2]!);
  assert.equal(calls, 3, 'c is still cached');
  await authorize(attrs[0]!);
  assert.equal(calls, 4, 'a, the oldest, was dropped');
});
