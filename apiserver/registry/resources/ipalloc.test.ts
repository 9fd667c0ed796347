import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from 'kubernetes-types/core/v1';
import { StatusError } from '../../api/errors.ts';
import {
  allocateServiceAddresses, candidates, intToIp, ipToInt, isAssignable, nthAddress, offsetOf, parseCidr, pickFree,
  releaseServiceAddresses, staticBand,
} from './ipalloc.ts';
import { fakeContext } from './fakectx.test-helper.ts';

test('CIDR parsing and address arithmetic', () => {
  const cases: Array<[string, string, number, number]> = [
    ['10.96.0.0/12', '10.96.0.0/12', 12, 1 << 20],
    ['10.96.5.7/12', '10.96.0.0/12', 12, 1 << 20],
    ['192.168.1.0/24', '192.168.1.0/24', 24, 256],
    ['10.0.0.0/30', '10.0.0.0/30', 30, 4],
  ];
  for (const [input, text, prefix, size] of cases) {
    const c = parseCidr(input);
    assert.equal(c.text, text, input);
    assert.equal(c.prefix, prefix);
    assert.equal(c.size, size);
  }
  assert.throws(() => parseCidr('fd00::/108'), /only IPv4/);
  assert.equal(ipToInt('10.96.0.1'), 0x0a600001);
  assert.equal(intToIp(0xffffffff), '255.255.255.255');
  const c = parseCidr('10.96.0.0/12');
  assert.equal(nthAddress(c, 1), '10.96.0.1');
  assert.equal(nthAddress(c, 256), '10.96.1.0');
  assert.equal(nthAddress(c, c.size - 1), '10.111.255.255');
  assert.throws(() => nthAddress(c, c.size));
  assert.equal(offsetOf(c, '10.96.0.10'), 10);
  assert.equal(offsetOf(c, '10.112.0.0'), undefined);
  assert.equal(offsetOf(c, 'nope'), undefined);
  const assignable: Array<[string, boolean]> = [['10.96.0.0', false], ['10.96.0.1', true], ['10.100.3.4', true], ['10.111.255.255', false], ['10.112.0.1', false]];
  for (const [ip, want] of assignable) assert.equal(isAssignable(c, ip), want, ip);
});

test('dynamic candidates skip network, first address and broadcast, upper band first', () => {
  const small = parseCidr('10.0.0.0/28');
  assert.equal(staticBand(small), 16);
  assert.deepEqual([...candidates(small)], Array.from({ length: 13 }, (_, i) => `10.0.0.${i + 2}`));
  const mid = parseCidr('10.0.0.0/24');
  assert.equal(staticBand(mid), 16);
  const order = [...candidates(mid)];
  assert.equal(order[0], '10.0.0.16');
  assert.equal(order.length, 253);
  assert.ok(!order.includes('10.0.0.0') && !order.includes('10.0.0.1') && !order.includes('10.0.0.255'));
  assert.equal(order[order.length - 1], '10.0.0.15');
  assert.equal(staticBand(parseCidr('10.96.0.0/12')), 256);
  assert.equal(pickFree(parseCidr('10.96.0.0/12'), new Set(['10.96.1.0'])), '10.96.1.1');
  assert.equal(pickFree(parseCidr('10.0.0.0/30'), new Set(['10.0.0.2'])), undefined);
});

const svc = (name: string, clusterIP?: string, type?: string): Service => ({
  metadata: { name, namespace: 'default' },
  spec: { ...(clusterIP !== undefined ? { clusterIP } : {}), ...(type ? { type } : {}), ports: [{ port: 80 }] },
});

test('allocates, honours requests, refuses taken and out-of-range addresses, releases', async () => {
  const ctx = fakeContext('10.96.0.0/12');
  const k = svc('kubernetes', '10.96.0.1');
  await allocateServiceAddresses(k, ctx);
  assert.deepEqual(k.spec!.clusterIPs, ['10.96.0.1']);
  const a = svc('a');
  const undoA = await allocateServiceAddresses(a, ctx);
  assert.equal(a.spec!.clusterIP, '10.96.1.0');
  assert.deepEqual(a.spec!.clusterIPs, ['10.96.1.0']);
  assert.ok(ctx.claimed.has('serviceips/10.96.1.0'));
  const dup = svc('dup', '10.96.0.1');
  await assert.rejects(allocateServiceAddresses(dup, ctx), (e: unknown) => {
    assert.ok(e instanceof StatusError);
    assert.equal(e.code, 422);
    assert.match(e.status.message ?? '', /spec\.clusterIPs: Invalid value: \["10\.96\.0\.1"\]: failed to allocate IP 10\.96\.0\.1: provided IP is already allocated/);
    return true;
  });
  await assert.rejects(allocateServiceAddresses(svc('out', '192.168.0.1'), ctx), /not in the valid range/);
  const headless = svc('h', 'None');
  await allocateServiceAddresses(headless, ctx);
  assert.deepEqual(headless.spec!.clusterIPs, ['None']);
  const ext: Service = { metadata: { name: 'e' }, spec: { type: 'ExternalName', externalName: 'example.com' } };
  await allocateServiceAddresses(ext, ctx);
  assert.equal(ext.spec!.clusterIP, undefined);
  await undoA();
  assert.ok(!ctx.claimed.has('serviceips/10.96.1.0'));
  await releaseServiceAddresses(k, ctx);
  assert.equal(ctx.claimed.size, 0);
});

test('concurrent creates never share an address', async () => {
  const ctx = fakeContext('10.96.0.0/12', 1);
  const svcs = Array.from({ length: 40 }, (_, i) => svc(`s${i}`));
  await Promise.all(svcs.map((s) => allocateServiceAddresses(s, ctx)));
  const ips = svcs.map((s) => s.spec!.clusterIP);
  assert.equal(new Set(ips).size, 40);
  assert.equal(ctx.claimed.size, 40);
});

test('node ports are allocated for NodePort services and refused when taken', async () => {
  const ctx = fakeContext();
  const a = svc('a', undefined, 'NodePort');
  a.spec!.ports = [{ port: 80, nodePort: 30080 }, { port: 443, name: 'https' }];
  await allocateServiceAddresses(a, ctx);
  assert.equal(a.spec!.ports[0]!.nodePort, 30080);
  const np = a.spec!.ports[1]!.nodePort!;
  assert.ok(np >= 30000 && np <= 32767 && np !== 30080);
  const b = svc('b', undefined, 'NodePort');
  b.spec!.ports = [{ port: 80, nodePort: 30080 }];
  await assert.rejects(allocateServiceAddresses(b, ctx), /spec\.ports\[0\]\.nodePort: Invalid value: 30080: provided port is already allocated/);
  assert.equal(ctx.claimed.size, 3, 'the failed create released its ClusterIP');
  await releaseServiceAddresses(a, ctx);
  assert.equal(ctx.claimed.size, 0);
});
