import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cidrContains, parseCIDRSloppy } from './cidr.ts';

test('parseCIDRSloppy: IPv4 and IPv6 CIDRs as netutils.ParseCIDRSloppy, network address with host bits cleared', () => {
  const cases: Array<[string, ReturnType<typeof parseCIDRSloppy>]> = [
    ['10.0.0.0/8', { family: 4, network: '10.0.0.0', prefix: 8 }],
    ['10.1.2.3/8', { family: 4, network: '10.0.0.0', prefix: 8 }],
    ['192.168.1.77/24', { family: 4, network: '192.168.1.0', prefix: 24 }],
    ['192.168.1.77/32', { family: 4, network: '192.168.1.77', prefix: 32 }],
    ['255.255.255.255/1', { family: 4, network: '128.0.0.0', prefix: 1 }],
    ['1.2.3.4/0', { family: 4, network: '0.0.0.0', prefix: 0 }],
    ['010.001.0.0/16', { family: 4, network: '10.1.0.0', prefix: 16 }],
    ['fd00::1/8', { family: 6, network: 'fd00::', prefix: 8 }],
    ['2001:db8:1:2::/64', { family: 6, network: '2001:db8:1:2::', prefix: 64 }],
    ['::/0', { family: 6, network: '::', prefix: 0 }],
    ['10.0.0.0', undefined],
    ['10.0.0.0/', undefined],
    ['10.0.0.0/33', undefined],
    ['10.0.0.0/8/8', undefined],
    ['256.0.0.0/8', undefined],
    ['1.2.3/8', undefined],
    ['1.2.3.4.5/8', undefined],
    ['0x0a.0.0.0/8', undefined],
    ['10.0.0.0/-1', undefined],
    ['10.0.0.0/ 8', undefined],
    [' 10.0.0.0/8', undefined],
    ['fd00::/129', undefined],
    ['fe80::1%eth0/64', undefined],
    ['nope/8', undefined],
    ['', undefined],
  ];
  for (const [text, want] of cases) assert.deepEqual(parseCIDRSloppy(text), want, text);
});

test('parseCIDRSloppy is linear on long hostile input', () => {
  assert.equal(parseCIDRSloppy(`${'1.'.repeat(50_000)}1/8`), undefined);
  assert.equal(parseCIDRSloppy(`${':'.repeat(50_000)}/8`), undefined);
});

test('cidrContains: an address inside a parsed CIDR, same family only', () => {
  const cases: Array<[string, string, boolean]> = [
    ['10.0.0.0/8', '10.1.2.3', true],
    ['10.0.0.0/8', '11.0.0.0', false],
    ['10.0.0.0/8', '10.255.255.255', true],
    ['192.168.1.77/24', '192.168.1.1', true],
    ['192.168.1.5/32', '192.168.1.5', true],
    ['192.168.1.5/32', '192.168.1.6', false],
    ['0.0.0.0/0', '203.0.113.9', true],
    ['10.0.0.0/8', '010.000.000.001', true],
    ['10.0.0.0/8', '10.0.0', false],
    ['10.0.0.0/8', '10.0.0.256', false],
    ['10.0.0.0/8', '', false],
    ['10.0.0.0/8', '::ffff:10.0.0.1', false],
    ['fd00::/8', 'fd12::1', true],
    ['fd00::/8', 'fe80::1', false],
    ['fd00::/8', '10.0.0.1', false],
    ['::/0', '10.0.0.1', false],
    ['fd00::/8', 'fd00::1%eth0', false],
  ];
  for (const [cidr, ip, want] of cases) {
    const parsed = parseCIDRSloppy(cidr);
    assert.ok(parsed, cidr);
    assert.equal(cidrContains(parsed, ip), want, `${cidr} ∋ ${ip}`);
  }
});
