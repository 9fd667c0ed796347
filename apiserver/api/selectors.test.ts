import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchFields, matchLabels, parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { StatusError } from './errors.ts';

const labels = { app: 'web', tier: 'front', version: '3', 'example.com/team': 'a' };

test('label selectors match as Kubernetes does', () => {
  const cases: Array<[string, boolean]> = [
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['app!=db', true],
    ['missing!=x', true],
    ['app in (web,db)', true],
    ['app in (db)', false],
    ['app notin (db, cache)', true],
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
  for (const [sel, want] of cases) assert.equal(matchLabels(parseLabelSelector(sel), labels), want, sel);
});

test('bad label selectors are 400', () => {
  for (const sel of ['app=web,', 'a b c', 'app in (web', '=x', 'app=-bad-', 'version>x']) {
    assert.throws(() => parseLabelSelector(sel), (e: unknown) => e instanceof StatusError && e.code === 400, sel);
  }
});

test('field selectors', () => {
  const fields = { 'metadata.name': 'p1', 'metadata.namespace': 'default', 'spec.nodeName': 'n1', 'status.phase': 'Running' };
  const cases: Array<[string, boolean]> = [
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

test('unsupported field labels and bad syntax are 400', () => {
  const allowed = new Set(['metadata.name', 'metadata.namespace']);
  assert.throws(() => parseFieldSelector('spec.foo=x', allowed), (e: unknown) => e instanceof StatusError && e.code === 400 && /field label not supported: spec.foo/.test(e.message));
  assert.throws(() => parseFieldSelector('justaword'), (e: unknown) => e instanceof StatusError && e.code === 400);
  assert.deepEqual(parseFieldSelector('metadata.name=a\\,b', allowed), [{ field: 'metadata.name', op: 'eq', value: 'a,b' }]);
});
