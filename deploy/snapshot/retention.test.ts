import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createdAt, snapshotsToPrune, type SnapshotEntry } from './retention.ts';

const e = (name: string): SnapshotEntry => ({ name, size: 1, created: createdAt(name, new Date(0)) });
const P = 'etcd-snapshot-n1-';

test('snapshotsToPrune: table', () => {
  const cases: Array<{ title: string; names: string[]; retention: number; want: string[] }> = [
    { title: 'under the limit', names: [`${P}100`, `${P}200`], retention: 5, want: [] },
    { title: 'at the limit', names: [`${P}100`, `${P}200`], retention: 2, want: [] },
    { title: 'one over: the oldest goes', names: [`${P}300`, `${P}100`, `${P}200`], retention: 2, want: [`${P}100`] },
    { title: 'several over, oldest first', names: [`${P}5`, `${P}4`, `${P}3`, `${P}2`, `${P}1`], retention: 2, want: [`${P}1`, `${P}2`, `${P}3`] },
    { title: 'numeric, not lexical, order', names: [`${P}9`, `${P}10`, `${P}11`], retention: 2, want: [`${P}9`] },
    { title: 'other groups never counted or removed', names: [`${P}1`, `${P}2`, 'on-demand-n1-0', 'etcd-snapshot-n2-0', 'etcd-snapshot-n10-0', 'mine.db'], retention: 1, want: [`${P}1`] },
    { title: 'retention 0 keeps all', names: [`${P}1`, `${P}2`, `${P}3`], retention: 0, want: [] },
  ];
  for (const c of cases) {
    assert.deepEqual(snapshotsToPrune(c.names.map(e), P, c.retention).map((x) => x.name), c.want, c.title);
  }
});

test('createdAt: the name\'s seconds, else the mtime', () => {
  assert.deepEqual(createdAt(`${P}1744272483`, new Date(5)), new Date(1744272483_000));
  assert.deepEqual(createdAt('mine.db', new Date(5)), new Date(5));
});
