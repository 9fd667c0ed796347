import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerResources } from './resources.ts';

test('containerResources table', () => {
  const cases: { name: string; resources?: { limits?: Record<string, string>; requests?: Record<string, string> }; want: { cpu_quota: number; cpu_shares: number; memory_limit_in_bytes: number } }[] = [
    { name: 'none', want: { cpu_quota: 0, cpu_shares: 2, memory_limit_in_bytes: 0 } },
    { name: 'requests only', resources: { requests: { cpu: '250m', memory: '64Mi' } }, want: { cpu_quota: 0, cpu_shares: 256, memory_limit_in_bytes: 0 } },
    { name: 'limits only (request defaults to limit)', resources: { limits: { cpu: '500m', memory: '128Mi' } }, want: { cpu_quota: 50000, cpu_shares: 512, memory_limit_in_bytes: 134217728 } },
    { name: 'both', resources: { requests: { cpu: '100m' }, limits: { cpu: '2', memory: '1G' } }, want: { cpu_quota: 200000, cpu_shares: 102, memory_limit_in_bytes: 1e9 } },
    { name: 'tiny request clamps to 2 shares', resources: { requests: { cpu: '1m' } }, want: { cpu_quota: 0, cpu_shares: 2, memory_limit_in_bytes: 0 } },
    { name: 'tiny limit clamps quota to 1ms', resources: { limits: { cpu: '5m' } }, want: { cpu_quota: 1000, cpu_shares: 5, memory_limit_in_bytes: 0 } },
  ];
  for (const c of cases) {
    const r = containerResources({ name: 'c', resources: c.resources });
    assert.deepEqual(r, { cpu_period: 100000, ...c.want }, c.name);
  }
});
