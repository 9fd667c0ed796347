import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints } from 'kubernetes-types/core/v1';
import { OwnWrites, rvOf } from './fresh.ts';

const ep = (rv: string | undefined, ip = '10.0.0.1'): Endpoints => ({ metadata: { name: 'e', namespace: 'd', resourceVersion: rv }, subsets: [{ addresses: [{ ip }] }] });

test('own writes win over an older cache until the cache catches up; deletes hide the cached copy', () => {
  assert.equal(rvOf(ep('12')), 12);
  assert.equal(rvOf(ep(undefined)), -1);
  const w = new OwnWrites<Endpoints>();
  const cached = ep('5');
  assert.equal(w.fresh('d/e', cached), cached, 'nothing written: the cached object');
  w.wrote('d/e', ep('9', '10.0.0.2'));
  assert.equal(w.fresh('d/e', ep('5'))?.metadata?.resourceVersion, '9');
  w.observed('d/e', ep('7'));
  assert.equal(w.fresh('d/e', ep('7'))?.metadata?.resourceVersion, '9', 'cache still older');
  w.observed('d/e', ep('9'));
  assert.equal(w.fresh('d/e', ep('9', '10.0.0.3'))?.subsets?.[0]?.addresses?.[0]?.ip, '10.0.0.3', 'caught up: the cache is used');
  w.removed('d/e');
  assert.equal(w.fresh('d/e', ep('9')), undefined);
  w.observed('d/e', undefined);
  assert.equal(w.fresh('d/e', ep('10'))?.metadata?.resourceVersion, '10', 'recreated later by someone');
});
