import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileSelectors, labelSelectorMatches, matchFields, matchLabels, parseFieldSelector, parseLabelSelector, SelectorError } from './selectors.ts';
import { mergePatch, strategicMergePatch } from './patch.ts';

const labels = { app: 'web', tier: 'front', version: '3', 'example.com/team': 'a' };

test('label selectors match like Kubernetes', () => {
  const cases: [string, boolean][] = [
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['app!=db', true],
    ['missing!=x', true],
    ['app in (web,db)', true],
    ['app in (db, web)', true],
    ['app in (db)', false],
    ['app notin (db, cache)', true],
    ['app notin (db,web)', false],
    ['missing notin (db)', true],
    ['app', true],
    ['missing', false],
    ['!missing', true],
    ['!app', false],
    ['app=web,tier=front', true],
    ['app=web,tier=back', false],
    ['app in (web),!legacy,tier', true],
    ['version>2', true],
    ['version<2', false],
    ['example.com/team=a', true],
    [' app = web ', true],
  ];
  for (const [sel, want] of cases) {
    assert.equal(matchLabels(parseLabelSelector(sel), labels), want, sel);
    assert.equal(compileSelectors(sel)({ metadata: { labels } }), want, sel);
  }
  assert.throws(() => parseLabelSelector('a=(b'), SelectorError);
});

test('field selectors over selectable field values', () => {
  const fields = { 'metadata.name': 'p1', 'metadata.namespace': 'default', 'spec.nodeName': 'n1', 'status.phase': 'Running' };
  const cases: [string, boolean][] = [
    ['', true],
    ['metadata.name=p1', true],
    ['metadata.name==p1', true],
    ['metadata.name=p2', false],
    ['spec.nodeName=n1,status.phase!=Failed,status.phase!=Succeeded', true],
    ['spec.nodeName=', false],
    ['spec.nodeName!=', true],
    ['status.phase!=Running', false],
  ];
  for (const [sel, want] of cases) assert.equal(matchFields(parseFieldSelector(sel), fields), want, sel);
  assert.equal(matchFields(parseFieldSelector('spec.nodeName='), { 'spec.nodeName': '' }), true);
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
