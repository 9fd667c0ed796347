import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VerifiedCertCache } from './x509-cache.ts';

const user = (name: string) => ({ username: name, groups: ['system:authenticated'] });
const der = (s: string): Buffer => Buffer.from(s);

test('VerifiedCertCache table: hit inside the window, miss (and eviction) outside it, unknown bytes miss', () => {
  const c = new VerifiedCertCache();
  c.set(der('a'), { user: user('a'), notBeforeMs: 100, notAfterMs: 200 });
  const cases: Array<[string, Buffer, number, string | undefined]> = [
    ['inside', der('a'), 150, 'a'],
    ['at notBefore', der('a'), 100, 'a'],
    ['at notAfter', der('a'), 200, 'a'],
    ['other bytes', der('b'), 150, undefined],
    ['before the window', der('a'), 99, undefined],
  ];
  for (const [name, d, at, want] of cases) assert.equal(c.get(d, at)?.username, want, name);
  assert.equal(c.size, 0, 'an entry asked outside its window is dropped');
});

test('VerifiedCertCache keeps at most max entries, dropping the least recently used', () => {
  const c = new VerifiedCertCache(2);
  const w = { notBeforeMs: 0, notAfterMs: 10 };
  c.set(der('a'), { user: user('a'), ...w });
  c.set(der('b'), { user: user('b'), ...w });
  assert.equal(c.get(der('a'), 5)?.username, 'a');
  c.set(der('c'), { user: user('c'), ...w });
  assert.equal(c.size, 2);
  assert.equal(c.get(der('b'), 5), undefined, 'b was least recently used');
  assert.equal(c.get(der('a'), 5)?.username, 'a');
  assert.equal(c.get(der('c'), 5)?.username, 'c');
});
