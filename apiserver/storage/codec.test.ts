import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/object.ts';
import { decode, encode, stamped, stampedText } from './codec.ts';

test('encode drops resourceVersion and writes apiVersion, kind and metadata first, whatever the input order', () => {
  const obj = { spec: { template: { metadata: { name: 'inner' } } }, metadata: { name: 'a', resourceVersion: '9' }, kind: 'Deployment', apiVersion: 'apps/v1' } as KubeObject;
  assert.equal(encode(obj), '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"a"},"spec":{"template":{"metadata":{"name":"inner"}}}}');
  assert.equal(obj.metadata?.resourceVersion, '9', 'the input is not changed');
});

test('decode stamps resourceVersion on the parsed object', () => {
  assert.deepEqual(decode('{"metadata":{"name":"a"}}', '7'), { metadata: { name: 'a', resourceVersion: '7' } });
  assert.deepEqual(decode(Buffer.from('{"kind":"X"}'), '7'), { kind: 'X', metadata: { resourceVersion: '7' } });
  assert.throws(() => decode('{', '1'), SyntaxError);
});

test('stampedText is the decoded object as JSON, spliced or re-encoded', () => {
  const cases: Array<{ name: string; value: string }> = [
    { name: 'as encode writes it', value: encode({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { a: 'b' } }, spec: { containers: [] } } as KubeObject) },
    { name: 'empty metadata', value: encode({ apiVersion: 'v1', kind: 'Pod', metadata: {} } as KubeObject) },
    { name: 'another key order (older writer)', value: '{"kind":"Pod","apiVersion":"v1","spec":{"template":{"metadata":{}}},"metadata":{"name":"p"}}' },
    { name: 'a stale stored resourceVersion', value: '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","resourceVersion":"3"}}' },
    { name: 'resourceVersion elsewhere (an Event)', value: '{"apiVersion":"v1","kind":"Event","metadata":{"name":"e"},"involvedObject":{"resourceVersion":"3"}}' },
    { name: 'no apiVersion', value: '{"kind":"Pod","metadata":{"name":"p"}}' },
    { name: 'no metadata', value: '{"apiVersion":"v1","kind":"Pod"}' },
    { name: 'multi-byte UTF-8 before the stamp', value: '{"apiVersion":"v1","kind":"Pöd✓","metadata":{"name":"p"}}' },
    { name: 'an opening longer than the bytes searched', value: `{"apiVersion":"${'v'.repeat(600)}","kind":"Pod","metadata":{"name":"p"}}` },
    { name: 'escaped strings in the head', value: '{"apiVersion":"v\\"1","kind":"Pod","metadata":{"name":"p"}}' },
  ];
  for (const c of cases) {
    for (const value of [c.value, Buffer.from(c.value)]) {
      const text = stampedText(value, '42');
      assert.deepEqual(JSON.parse(text.toString()), decode(c.value, '42'), c.name);
    }
  }
});

test('stampedText re-encodes (and so rejects) a value it cannot splice', () => {
  assert.throws(() => stampedText('not json', '1'), SyntaxError);
});

test('stamped gives what decode(encode(obj)) gives, without parsing', () => {
  const cases: Array<{ name: string; obj: KubeObject }> = [
    { name: 'any key order, a stale resourceVersion', obj: { spec: { a: [1, { b: null }] }, metadata: { resourceVersion: '3', name: 'a', labels: { x: 'y' } }, kind: 'Pod', apiVersion: 'v1' } as KubeObject },
    { name: 'no metadata', obj: { apiVersion: 'v1', kind: 'Pod' } as KubeObject },
    { name: 'no apiVersion or kind', obj: { metadata: { name: 'a' }, data: { k: 'v' } } as KubeObject },
    { name: 'undefined members at the top and in metadata', obj: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', uid: undefined }, spec: undefined } as unknown as KubeObject },
    { name: 'an own __proto__ member at the top', obj: JSON.parse('{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"},"__proto__":{"x":1}}') as KubeObject },
    { name: 'an own __proto__ member in metadata', obj: JSON.parse('{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","__proto__":{"x":1}}}') as KubeObject },
    { name: 'metadata null', obj: { apiVersion: 'v1', kind: 'Pod', metadata: null } as unknown as KubeObject },
  ];
  for (const c of cases) {
    const got = stamped(c.obj, '42');
    assert.deepEqual(got, decode(encode(c.obj), '42'), c.name);
    assert.equal(JSON.stringify(got), JSON.stringify(decode(encode(c.obj), '42')), `${c.name}: same key order`);
    assert.equal(Object.getPrototypeOf(got), Object.prototype, `${c.name}: a plain object`);
  }
});

test('stamped does not change its input', () => {
  const obj = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', resourceVersion: '3' } } as KubeObject;
  stamped(obj, '9');
  assert.deepEqual(obj, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', resourceVersion: '3' } });
});
