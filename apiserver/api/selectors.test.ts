import { test } from 'node:test';
import assert from 'node:assert/strict';
// Matching tables live in apiserver/client/selectors.test.ts (the shared implementation);
// here: the server's 400 answers for malformed selectors.
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { StatusError } from './errors.ts';

test('bad label selectors are 400', () => {
  for (const sel of ['app=web,', 'a b c', 'app in (web', '=x', 'app=-bad-', 'version>x']) {
    assert.throws(() => parseLabelSelector(sel), (e: unknown) => e instanceof StatusError && e.code === 400, sel);
  }
});

test('unsupported field labels and bad syntax are 400', () => {
  const allowed = new Set(['metadata.name', 'metadata.namespace']);
  assert.throws(() => parseFieldSelector('spec.foo=x', allowed), (e: unknown) => e instanceof StatusError && e.code === 400 && /field label not supported: spec.foo/.test(e.message));
  assert.throws(() => parseFieldSelector('justaword'), (e: unknown) => e instanceof StatusError && e.code === 400);
  assert.deepEqual(parseFieldSelector('metadata.name=a\\,b', allowed), [{ field: 'metadata.name', op: 'eq', value: 'a,b' }]);
});
