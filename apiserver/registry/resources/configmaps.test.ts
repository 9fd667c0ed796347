import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap } from 'kubernetes-types/core/v1';
import { StatusError } from '../../api/errors.ts';
import { configMapsResource } from './configmaps.ts';
import { base64ErrorOffset } from './configdata.ts';

const def = configMapsResource();
const s = def.strategy;
const keyMsg = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
const locked = 'Forbidden: field is immutable when `immutable` is set';

test('configmap validation causes in Kubernetes wording', () => {
  const cases: Array<[string, ConfigMap, Array<[string, string]>]> = [
    ['valid', { metadata: { name: 'web.conf' }, data: { 'a.b_c-D': '1' }, binaryData: { bin: 'AAEC' } }, []],
    ['bad name', { metadata: { name: 'Web' } }, [['metadata.name', 'Invalid value: "Web": a lowercase RFC 1123 subdomain']]],
    ['bad key', { metadata: { name: 'a' }, data: { 'a/b': 'x' } }, [['data[a/b]', `Invalid value: "a/b": ${keyMsg}`]]],
    ['dot', { metadata: { name: 'a' }, data: { '.': 'x' } }, [['data[.]', 'Invalid value: ".": must not be \'.\'']]],
    ['dotdot', { metadata: { name: 'a' }, binaryData: { '..': 'AA==' } }, [['binaryData[..]', 'Invalid value: "..": must not be \'..\'']]],
    ['leading dotdot', { metadata: { name: 'a' }, data: { '..x': 'y' } }, [['data[..x]', 'Invalid value: "..x": must not start with \'..\'']]],
    ['too long key', { metadata: { name: 'a' }, data: { ['k'.repeat(254)]: 'y' } }, [[`data[${'k'.repeat(254)}]`, 'Invalid value: "kkk']]],
    ['key in both', { metadata: { name: 'a' }, data: { k: 'x' }, binaryData: { k: 'eA==' } }, [
      ['data[k]', 'Invalid value: "k": duplicate of key present in binaryData'],
      ['binaryData[k]', 'Invalid value: "k": duplicate of key present in data'],
    ]],
    ['over 1 MiB', { metadata: { name: 'a' }, data: { a: 'x'.repeat(1024 * 1024) }, binaryData: { b: 'AA==' } }, [['', 'Too long: may not be more than 1048576 bytes']]],
    ['exactly 1 MiB', { metadata: { name: 'a' }, data: { a: 'x'.repeat(1024 * 1024) } }, []],
  ];
  for (const [name, cm, want] of cases) {
    s.prepareForCreate!(cm);
    const got = s.validate!(cm);
    assert.equal(got.length, want.length, `${name}: ${JSON.stringify(got).slice(0, 500)}`);
    want.forEach(([field, msg], i) => {
      assert.equal(got[i]!.field, field, name);
      assert.ok(got[i]!.message.startsWith(msg), `${name}: ${got[i]!.message}`);
    });
  }
});

test('configmap bodies that Kubernetes cannot decode are 400s', () => {
  const cases: Array<[ConfigMap, string]> = [
    [{ metadata: { name: 'a' }, data: { n: 1 as unknown as string } }, 'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap.data of type string'],
    [{ metadata: { name: 'a' }, binaryData: { b: 'AA=' } }, 'ConfigMap in version "v1" cannot be handled as a ConfigMap: illegal base64 data at input byte 3'],
    [{ metadata: { name: 'a' }, data: ['x'] as unknown as Record<string, string> }, 'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal array into Go struct field ConfigMap.data of type map[string]string'],
  ];
  for (const [cm, msg] of cases) {
    assert.throws(() => s.prepareForCreate!(cm), (e: unknown) => e instanceof StatusError && e.code === 400 && e.message === msg);
  }
});

test('base64 errors at the offsets Go reports', () => {
  const cases: Array<[string, number | undefined]> = [
    ['', undefined], ['eA==', undefined], ['eHk=', undefined], ['eHl6', undefined], ['eHl6\neA==\r\n', undefined],
    ['eA', 0], ['eHl6eA', 4], ['e!==', 1], ['=', 0], ['eA=', 3], ['eA=x', 2], ['eA==x', 4], ['eHk=eA==', 4], ['x y', 1],
  ];
  for (const [input, want] of cases) assert.equal(base64ErrorOffset(input), want, JSON.stringify(input));
});

test('immutable configmaps refuse changes to data, binaryData and immutable', () => {
  const old: ConfigMap = { metadata: { name: 'a' }, data: { k: 'v' }, immutable: true };
  const check = (next: ConfigMap): Array<string> => {
    s.prepareForUpdate!(next, old);
    return s.validateUpdate!(next, old).map((c) => `${c.field}: ${c.message}`);
  };
  assert.deepEqual(check({ metadata: { name: 'a', labels: { x: 'y' } }, data: { k: 'v' }, immutable: true }), []);
  assert.deepEqual(check({ metadata: { name: 'a' }, data: { k: 'w' }, immutable: true }), [`data: ${locked}`]);
  assert.deepEqual(check({ metadata: { name: 'a' }, data: { k: 'v' }, binaryData: { b: 'AA==' }, immutable: true }), [`binaryData: ${locked}`]);
  assert.deepEqual(check({ metadata: { name: 'a' }, data: { k: 'v' } }), [`immutable: ${locked}`]);
  assert.deepEqual(check({ metadata: { name: 'a' }, data: { k: 'v' }, immutable: false }), [`immutable: ${locked}`]);
  const mutable: ConfigMap = { metadata: { name: 'a' }, data: { k: 'v' } };
  assert.deepEqual(s.validateUpdate!({ metadata: { name: 'a' }, data: { k: 'w' }, immutable: true }, mutable), []);
});

test('configmap table: DATA counts data and binaryData keys', () => {
  const cm: ConfigMap = { metadata: { name: 'a', creationTimestamp: '2026-01-01T00:00:00Z' }, data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } };
  assert.deepEqual(def.table.columns.map((c) => c.name), ['Data', 'Age']);
  assert.deepEqual(def.table.cells(cm, Date.parse('2026-01-01T00:05:00Z')), [3, '5m']);
  assert.deepEqual(def.table.cells({ metadata: { name: 'e', creationTimestamp: '2026-01-01T00:00:00Z' } }, Date.parse('2026-01-01T00:05:00Z')), [0, '5m']);
});
