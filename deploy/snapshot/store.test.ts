import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { snapshotFileIntact } from './integrity.ts';
import { deleteSnapshots, listSnapshots, pruneSnapshots } from './store.ts';

let root = '';
before(async () => { root = await mkdtemp(join(tmpdir(), 'skiff-snapstore-')); });
after(async () => { await rm(root, { recursive: true, force: true }); });

/** A fresh dir holding `files` (name → content). */
async function dirWith(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  for (const [f, body] of Object.entries(files)) await writeFile(join(dir, f), body);
  return dir;
}

test('listSnapshots: regular files only, no hidden .part files, times from names; a missing dir is empty', async () => {
  const dir = await dirWith('list', { 'on-demand-n1-1744272483': 'abc', '.on-demand-n1-1744272999.part': 'x', 'copied.db': 'hello' });
  await mkdir(join(dir, 'subdir'));
  const got = (await listSnapshots(dir)).sort((a, b) => a.name.localeCompare(b.name));
  assert.deepEqual(got.map((e) => [e.name, e.size]), [['copied.db', 5], ['on-demand-n1-1744272483', 3]]);
  assert.deepEqual(got[1].created, new Date(1744272483_000));
  assert.deepEqual(await listSnapshots(join(root, 'nope')), []);
});

test('deleteSnapshots: deletes the named, reports missing and refuses paths', async () => {
  const dir = await dirWith('delete', { 'a-n1-1': '1', 'b-n1-2': '2' });
  await writeFile(join(root, 'outside'), 'keep');
  const r = await deleteSnapshots(dir, ['a-n1-1', 'gone-n1-3', '../outside']);
  assert.deepEqual(r, { deleted: ['a-n1-1'], missing: ['gone-n1-3'], invalid: ['../outside'] });
  assert.deepEqual((await listSnapshots(dir)).map((e) => e.name), ['b-n1-2']);
  assert.deepEqual((await listSnapshots(root)).map((e) => e.name), ['outside']);
});

test('pruneSnapshots keeps the newest of the group and nothing else is touched', async () => {
  const dir = await dirWith('prune', { 'etcd-snapshot-n1-10': '', 'etcd-snapshot-n1-20': '', 'etcd-snapshot-n1-30': '', 'on-demand-n1-5': '' });
  assert.deepEqual(await pruneSnapshots(dir, 'etcd-snapshot-n1-', 2), ['etcd-snapshot-n1-10']);
  assert.deepEqual((await listSnapshots(dir)).map((e) => e.name).sort(), ['etcd-snapshot-n1-20', 'etcd-snapshot-n1-30', 'on-demand-n1-5']);
});

test('snapshotFileIntact: a db of 512-byte pages plus its SHA-256 passes; truncated, flipped or bare files fail', async () => {
  const db = Buffer.alloc(4096, 7);
  const good = Buffer.concat([db, createHash('sha256').update(db).digest()]);
  const flipped = Buffer.from(good);
  flipped[100] ^= 1;
  const dir = await dirWith('intact', {});
  const cases: Array<[string, Buffer, boolean]> = [
    ['good', good, true], ['flipped', flipped, false], ['bare', db, false], ['truncated', good.subarray(0, good.length - 1), false], ['empty', Buffer.alloc(0), false],
  ];
  for (const [name, body, want] of cases) {
    await writeFile(join(dir, name), body);
    assert.equal(await snapshotFileIntact(join(dir, name)), want, name);
  }
  await assert.rejects(snapshotFileIntact(join(dir, 'missing')), /ENOENT/);
});
