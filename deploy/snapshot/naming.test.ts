import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inRetentionGroup, isValidSnapshotName, snapshotFileName, snapshotNameTime, snapshotPrefix } from './naming.ts';

test('snapshotFileName is <base>-<node>-<unix seconds>, as k3s', () => {
  assert.equal(snapshotFileName('on-demand', 'srv1', new Date(1744272483_999)), 'on-demand-srv1-1744272483');
  assert.equal(snapshotFileName('etcd-snapshot', 'pi.lan', new Date(0)), 'etcd-snapshot-pi.lan-0');
});

test('snapshotNameTime reads the seconds after the last dash', () => {
  assert.deepEqual(snapshotNameTime('on-demand-srv1-1744272483'), new Date(1744272483_000));
  assert.equal(snapshotNameTime('on-demand-srv1'), undefined);
  assert.equal(snapshotNameTime('backup.db'), undefined);
});

test('inRetentionGroup: the prefix then only digits, so node n1 does not claim n10', () => {
  const p = snapshotPrefix('etcd-snapshot', 'n1');
  const cases: Array<[string, boolean]> = [
    ['etcd-snapshot-n1-1744272483', true],
    ['etcd-snapshot-n10-1744272483', false],
    ['etcd-snapshot-n1-x', false],
    ['etcd-snapshot-n1-', false],
    ['on-demand-n1-1744272483', false],
  ];
  for (const [name, want] of cases) assert.equal(inRetentionGroup(name, p), want, name);
});

test('isValidSnapshotName refuses paths and hidden names', () => {
  const cases: Array<[string, boolean]> = [
    ['on-demand-srv1-1', true], ['a_b.c', true], ['../etc/passwd', false], ['a/b', false], ['.part', false], ['-x', false], ['', false], ['a..b', false],
  ];
  for (const [name, want] of cases) assert.equal(isValidSnapshotName(name), want, name);
});
