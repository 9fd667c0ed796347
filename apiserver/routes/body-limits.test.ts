import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../api/errors.ts';
import { checkJsonDepth, checkJsonValue, MAX_NESTING_DEPTH } from './body-limits.ts';
import { decodeBody } from './body.ts';

const codeOf = (fn: () => unknown): number | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e instanceof StatusError ? e.code : -1;
  }
};
const nested = (depth: number): string => `{"a":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;

test('checkJsonDepth: 10,000 levels pass, 10,001 are 400 exceeded max depth; brackets in strings do not count', () => {
  assert.equal(MAX_NESTING_DEPTH, 10000);
  assert.equal(codeOf(() => checkJsonDepth(nested(10000))), undefined);
  assert.equal(codeOf(() => checkJsonDepth(nested(10001))), 400);
  assert.equal(codeOf(() => checkJsonDepth(JSON.stringify({ s: '['.repeat(20000) }))), undefined);
  assert.equal(codeOf(() => checkJsonDepth(JSON.stringify({ s: '\\"['.repeat(20000) }))), undefined, 'escaped quotes stay inside the string');
  assert.equal(codeOf(() => checkJsonDepth('[[]]', 1)), 400);
  assert.equal(codeOf(() => checkJsonDepth('[],[],[]', 1)), undefined, 'siblings do not add up');
});

test('checkJsonDepth returns a bound on the depth: the length of text no longer than the cap, else the deepest nesting', () => {
  const cases: Array<[string, number, number]> = [
    ['{}', 10, 2],
    ['[[1]]', 2, 2],
    ['[[1]]', 4, 2],
    ['[[1]],[2]', 4, 2],
    ['{"s":"[[[["}', 4, 1],
    [nested(1001), 10000, nested(1001).length],
    [nested(999), 1000, 999],
  ];
  for (const [text, max, want] of cases) assert.equal(checkJsonDepth(text, max), want, `${text.slice(0, 20)} max ${max}`);
});

test('decodeBody: JSON deeper than 1,000 levels is 400 whether or not the text is longer than the cap; a deep key JSON.parse drops is no error', () => {
  const deep = (depth: number, pad = 0): string => `{"p":"${'x'.repeat(pad)}","a":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;
  assert.equal(codeOf(() => decodeBody('application/json', deep(1000))), undefined);
  assert.equal(codeOf(() => decodeBody('application/json', deep(1001))), 400);
  assert.equal(codeOf(() => decodeBody('application/json', deep(1001, 20000))), 400);
  assert.equal(codeOf(() => decodeBody('application/json', deep(1000, 20000))), undefined);
  assert.deepEqual(decodeBody('application/json', `{"a":${'['.repeat(1500)}${']'.repeat(1500)},"a":1}`), { a: 1 }, 'the last duplicate key wins, as before');
  assert.deepEqual(decodeBody('application/json', Buffer.from(JSON.stringify({ kind: 'Pod', metadata: { name: 'p' } }))), { kind: 'Pod', metadata: { name: 'p' } });
});

test('checkJsonValue: only JSON values, finite numbers, bounded depth', () => {
  assert.equal(codeOf(() => checkJsonValue({ a: [1, 'x', null, true, { b: 2 }] }, 'yaml')), undefined);
  for (const bad of [{ a: Infinity }, { a: NaN }, { a: new Set([1]) }, { a: Buffer.from('x') }, { a: new Date(0) }, { a: 1n }]) {
    assert.equal(codeOf(() => checkJsonValue(bad, 'yaml')), 400);
  }
  assert.equal(codeOf(() => checkJsonValue([[[1]]], 'yaml', 2)), 400);
});

test('decodeBody: YAML is one document of one JSON object; 1.1 tags and alias bombs are refused; JSON depth is capped', () => {
  assert.deepEqual(decodeBody('application/yaml', 'kind: ConfigMap\ndata:\n  a: "1"\n'), { kind: 'ConfigMap', data: { a: '1' } });
  assert.deepEqual(decodeBody('application/yaml; charset=utf-8', '{"a": 1}'), { a: 1 });
  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]', 'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]', 'e: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]'].join('\n');
  const bad: Array<[string, string]> = [
    ['multi-document', 'a: 1\n---\nb: 2\n'], ['scalar', '42'], ['list', '- a\n- b\n'], ['null', 'null\n'], ['alias bomb', bomb],
    ['.inf', 'a: .inf\n'], ['.nan', 'a: .nan\n'], ['duplicate keys', 'a: 1\na: 2\n'], ['syntax', 'a: [\n'],
    ['deep flow', `a: ${'['.repeat(20000)}${']'.repeat(20000)}\n`],
  ];
  for (const [name, text] of bad) assert.equal(codeOf(() => decodeBody('application/yaml', text)), 400, name);
  assert.deepEqual(decodeBody('application/yaml', 'a: !!binary aGVsbG8=\nb: !!set {x}\nc: !!timestamp 2001-12-14\n'), { a: 'aGVsbG8=', b: { x: null }, c: '2001-12-14' }, 'YAML 1.1 tags stay JSON (no Buffer, Set or Date)');
  assert.equal(codeOf(() => decodeBody('text/yaml', 'a: 1\n')), 415, 'Kubernetes decodes application/yaml only');
  assert.equal(codeOf(() => decodeBody('application/json', nested(10001))), 400);
  const before = Object.getOwnPropertyNames(Object.prototype).sort();
  const y = decodeBody('application/yaml', '__proto__: {polluted: yes}\nconstructor: {prototype: {polluted: yes}}\n') as unknown as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(y), Object.prototype);
  assert.ok(Object.prototype.hasOwnProperty.call(y, '__proto__'), '__proto__ is an own key');
  assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), before);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});
