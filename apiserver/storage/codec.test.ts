import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/object.ts';
import { canonicalHeadChars, canonicalHeadLength, decode, encode, stamped, stampedJson, stampedText } from './codec.ts';

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

test('canonicalHeadLength finds the end of encode\'s opening, up to metadata\'s brace, in the first 512 bytes', () => {
  const cases: Array<[string, number]> = [
    ['{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}}', '{"apiVersion":"v1","kind":"Pod","metadata":{'.length],
    ['{"apiVersion":"","kind":"","metadata":{}}', '{"apiVersion":"","kind":"","metadata":{'.length],
    ['{"apiVersion":"v1","kind":"Pöd","metadata":{}}', Buffer.byteLength('{"apiVersion":"v1","kind":"Pöd","metadata":{')],
    ['{"kind":"Pod","apiVersion":"v1","metadata":{}}', -1],
    ['{"apiVersion":"v\\"1","kind":"Pod","metadata":{}}', -1],
    ['{"apiVersion":"v1","kind":"Pod","metadata":null}', -1],
    ['{"apiVersion":"v1","kind":"Pod"}', -1],
    ['{"apiVersion":"v1","kind":"Pod","metadata":', -1],
    [`{"apiVersion":"${'v'.repeat(470)}","kind":"Pod","metadata":{}}`, 512],
    [`{"apiVersion":"${'v'.repeat(471)}","kind":"Pod","metadata":{}}`, -1],
    ['', -1],
  ];
  for (const [value, want] of cases) assert.equal(canonicalHeadLength(Buffer.from(value)), want, value);
});

test('stampedText splices resourceVersion first into metadata, byte for byte', () => {
  assert.equal(stampedText('{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{}}', '42').toString(), '{"apiVersion":"v1","kind":"Pod","metadata":{"resourceVersion":"42","name":"p"},"spec":{}}');
  assert.equal(stampedText(Buffer.from('{"apiVersion":"v1","kind":"Pöd","metadata":{}}'), '7').toString(), '{"apiVersion":"v1","kind":"Pöd","metadata":{"resourceVersion":"7"}}');
  // Not spliced: re-encoded from the decoded object, the stamp last.
  assert.equal(stampedText('{"kind":"Pod","metadata":{"name":"p"}}', '7').toString(), '{"kind":"Pod","metadata":{"name":"p","resourceVersion":"7"}}');
  assert.equal(stampedText('{"apiVersion":"v1","kind":"E","metadata":{"name":"e"},"x":{"resourceVersion":"3"}}', '7').toString(), '{"apiVersion":"v1","kind":"E","metadata":{"name":"e","resourceVersion":"7"},"x":{"resourceVersion":"3"}}');
});

test('stampedJson is stampedText as a string, byte for byte, and canonicalHeadChars its opening in code units', () => {
  const values = [
    encode({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { a: 'b' } }, spec: { containers: [] } } as KubeObject),
    encode({ apiVersion: 'v1', kind: 'Pod', metadata: {} } as KubeObject),
    '{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p"}}',
    '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","resourceVersion":"3"}}',
    '{"apiVersion":"v1","kind":"Event","metadata":{"name":"e"},"involvedObject":{"resourceVersion":"3"}}',
    '{"apiVersion":"v1","kind":"Pod"}',
    '{"apiVersion":"v1","kind":"Pöd✓😀","metadata":{"name":"p"}}',
    '{"apiVersion":"v\\"1","kind":"Pod","metadata":{"name":"p"}}',
    `{"apiVersion":"${'v'.repeat(470)}","kind":"Pod","metadata":{}}`,
    `{"apiVersion":"${'v'.repeat(471)}","kind":"Pod","metadata":{}}`,
    `{"apiVersion":"${'é'.repeat(235)}","kind":"Pod","metadata":{}}`,
    `{"apiVersion":"${'é'.repeat(236)}","kind":"Pod","metadata":{}}`,
  ];
  for (const v of values) {
    assert.equal(Buffer.from(stampedJson(v, '42')).toString('hex'), stampedText(v, '42').toString('hex'), v);
    const chars = canonicalHeadChars(v);
    assert.equal(chars < 0 ? -1 : Buffer.byteLength(v.slice(0, chars)), canonicalHeadLength(Buffer.from(v)), v);
  }
  assert.throws(() => stampedJson('not json', '1'), SyntaxError);
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
