import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSnapshotTable } from './table.ts';

test('formatSnapshotTable: k3s columns, file:// locations, bytes, RFC 3339, oldest first', () => {
  const text = formatSnapshotTable('/var/lib/skiff/snapshots', [
    { name: 'on-demand-n1-1744272600', size: 53297184, created: new Date(1744272600_000) },
    { name: 'etcd-snapshot-n1-1744272483', size: 20512, created: new Date(1744272483_000) },
  ]);
  assert.equal(text, [
    'Name                        Location                                                    Size     Created',
    'etcd-snapshot-n1-1744272483 file:///var/lib/skiff/snapshots/etcd-snapshot-n1-1744272483 20512    2025-04-10T08:08:03Z',
    'on-demand-n1-1744272600     file:///var/lib/skiff/snapshots/on-demand-n1-1744272600     53297184 2025-04-10T08:10:00Z',
    '',
  ].join('\n'));
});

test('formatSnapshotTable: an empty dir prints the header only', () => {
  assert.equal(formatSnapshotTable('/d', []), 'Name Location Size Created\n');
});
