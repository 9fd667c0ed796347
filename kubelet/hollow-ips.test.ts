import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hollowNodeIP, hollowPodCIDR, podIPAllocator } from './hollow-ips.ts';

test('podIPAllocator: consecutive hosts from .2, wrapping before the broadcast address', () => {
  const next = podIPAllocator('10.244.3.0/30');
  assert.deepEqual([next(), next(), next()], ['10.244.3.2', '10.244.3.2', '10.244.3.2']);
  const wide = podIPAllocator('10.244.0.0/23');
  const ips = Array.from({ length: 510 }, () => wide());
  assert.equal(ips[0], '10.244.0.2');
  assert.equal(ips[254], '10.244.1.0');
  assert.equal(ips[508], '10.244.1.254');
  assert.equal(ips[509], '10.244.0.2');
});

test('podIPAllocator: refuses malformed and tiny CIDRs', () => {
  assert.throws(() => podIPAllocator('10.244.0.1/24'), /host bits/);
  assert.throws(() => podIPAllocator('10.244.0.0/31'), /too small/);
  assert.throws(() => podIPAllocator('nope'), /invalid/);
});

test('hollowPodCIDR and hollowNodeIP: distinct per index, bounded', () => {
  assert.equal(hollowPodCIDR(0), '10.128.0.0/24');
  assert.equal(hollowPodCIDR(257), '10.129.1.0/24');
  assert.equal(hollowPodCIDR(32_767), '10.255.255.0/24');
  assert.throws(() => hollowPodCIDR(32_768), /out of range/);
  assert.equal(hollowNodeIP(0), '10.127.0.1');
  assert.equal(hollowNodeIP(250), '10.127.1.1');
  const ips = new Set(Array.from({ length: 1000 }, (_, i) => hollowNodeIP(i)));
  assert.equal(ips.size, 1000);
  assert.throws(() => hollowNodeIP(-1), /out of range/);
});
