import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readRss } from './process-memory.ts';

test('readRss reads this process from /proc and rejects for a pid that does not exist', async () => {
  const r = await readRss('self');
  assert.ok(r.rssMiB > 1, `rss ${r.rssMiB} MiB`);
  assert.ok(r.peakMiB >= r.rssMiB);
  assert.equal(Math.round(r.rssMiB * 10), r.rssMiB * 10, 'one decimal');
  await assert.rejects(readRss(2 ** 22 + 7));
});
