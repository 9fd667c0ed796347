import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/object.ts';
import type { StorageEvent } from '../storage/interface.ts';
import { testDefs } from '../routes/core.test-helper.ts';
import { buildMatcher } from './matcher.ts';
import { expiredEvent, toWatchEvent } from './watch.ts';

const pods = testDefs()[2];
const pod = (sel: string, rv: string): KubeObject => ({ metadata: { name: 'p', namespace: 'ns', labels: { sel }, resourceVersion: rv } });
const match = buildMatcher(pods, { labelSelector: 'sel=in' });

test('toWatchEvent maps changes through the selector', () => {
  const cases: Array<[string, StorageEvent, string | undefined]> = [
    ['create matching', { type: 'put', key: 'k', obj: pod('in', '2'), rev: 2 }, 'ADDED'],
    ['create not matching', { type: 'put', key: 'k', obj: pod('out', '2'), rev: 2 }, undefined],
    ['update staying in', { type: 'put', key: 'k', obj: pod('in', '3'), prev: pod('in', '2'), rev: 3 }, 'MODIFIED'],
    ['update moving in', { type: 'put', key: 'k', obj: pod('in', '3'), prev: pod('out', '2'), rev: 3 }, 'ADDED'],
    ['update moving out', { type: 'put', key: 'k', obj: pod('out', '3'), prev: pod('in', '2'), rev: 3 }, 'DELETED'],
    ['update staying out', { type: 'put', key: 'k', obj: pod('out', '3'), prev: pod('out', '2'), rev: 3 }, undefined],
    ['delete of a match', { type: 'delete', key: 'k', obj: pod('in', '4'), prev: pod('in', '3'), rev: 4 }, 'DELETED'],
    ['delete of a non-match', { type: 'delete', key: 'k', obj: pod('out', '4'), prev: pod('out', '3'), rev: 4 }, undefined],
  ];
  for (const [name, ev, want] of cases) {
    const out = toWatchEvent(ev, match);
    assert.equal(out?.type, want, name);
    if (out) assert.equal(out.object, ev.obj, `${name}: carries the new object`);
  }
});

test('field selectors use the strategy fields', () => {
  const m = buildMatcher(pods, { fieldSelector: 'spec.nodeName=n1' });
  assert.equal(m({ metadata: { name: 'a' }, spec: { nodeName: 'n1' } } as KubeObject), true);
  assert.equal(m({ metadata: { name: 'a' }, spec: {} } as KubeObject), false);
});

test('expiredEvent is an ERROR with a 410 Status', () => {
  const ev = expiredEvent('too old resource version: 1 (5)');
  assert.equal(ev.type, 'ERROR');
  assert.deepEqual([ (ev.object as { code?: number }).code, (ev.object as { reason?: string }).reason], [410, 'Expired']);
});
