import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareIP } from './ipv4.ts';

test('compareIP orders IPv4 addresses numerically', () => {
  const cases: [string, string, number][] = [
    ['10.0.0.9', '10.0.0.10', -1],
    ['10.0.0.10', '10.0.0.9', 1],
    ['10.244.1.5', '10.244.1.5', 0],
    ['9.255.255.255', '10.0.0.0', -1],
    ['', '10.0.0.1', -1],
  ];
  for (const [a, b, sign] of cases) assert.equal(Math.sign(compareIP(a, b)), sign, `${a} vs ${b}`);
  assert.deepEqual(['10.0.0.10', '10.0.0.2', '10.0.0.1'].sort(compareIP), ['10.0.0.1', '10.0.0.2', '10.0.0.10']);
});
