import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Secret } from 'kubernetes-types/core/v1';
import { StatusError } from '../../api/errors.ts';
import { secretsResource } from './secrets.ts';

const def = secretsResource();
const s = def.strategy;
const b64 = (v: string): string => Buffer.from(v, 'utf8').toString('base64');
const locked = 'Forbidden: field is immutable when `immutable` is set';

test('secret defaults: type Opaque, stringData merged into data as base64 and dropped', () => {
  const sec: Secret = { metadata: { name: 's' }, data: { a: b64('old'), keep: b64('k') }, stringData: { a: 'new', p: 'päss' } };
  s.prepareForCreate!(sec);
  assert.equal(sec.type, 'Opaque');
  assert.deepEqual(sec.data, { a: b64('new'), keep: b64('k'), p: b64('päss') });
  assert.equal('stringData' in sec, false);
  const only: Secret = { metadata: { name: 's' }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'c' } };
  s.prepareForCreate!(only);
  assert.equal(only.type, 'kubernetes.io/tls');
  assert.deepEqual(only.data, { 'tls.crt': b64('c') });
  const empty: Secret = { metadata: { name: 's' }, stringData: {} };
  s.prepareForCreate!(empty);
  assert.deepEqual(empty, { metadata: { name: 's' }, type: 'Opaque' });
  assert.deepEqual(s.validate!(sec), []);
});

test('secret data must decode: bad base64 and non-strings are 400s', () => {
  const cases: Array<[Secret, string]> = [
    [{ metadata: { name: 's' }, data: { p: 'not base64' } }, 'illegal base64 data at input byte 3'],
    [{ metadata: { name: 's' }, data: { p: 'eA' } }, 'illegal base64 data at input byte 0'],
    [{ metadata: { name: 's' }, stringData: { p: 5 as unknown as string } }, 'json: cannot unmarshal number into Go struct field Secret.stringData of type string'],
  ];
  for (const [sec, why] of cases) {
    assert.throws(() => s.prepareForCreate!(sec), (e: unknown) => e instanceof StatusError && e.code === 400 && e.message === `Secret in version "v1" cannot be handled as a Secret: ${why}`);
  }
});

test('secret validation: keys as configmap keys (stringData too), 1 MiB of decoded data', () => {
  const bad: Secret = { metadata: { name: 's' }, stringData: { 'a b': 'x' } };
  s.prepareForCreate!(bad);
  assert.deepEqual(s.validate!(bad).map((c) => [c.field, c.message.slice(0, 70)]), [['data[a b]', `Invalid value: "a b": a valid config key must consist of alphanumeric `]]);
  const big: Secret = { metadata: { name: 's' }, data: { a: Buffer.alloc(1024 * 1024 + 1).toString('base64') } };
  assert.deepEqual(s.validate!(big).map((c) => `${c.field}: ${c.message}`), ['data: Too long: may not be more than 1048576 bytes']);
  const max: Secret = { metadata: { name: 's' }, data: { a: Buffer.alloc(1024 * 1024).toString('base64') } };
  assert.deepEqual(s.validate!(max), []);
  assert.equal(s.validate!({ metadata: { name: 'S_1' } })[0]!.field, 'metadata.name');
});

test('secret updates: type is immutable, immutable locks data, stringData still merges', () => {
  const old: Secret = { metadata: { name: 's' }, type: 'Opaque', data: { p: b64('x') } };
  const retyped: Secret = { metadata: { name: 's' }, type: 'kubernetes.io/tls', data: { p: b64('x') } };
  s.prepareForUpdate!(retyped, old);
  assert.deepEqual(s.validateUpdate!(retyped, old).map((c) => `${c.field}: ${c.message}`), ['type: Invalid value: "kubernetes.io/tls": field is immutable']);
  const untyped: Secret = { metadata: { name: 's' }, data: { p: b64('x') } };
  s.prepareForUpdate!(untyped, { ...old, type: 'kubernetes.io/tls' });
  assert.deepEqual(s.validateUpdate!(untyped, { ...old, type: 'kubernetes.io/tls' }).map((c) => c.field), ['type']);
  const frozen: Secret = { ...old, immutable: true };
  const same: Secret = { metadata: { name: 's' }, stringData: { p: 'x' }, immutable: true };
  s.prepareForUpdate!(same, frozen);
  assert.deepEqual(s.validateUpdate!(same, frozen), []);
  const changed: Secret = { metadata: { name: 's' }, stringData: { p: 'y' } };
  s.prepareForUpdate!(changed, frozen);
  assert.deepEqual(s.validateUpdate!(changed, frozen).map((c) => `${c.field}: ${c.message}`), [`immutable: ${locked}`, `data: ${locked}`]);
});

test('secret table and field selector', () => {
  const sec: Secret = { metadata: { name: 's', creationTimestamp: '2026-01-01T00:00:00Z' }, type: 'Opaque', data: { a: 'eA==', b: 'eQ==' } };
  assert.deepEqual(def.table.columns.map((c) => c.name), ['Type', 'Data', 'Age']);
  assert.deepEqual(def.table.cells(sec, Date.parse('2026-01-01T02:00:00Z')), ['Opaque', 2, '120m']);
  assert.deepEqual(def.strategy.selectableFields!(sec), { type: 'Opaque' });
  assert.deepEqual(def.shortNames, []);
});

test('a stringData key named __proto__ is an ordinary data key (a valid config key), not the prototype', () => {
  const s = JSON.parse('{"metadata":{"name":"s"},"stringData":{"__proto__":"x","a":"b"}}') as Secret;
  secretsResource().strategy.prepareForCreate!(s);
  assert.equal(JSON.stringify(s.data), '{"__proto__":"eA==","a":"Yg=="}');
  assert.equal(Object.getPrototypeOf(s.data), Object.prototype);
});
