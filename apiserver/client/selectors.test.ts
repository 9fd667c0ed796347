import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileSelectors, labelSelectorMatches, parseLabelSelector } from './selectors.ts';
import { mergePatch, strategicMergePatch } from './patch.ts';

test('label selectors match like Kubernetes', () => {
  const labels = { app: 'web', tier: 'fe' };
  const cases: [string, boolean][] = [
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['app!=db', true],
    ['missing!=x', true],
    ['app', true],
    ['!app', false],
    ['!missing', true],
    ['app in (db, web)', true],
    ['app notin (db,web)', false],
    ['missing notin (a)', true],
    ['app=web,tier=fe', true],
    ['app=web,tier=be', false],
  ];
  for (const [sel, want] of cases) {
    assert.equal(compileSelectors(sel)({ metadata: { labels } }), want, sel);
  }
  assert.throws(() => parseLabelSelector('a=(b'));
});

test('field selectors compare dotted paths as strings', () => {
  const obj = { metadata: { name: 'p', namespace: 'ns' }, spec: { nodeName: 'n1' }, status: { phase: 'Running' } };
  const cases: [string, boolean][] = [
    ['spec.nodeName=n1', true],
    ['spec.nodeName==n1', true],
    ['spec.nodeName!=n1', false],
    ['status.phase!=Succeeded,status.phase!=Failed', true],
    ['metadata.name=p,metadata.namespace=ns', true],
    ['spec.schedulerName=', true],
  ];
  for (const [sel, want] of cases) assert.equal(compileSelectors(undefined, sel)(obj), want, sel);
});

test('meta/v1 LabelSelector matching', () => {
  const l = { app: 'web' };
  assert.equal(labelSelectorMatches({ matchLabels: { app: 'web' } }, l), true);
  assert.equal(labelSelectorMatches({ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, l), false);
  assert.equal(labelSelectorMatches({}, l), true, 'empty selector selects all');
  assert.equal(labelSelectorMatches(undefined, l), false, 'nil selector selects nothing');
});

test('merge and strategic patches', () => {
  assert.deepEqual(mergePatch({ a: 1, b: { c: 2, d: 3 }, l: [1, 2] }, { b: { c: null, e: 4 }, l: [3] }), { a: 1, b: { d: 3, e: 4 }, l: [3] });
  const cur = { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] } };
  const patched = strategicMergePatch(cur, {
    $setElementOrder: { containers: [{ name: 'a' }, { name: 'b' }] },
    spec: { containers: [{ name: 'b', image: 'z' }, { name: 'a', $patch: 'delete' }] },
  });
  assert.deepEqual(patched, { spec: { containers: [{ name: 'b', image: 'z' }] } });
});
