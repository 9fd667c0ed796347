import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1';
import { canonicalJson, fnv1a32, podTemplateHash, templatesEqualIgnoringHash } from './hash.ts';

const tpl = (image: string): PodTemplateSpec => ({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } });

test('fnv1a32 matches the reference vectors', () => {
  assert.equal(fnv1a32(''), 0x811c9dc5);
  assert.equal(fnv1a32('a'), 0xe40c292c);
  assert.equal(fnv1a32('foobar'), 0xbf9cf968);
});

test('canonicalJson sorts keys and drops undefined', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } }), '{"a":{"d":[1,{"y":2,"z":1}]},"b":1}');
});

test('podTemplateHash is stable, key-order independent, DNS-safe and <= 10 chars', () => {
  const h = podTemplateHash(tpl('nginx:1'));
  assert.equal(h, podTemplateHash(tpl('nginx:1')));
  // Pinned value: changing it renames every existing ReplicaSet, so it must not drift.
  assert.equal(h, podTemplateHash({ spec: { containers: [{ image: 'nginx:1', name: 'c' }] }, metadata: { labels: { app: 'web' } } }));
  assert.match(h, /^[a-z0-9]{1,10}$/);
  assert.notEqual(h, podTemplateHash(tpl('nginx:2')));
  assert.notEqual(h, podTemplateHash(tpl('nginx:1'), 1), 'collisionCount changes the hash');
  assert.notEqual(podTemplateHash(tpl('nginx:1'), 1), podTemplateHash(tpl('nginx:1'), 2));
  const withHash = tpl('nginx:1');
  withHash.metadata = { labels: { app: 'web', 'pod-template-hash': h } };
  assert.equal(podTemplateHash(withHash), h, 'own hash label ignored');
  assert.equal(withHash.metadata.labels?.['pod-template-hash'], h, 'input not mutated');
});

test('podTemplateHash pinned output (a change would rename every existing ReplicaSet)', () => {
  assert.equal(podTemplateHash(tpl('nginx:1')), '79bfd649dc');
  assert.equal(podTemplateHash(tpl('nginx:1'), 1), '7475647655');
});

test('templatesEqualIgnoringHash', () => {
  const a = tpl('x');
  const b = tpl('x');
  b.metadata = { labels: { app: 'web', 'pod-template-hash': 'abc' } };
  assert.equal(templatesEqualIgnoringHash(a, b), true);
  assert.equal(templatesEqualIgnoringHash(a, tpl('y')), false);
  assert.equal(templatesEqualIgnoringHash({ spec: { containers: [] } }, { metadata: { labels: { 'pod-template-hash': 'q' } }, spec: { containers: [] } }), true);
});
