import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { asksDryRun, finalizerIdle, prototypeChanges, responseViolation, restorePrototypes, snapshotPrototypes, storedValueViolation, stuckNamespaces } from './invariants.ts';
import { nodes, obj, toText, update, pointer } from './arbitraries/json-ast.ts';
import { applyMutation } from './arbitraries/mutate.ts';
import { deep } from './arbitraries/hostile.ts';
import { encodeSegment } from './arbitraries/seeds.ts';
import type { FuzzRequest } from './arbitraries/requests.ts';

const status = (code: number, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code, reason: 'BadRequest', message: 'm', ...extra });

describe('responseViolation', () => {
  const table: Array<[string, string, number, string, string | undefined]> = [
    ['2xx passes', 'GET', 200, '{}', undefined],
    ['a Status 400 passes', 'POST', 400, status(400), undefined],
    ['500 is a violation even as a Status', 'POST', 500, status(500), 'HTTP 500'],
    ['504 on a write is a violation', 'POST', 504, status(504, { reason: 'Timeout' }), 'HTTP 504'],
    ['504 Timeout on a read passes (future resourceVersion)', 'GET', 504, status(504, { reason: 'Timeout' }), undefined],
    ['504 on a read must still be a Timeout Status', 'GET', 504, status(504), 'HTTP 504'],
    ['fastify JSON is not a Status', 'GET', 400, '{"error":"Bad Request","statusCode":400}', 'error body is not a v1 Status (kind undefined, apiVersion undefined)'],
    ['text is not a Status', 'GET', 404, 'nope', 'non-JSON error body (text/plain)'],
    ['code must match', 'GET', 404, status(400), 'Status.code 400 differs from HTTP 404'],
    ['status must be Failure', 'GET', 404, status(404, { status: 'Success' }), 'Status.status is "Success", not "Failure"'],
    ['reason required', 'GET', 404, status(404, { reason: '' }), 'Status has no reason'],
    ['HEAD has no body to check', 'HEAD', 404, '', undefined],
  ];
  for (const [name, method, code, body, want] of table) {
    test(name, () => {
      assert.equal(responseViolation(method, { code, contentType: body.startsWith('{') ? 'application/json' : 'text/plain', body }), want);
    });
  }
});

describe('asksDryRun', () => {
  const req = (method: string, url: string, body?: string): FuzzRequest => ({ family: 't', method, url, body });
  const table: Array<[string, FuzzRequest, boolean]> = [
    ['query All', req('POST', '/x?dryRun=All'), true],
    ['All among other values', req('POST', '/x?dryRun=x&dryRun=All'), true],
    ['lower-case is not All', req('POST', '/x?dryRun=all'), false],
    ['no query', req('POST', '/x'), false],
    ['DELETE body', req('DELETE', '/x', '{"dryRun":["All"]}'), true],
    ['DELETE body string is not a list', req('DELETE', '/x', '{"dryRun":"All"}'), false],
    ['garbage DELETE body', req('DELETE', '/x', '{'), false],
    ['POST body is not delete options', req('POST', '/x', '{"dryRun":["All"]}'), false],
  ];
  for (const [name, r, want] of table) test(name, () => assert.equal(asksDryRun(r), want));
});

describe('storedValueViolation', () => {
  const namespaced = (r: string): boolean | undefined => (r === 'configmaps' ? true : r === 'nodes' ? false : undefined);
  const table: Array<[string, string, unknown, string | undefined]> = [
    ['well formed', '/registry/configmaps/ns/a', { metadata: { name: 'a', namespace: 'ns', labels: { x: 'y' } } }, undefined],
    ['cluster-scoped', '/registry/nodes/n', { metadata: { name: 'n' } }, undefined],
    ['unknown resource keys are not checked', '/registry/serviceips/10.0.0.1', 'x', undefined],
    ['name not a string', '/registry/configmaps/ns/true', { metadata: { name: true, namespace: 'ns' } }, 'metadata.name true does not match the key'],
    ['namespace mismatch', '/registry/configmaps/ns/a', { metadata: { name: 'a', namespace: 'other' } }, 'metadata.namespace "other" does not match the key'],
    ['labels not a map', '/registry/nodes/n', { metadata: { name: 'n', labels: 5 } }, 'metadata.labels is not a map'],
    ['annotation not a string', '/registry/nodes/n', { metadata: { name: 'n', annotations: { a: 1 } } }, 'metadata.annotations["a"] is not a string'],
  ];
  for (const [name, key, value, want] of table) {
    test(name, () => assert.equal(storedValueViolation(key, typeof value === 'string' ? value : JSON.stringify(value), namespaced), want));
  }
});

describe('finalizerIdle / stuckNamespaces', () => {
  const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64');
  const namespaced = (r: string): boolean | undefined => (r === 'pods' ? true : r === 'namespaces' ? false : undefined);
  const ns = (name: string, opts: { terminating?: boolean; finalizers?: string[]; spec?: string[] } = {}): [string, string] => [`/registry/namespaces/${name}`, b64({
    metadata: { name, ...(opts.terminating ? { deletionTimestamp: 't' } : {}), ...(opts.finalizers ? { finalizers: opts.finalizers } : {}) },
    spec: { finalizers: opts.spec ?? [] },
  })];
  const pod = (n: string, name: string, terminating: boolean): [string, string] => [`/registry/pods/${n}/${name}`, b64({ metadata: { name, namespace: n, ...(terminating ? { deletionTimestamp: 't' } : {}) } })];
  const table: Array<[string, Array<[string, string]>, boolean, number]> = [
    ['nothing terminating', [ns('a'), pod('a', 'p', false)], true, 0],
    ['a live pod in a terminating namespace: a pass is due', [ns('a', { terminating: true }), pod('a', 'p', false)], false, 1],
    ['only terminating pods left: idle, but stuck', [ns('a', { terminating: true }), pod('a', 'p', true)], true, 1],
    ['empty, no finalizers: removal is due', [ns('a', { terminating: true })], false, 1],
    ['empty, kept by its own finalizer: idle', [ns('a', { terminating: true, finalizers: ['x'] })], true, 1],
    ['empty, own finalizer, but the kubernetes spec finalizer still to drop', [ns('a', { terminating: true, finalizers: ['x'], spec: ['kubernetes'] })], false, 1],
  ];
  for (const [name, kvs, idle, stuck] of table) {
    test(name, () => {
      const m = new Map(kvs);
      assert.equal(finalizerIdle(m, namespaced), idle);
      assert.equal(stuckNamespaces(m, namespaced).size, stuck);
    });
  }
});

describe('prototype snapshots', () => {
  test('an added property is reported and removed', () => {
    const before = snapshotPrototypes();
    (Object.prototype as Record<string, unknown>).fuzzPolluted = 'yes';
    try {
      assert.deepEqual(prototypeChanges(before), ['Object.prototype.fuzzPolluted (added)']);
    } finally {
      restorePrototypes(before);
    }
    assert.deepEqual(prototypeChanges(before), []);
    assert.equal(({} as Record<string, unknown>).fuzzPolluted, undefined);
  });
});

describe('json-ast', () => {
  test('toText keeps duplicate keys, __proto__ keys and raw numbers', () => {
    assert.equal(toText(obj(['a', 1], ['a', { raw: '1e400' }], ['__proto__', obj(['x', null])])), '{"a":1,"a":1e400,"__proto__":{"x":null}}');
  });
  test('toText writes 20,000-deep trees without overflowing the stack', () => {
    assert.equal(toText(deep(20_000, false)).length, 40_001);
  });
  test('nodes stops at the depth cap', () => {
    assert.equal(nodes(deep(10_000, true)).length, 49);
  });
  test('update replaces and removes by path', () => {
    const j = obj(['metadata', obj(['name', 'a'], ['labels', obj(['x', 'y'])])]);
    assert.equal(toText(update(j, ['metadata', 'name'], () => 5) ?? null), '{"metadata":{"name":5,"labels":{"x":"y"}}}');
    assert.equal(toText(update(j, ['metadata', 'labels'], () => undefined) ?? null), '{"metadata":{"name":"a"}}');
  });
  test('pointer escapes ~ and /', () => {
    assert.equal(pointer(['metadata', 'labels', 'a/b~c', 0]), '/metadata/labels/a~1b~0c/0');
  });
  test('mutations are pure and deterministic', () => {
    const j = obj(['a', obj(['b', 'c'])]);
    const m = { op: 'wrongType' as const, pick: 2, seed: 7 };
    assert.equal(toText(applyMutation(j, m)), toText(applyMutation(j, m)));
    assert.equal(toText(j), '{"a":{"b":"c"}}');
    assert.equal(toText(applyMutation(j, { op: 'insert', pick: 0, key: '__proto__', value: 1 })), '{"a":{"b":"c"},"__proto__":1}');
  });
  test('encodeSegment never throws, even on a lone surrogate', () => {
    assert.equal(encodeSegment('a/b %'), 'a%2Fb%20%25');
    assert.equal(encodeSegment('\ud800'), '%EF%BF%BD');
  });
});
