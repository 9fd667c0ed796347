import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadRunFn } from './actions.ts';

test('loadRunFn: returns the named export of a repo module', async () => {
  const fn = await loadRunFn('deploy/server/progress.ts', 'formatSeconds');
  assert.equal(typeof fn, 'function');
});

test('loadRunFn: a missing module is reported with its path', async () => {
  await assert.rejects(loadRunFn('nowhere/main.ts', 'runNothing'), /cannot load nowhere\/main\.ts/);
});

test('loadRunFn: a missing export is reported with module and name', async () => {
  await assert.rejects(loadRunFn('deploy/server/progress.ts', 'runNothing'), /deploy\/server\/progress\.ts does not export a function runNothing/);
});
