import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OwnerReference } from 'kubernetes-types/meta/v1';
import type { KubeObject } from '../../apiserver/api/object.ts';
import { decideDependent, decideOwner, stateOfOwner, type OwnerState } from './decide.ts';

const ref = (uid: string, block = true): OwnerReference => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `rs-${uid}`, uid, controller: true, blockOwnerDeletion: block });
const obj = (name: string, refs: OwnerReference[], extra: { deleting?: boolean; finalizers?: string[]; uid?: string } = {}): KubeObject => ({
  metadata: {
    name, namespace: 'default', uid: extra.uid ?? `uid-${name}`, ownerReferences: refs,
    deletionTimestamp: extra.deleting ? '2024-01-01T00:00:00Z' : undefined, finalizers: extra.finalizers,
  },
});

test('decideDependent: table', () => {
  const cases: Array<{ name: string; o: KubeObject; states: Record<string, OwnerState>; deps?: boolean; want: ReturnType<typeof decideDependent> }> = [
    { name: 'no owners', o: obj('p', []), states: {}, want: { kind: 'none' } },
    { name: 'owner present', o: obj('p', [ref('a')]), states: { a: 'solid' }, want: { kind: 'none' } },
    { name: 'unknown owner state counts as solid', o: obj('p', [ref('a')]), states: {}, want: { kind: 'none' } },
    { name: 'owner gone → background delete', o: obj('p', [ref('a')]), states: { a: 'absent' }, want: { kind: 'delete', policy: 'Background' } },
    { name: 'all owners gone', o: obj('p', [ref('a'), ref('b', false)]), states: { a: 'absent', b: 'absent' }, want: { kind: 'delete', policy: 'Background' } },
    { name: 'one of two owners gone → drop the dangling ref', o: obj('p', [ref('a'), ref('b')]), states: { a: 'absent', b: 'solid' }, want: { kind: 'removeOwnerRefs', uids: ['a'] } },
    { name: 'owner waiting, leaf dependent → background', o: obj('p', [ref('a')]), states: { a: 'waiting' }, want: { kind: 'delete', policy: 'Background' } },
    { name: 'owner waiting, dependent has dependents → foreground', o: obj('rs', [ref('a')]), states: { a: 'waiting' }, deps: true, want: { kind: 'delete', policy: 'Foreground' } },
    { name: 'waiting + solid owners → drop the waiting ref', o: obj('p', [ref('a'), ref('b')]), states: { a: 'waiting', b: 'solid' }, want: { kind: 'removeOwnerRefs', uids: ['a'] } },
    { name: 'already being deleted', o: obj('p', [ref('a')], { deleting: true }), states: { a: 'absent' }, want: { kind: 'none' } },
  ];
  for (const c of cases) assert.deepEqual(decideDependent(c.o, new Map(Object.entries(c.states)), c.deps ?? false), c.want, c.name);
});

test('stateOfOwner', () => {
  assert.equal(stateOfOwner(obj('d', [])), 'solid');
  assert.equal(stateOfOwner(obj('d', [], { deleting: true })), 'solid', 'plain deletion is not foreground');
  assert.equal(stateOfOwner(obj('d', [], { deleting: true, finalizers: ['foregroundDeletion'] })), 'waiting');
});

test('decideOwner: orphan, foreground, not deleting', () => {
  const owner = (finalizers: string[], deleting = true): KubeObject => obj('rs', [], { uid: 'a', deleting, finalizers });
  const blocking = obj('p1', [ref('a', true)]);
  const nonBlocking = obj('p2', [ref('a', false)]);
  const goingAway = obj('p3', [ref('a', true)], { deleting: true });

  assert.deepEqual(decideOwner(owner(['orphan']), [blocking, nonBlocking]), { orphan: [blocking, nonBlocking], process: [], removeFinalizer: 'orphan' });
  assert.deepEqual(decideOwner(owner(['orphan']), []), { orphan: [], process: [], removeFinalizer: 'orphan' });
  assert.deepEqual(decideOwner(owner(['foregroundDeletion']), [blocking, nonBlocking, goingAway]), { orphan: [], process: [blocking, nonBlocking], removeFinalizer: undefined });
  assert.deepEqual(decideOwner(owner(['foregroundDeletion']), [goingAway]), { orphan: [], process: [], removeFinalizer: undefined }, 'a blocking dependent still terminating holds the owner');
  assert.deepEqual(decideOwner(owner(['foregroundDeletion']), [nonBlocking]), { orphan: [], process: [nonBlocking], removeFinalizer: 'foregroundDeletion' });
  assert.deepEqual(decideOwner(owner(['foregroundDeletion']), []), { orphan: [], process: [], removeFinalizer: 'foregroundDeletion' });
  assert.deepEqual(decideOwner(owner(['foregroundDeletion'], false), [blocking]), { orphan: [], process: [] });
  assert.deepEqual(decideOwner(owner(['example.com/other']), [blocking]), { orphan: [], process: [] });
});
