import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdtemp, readFile, readdir, readlink, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATA_DIR_LINK, planWrite, validPayloadPath, writeAtomically } from './atomic-writer.ts';

test('validPayloadPath: no escapes and no clash with the writer\'s own ..entries', () => {
  const cases: Array<[string, boolean]> = [
    ['token', true], ['a/b/c', true], ['ca.crt', true], ['a..b', true],
    ['', false], ['/etc/passwd', false], ['../x', false], ['a/../b', false], ['a//b', false], ['./a', false], ['..data', false], ['..2024/x', false],
  ];
  for (const [p, want] of cases) assert.equal(validPayloadPath(p), want, p);
});

test('planWrite: top-level names; write only when the payload changed', () => {
  const p = new Map([['a', '1'], ['d/x', '2'], ['d/y', '3']]);
  assert.deepEqual(planWrite(p, undefined), { write: true, visible: ['a', 'd'] });
  assert.deepEqual(planWrite(p, new Map(p)), { write: false, visible: ['a', 'd'] });
  assert.equal(planWrite(p, new Map([['a', '1'], ['d/x', '2'], ['d/y', 'changed']])).write, true);
  assert.equal(planWrite(p, new Map([['a', '1'], ['d/x', '2']])).write, true);
});

test('writeAtomically: ..data swap, symlinked names, removed keys vanish, same payload writes nothing, old plain files migrate', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-atomic-'));
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'token'), 'old plain file');
    await writeAtomically(dir, new Map([['token', 't1'], ['ca.crt', 'CA'], ['nested/k', 'v'], ['../escape', 'x']]), 0o600);
    assert.equal(await readFile(join(dir, 'token'), 'utf8'), 't1');
    assert.equal(await readFile(join(dir, 'nested', 'k'), 'utf8'), 'v');
    assert.ok((await lstat(join(dir, 'token'))).isSymbolicLink());
    assert.equal(await readlink(join(dir, 'token')), join(DATA_DIR_LINK, 'token'));
    assert.equal((await stat(join(dir, 'token'))).mode & 0o777, 0o600);
    const first = await readlink(join(dir, DATA_DIR_LINK));
    assert.deepEqual((await readdir(dir)).sort(), [DATA_DIR_LINK, first, 'ca.crt', 'nested', 'token'].sort());
    assert.equal((await readdir(join(dir, '..'))).includes('escape'), false);

    await writeAtomically(dir, new Map([['token', 't1'], ['ca.crt', 'CA'], ['nested/k', 'v']]), 0o600);
    assert.equal(await readlink(join(dir, DATA_DIR_LINK)), first, 'the same payload keeps the same payload dir');

    await writeAtomically(dir, new Map([['token', 't2']]), 0o644);
    const second = await readlink(join(dir, DATA_DIR_LINK));
    assert.notEqual(second, first);
    assert.equal(await readFile(join(dir, 'token'), 'utf8'), 't2');
    assert.deepEqual((await readdir(dir)).sort(), [DATA_DIR_LINK, second, 'token'].sort(), 'removed keys and the old payload dir are gone');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
