import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rfc3339 } from '../time.ts';
import { fieldPE } from './fieldpath.ts';
import { kindListTypes, type ListType } from './list-types.ts';
import { WriteMemo } from './memo.ts';
import { managerFromUserAgent } from './options.ts';

const podLists = kindListTypes('', 'v1', 'Pod');
const paths: string[][] = [
  ['spec', 'containers'], ['spec', 'containers', 'ports'], ['spec', 'containers', 'env'], ['spec', 'tolerations'],
  ['metadata', 'finalizers'], ['metadata', 'ownerReferences'], ['spec', 'volumes'], ['spec'], [], ['no', 'such', 'path'], ['spec', 'containers', '__proto__'],
];

test('WriteMemo.listTypes answers as the wrapped lookup, from memory after the first time, within its bound', () => {
  for (const limits of [{}, { listPaths: 2 }, { listPaths: 0 }]) {
    let calls = 0;
    const memo = new WriteMemo((p) => {
      calls++;
      return podLists(p);
    }, limits);
    for (let round = 0; round < 3; round++) {
      for (const p of paths) assert.deepEqual(memo.listTypes(p), podLists(p), `${p.join('.')} with ${JSON.stringify(limits)}`);
    }
    if (limits.listPaths === undefined) assert.equal(calls, paths.length, 'each path is looked up once');
  }
  const keyed = new WriteMemo(podLists).listTypes(['spec', 'containers', 'ports']) as Extract<ListType, { type: 'map' }>;
  assert.deepEqual([keyed.type, keyed.keys, keyed.defaults], ['map', ['containerPort', 'protocol'], { protocol: 'TCP' }]);
});

test('WriteMemo.managerFromUserAgent, time and fieldPE answer as the functions they remember', () => {
  const memo = new WriteMemo(podLists, { userAgents: 2, fieldNames: 2 });
  const agents = [undefined, '', 'kubectl/v1.30.0 (linux/amd64) kubernetes/abc', 'kube-scheduler/v1.30', 'a\u0007b/1', 'é'.repeat(200), 'kubectl/v1.30.0 (linux/amd64) kubernetes/abc'];
  for (const ua of [...agents, ...agents]) assert.equal(memo.managerFromUserAgent(ua), managerFromUserAgent(ua), String(ua));
  for (const ms of [0, 999, 1000, 1_700_000_000_123, 1_700_000_000_999, 1_700_000_001_000, 1_700_000_000_500, -1, -1000, -1001]) {
    assert.equal(memo.time(ms), rfc3339(ms), String(ms));
  }
  assert.throws(() => memo.time(Number.NaN), RangeError);
  for (const name of ['a', 'b', 'a', 'c', '__proto__', '', 'x'.repeat(100), 'a']) assert.equal(memo.fieldPE(name), fieldPE(name));
});
