import { test } from 'node:test';
import assert from 'node:assert/strict';
import { processModeArgs, withProcessMode } from './process-mode.ts';

test('processModeArgs: one process unless SKIFF_E2E_SPLIT_PROCESSES is 1 or true', () => {
  const table: Array<[string | undefined, string[]]> = [[undefined, []], ['', []], ['0', []], ['1', ['--split-processes']], ['true', ['--split-processes']], ['yes', []]];
  for (const [v, want] of table) assert.deepEqual(processModeArgs(v === undefined ? {} : { SKIFF_E2E_SPLIT_PROCESSES: v }), want, String(v));
});

test('withProcessMode appends the flag once', () => {
  const split = { SKIFF_E2E_SPLIT_PROCESSES: '1' };
  assert.deepEqual(withProcessMode(['server', '--data-dir', '/d'], split), ['server', '--data-dir', '/d', '--split-processes']);
  assert.deepEqual(withProcessMode(['server', '--split-processes'], split), ['server', '--split-processes']);
  assert.deepEqual(withProcessMode(['server', '--split-processes'], {}), ['server', '--split-processes']);
  assert.deepEqual(withProcessMode(['agent'], {}), ['agent']);
});
