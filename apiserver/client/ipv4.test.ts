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
    ['10.0', '10.0.0.0', 0],
    ['10.0.0.300', '10.0.1.0', -1],
    ['255.255.255.255', '0.0.0.0', 1],
  ];
  for (const [a, b, sign] of cases) assert.equal(Math.sign(compareIP(a, b)), sign, `${a} vs ${b}`);
  assert.deepEqual(['10.0.0.10', '10.0.0.2', '10.0.0.1'].sort(compareIP), ['10.0.0.1', '10.0.0.2', '10.0.0.10']);
});

test('compareIP agrees with an octet-by-octet comparison on every pair of a mixed sample', () => {
  const sample = ['', '0', '1.2', '10.0.0.1', '10.0.0.10', '10.0.0.300', '10.0.1', '10.0.1.0', '192.168.1.250', '255.255.255.255', '1.2.3.4.5', 'a.b', '10.0.0.x', '10..0.1'];
  const octets = (s: string): number[] => s.split('.').map(Number);
  const slow = (a: string, b: string): number => {
    const [pa, pb] = [octets(a), octets(b)];
    for (let i = 0; i < 4; i++) {
      const d = (pa[i] ?? 0) - (pb[i] ?? 0);
      if (d !== 0) return d;
    }
    return 0;
  };
  for (const a of sample) for (const b of sample) assert.equal(Math.sign(compareIP(a, b)), Math.sign(slow(a, b)), `${a} vs ${b}`);
});
