import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffWatches } from './secret-watch.ts';

test('diffWatches: start new references, stop dropped ones, keep the rest', () => {
  const rows: Array<{ name: string; have: string[]; want: Array<[string, string]>; start: string[]; stop: string[] }> = [
    { name: 'empty', have: [], want: [], start: [], stop: [] },
    { name: 'first references', have: [], want: [['a', 'x'], ['b', 'x']], start: ['a/x', 'b/x'], stop: [] },
    { name: 'unchanged', have: ['a/x'], want: [['a', 'x']], start: [], stop: [] },
    { name: 'one swapped', have: ['a/x', 'a/y'], want: [['a', 'x'], ['a', 'z']], start: ['a/z'], stop: ['a/y'] },
    { name: 'same name, other namespace', have: ['a/x'], want: [['b', 'x']], start: ['b/x'], stop: ['a/x'] },
    { name: 'all gone', have: ['b/x', 'a/x'], want: [], start: [], stop: ['a/x', 'b/x'] },
  ];
  for (const r of rows) {
    const d = diffWatches(r.have, r.want.map(([namespace, name]) => ({ namespace, name })));
    assert.deepEqual(d.start.map((s) => `${s.namespace}/${s.name}`), r.start, r.name);
    assert.deepEqual(d.stop, r.stop, r.name);
  }
});
