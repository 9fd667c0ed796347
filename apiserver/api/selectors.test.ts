import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileSelectors, matchFields, matchLabels, parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { selectorMatches } from './label-selector.ts';
import { StatusError } from './errors.ts';

test('bad label selectors are 400', () => {
  for (const sel of ['app=web,', 'a b c', 'app in (web', '=x', 'app=-bad-', 'version>x']) {
    assert.throws(() => parseLabelSelector(sel), (e: unknown) => e instanceof StatusError && e.code === 400, sel);
  }
});

test('unsupported field labels and bad syntax are 400', () => {
  const allowed = new Set(['metadata.name', 'metadata.namespace']);
  assert.throws(() => parseFieldSelector('spec.foo=x', allowed), (e: unknown) => e instanceof StatusError && e.code === 400 && /field label not supported: spec.foo/.test(e.message));
  assert.throws(() => parseFieldSelector('justaword'), (e: unknown) => e instanceof StatusError && e.code === 400);
  assert.deepEqual(parseFieldSelector('metadata.name=a\\,b', allowed), [{ field: 'metadata.name', op: 'eq', value: 'a,b' }]);
});

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
  assert.throws(() => parseLabelSelector('a=(b'), StatusError);
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
  assert.equal(selectorMatches({ matchLabels: { app: 'web' } }, l), true);
  assert.equal(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, l), false);
  assert.equal(selectorMatches({}, l), true, 'empty selector selects all');
  assert.equal(selectorMatches(undefined, l), false, 'nil selector selects nothing');
});
