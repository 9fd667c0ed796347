import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CidrAllocator, formatIPv4, parseCIDR, parseIPv4 } from './allocator.ts';

test('IPv4 parse/format round trip and CIDR validation', () => {
  for (const ip of ['0.0.0.0', '10.244.3.0', '255.255.255.255', '192.168.1.7']) assert.equal(formatIPv4(parseIPv4(ip)), ip);
  assert.deepEqual(parseCIDR('10.244.0.0/16'), { base: parseIPv4('10.244.0.0'), prefix: 16 });
  for (const bad of ['10.244.0.0', '10.244.0.1/16', '10.244.0.0/33', '10.256.0.0/16', 'x/8', '10.0.0.0/8/1']) {
    assert.throws(() => parseCIDR(bad), /invalid CIDR|invalid IPv4/, bad);
  }
});

test('allocation order and exhaustion (table)', () => {
  const cases: Array<{ cluster: string; mask: number; occupied: string[]; want: Array<string | undefined> }> = [
    { cluster: '10.244.0.0/16', mask: 24, occupied: [], want: ['10.244.0.0/24', '10.244.1.0/24', '10.244.2.0/24'] },
    { cluster: '10.244.0.0/16', mask: 24, occupied: ['10.244.0.0/24', '10.244.2.0/24'], want: ['10.244.1.0/24', '10.244.3.0/24'] },
    { cluster: '10.244.0.0/16', mask: 24, occupied: ['10.245.0.0/24', '10.244.0.0/25', '10.244.0.0/16'], want: ['10.244.0.0/24'] },
    { cluster: '10.0.0.0/30', mask: 30, occupied: [], want: ['10.0.0.0/30', undefined] },
    { cluster: '10.1.0.0/22', mask: 24, occupied: ['10.1.1.0/24'], want: ['10.1.0.0/24', '10.1.2.0/24', '10.1.3.0/24', undefined] },
    { cluster: '172.16.0.0/12', mask: 26, occupied: [], want: ['172.16.0.0/26', '172.16.0.64/26', '172.16.0.128/26', '172.16.0.192/26', '172.16.1.0/26'] },
  ];
  for (const c of cases) {
    const a = new CidrAllocator(c.cluster, c.mask);
    for (const o of c.occupied) a.occupy(o);
    assert.deepEqual(c.want.map(() => a.allocate()), c.want, `${c.cluster} /${c.mask} occupied ${c.occupied.join(',')}`);
  }
});

test('occupy rejects foreign subnets; release makes a subnet reusable; both idempotent', () => {
  const a = new CidrAllocator('10.244.0.0/16', 24);
  assert.equal(a.capacity, 256);
  assert.equal(a.occupy('10.245.0.0/24'), false);
  assert.equal(a.occupy('10.244.5.0/25'), false);
  assert.equal(a.occupy('10.244.5.0/24'), true);
  assert.equal(a.occupy('10.244.5.0/24'), true);
  assert.equal(a.usedCount(), 1);
  assert.equal(a.isUsed('10.244.5.0/24'), true);
  a.release('10.244.5.0/24');
  a.release('10.244.5.0/24');
  assert.equal(a.usedCount(), 0);
  for (let i = 0; i < 256; i++) assert.equal(a.allocate(), `10.244.${i}.0/24`);
  assert.equal(a.allocate(), undefined);
  a.release('10.244.77.0/24');
  assert.equal(a.allocate(), '10.244.77.0/24');
});

test('constructor rejects impossible mask sizes', () => {
  assert.throws(() => new CidrAllocator('10.244.0.0/16', 15));
  assert.throws(() => new CidrAllocator('10.244.0.0/16', 31));
  assert.throws(() => new CidrAllocator('10.0.0.0/8', 30), /too many/);
});
