import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flushArgs, flushConntrack, staleConntrackFlows } from './conntrack.ts';
import type { Exec } from './exec.ts';
import { buildServicePorts } from './model.ts';
import { ep, slice, svc } from './fixtures.test-util.ts';
import { quietLogger } from '../testutil/log.ts';

const udp = (extra = {}) => svc('ns', 'echo', '10.96.0.30', [{ port: 5000, protocol: 'UDP', nodePort: 30500 }], { type: 'NodePort', externalIPs: ['192.0.2.9'], ...extra });
const tcp = svc('ns', 'web', '10.96.0.31', [{ port: 80 }]);
const model = (services: ReturnType<typeof svc>[], ips: string[], tcpIps: string[] = []) => buildServicePorts(services, [
  slice('ns', 'echo', 'e-1', [{ port: 5000, protocol: 'UDP' }], ips.map((ip) => ep(ip))),
  slice('ns', 'web', 'w-1', [{ port: 80 }], tcpIps.map((ip) => ep(ip))),
], { nodeName: 'n1' });
const args = (prev: ReturnType<typeof model>, next: ReturnType<typeof model>) => staleConntrackFlows(prev, next).map((f) => flushArgs(f).join(' '));

test('staleConntrackFlows, as kube-proxy\'s conntrack cleanup', async (t) => {
  await t.test('a UDP endpoint that goes away: flows to each VIP and the node port DNATed to it', () => {
    assert.deepEqual(args(model([udp()], ['10.244.0.5', '10.244.1.5']), model([udp()], ['10.244.1.5'])), [
      '-D -p udp --dport 30500 --dst-nat 10.244.0.5',
      '-D -p udp --orig-dst 10.96.0.30 --dst-nat 10.244.0.5',
      '-D -p udp --orig-dst 192.0.2.9 --dst-nat 10.244.0.5',
    ]);
  });
  await t.test('a UDP service port gets its first endpoint: every flow to its VIPs and node port', () => {
    assert.deepEqual(args(model([udp()], []), model([udp()], ['10.244.0.5'])), [
      '-D -p udp --dport 30500',
      '-D -p udp --orig-dst 10.96.0.30',
      '-D -p udp --orig-dst 192.0.2.9',
    ]);
    assert.deepEqual(args([], model([udp()], ['10.244.0.5'])).length, 3, 'a new service with endpoints counts as newly active');
  });
  await t.test('endpoint replaced: the old one is flushed, the service was never without endpoints', () => {
    assert.deepEqual(args(model([udp()], ['10.244.0.5']), model([udp()], ['10.244.0.6'])), [
      '-D -p udp --dport 30500 --dst-nat 10.244.0.5',
      '-D -p udp --orig-dst 10.96.0.30 --dst-nat 10.244.0.5',
      '-D -p udp --orig-dst 192.0.2.9 --dst-nat 10.244.0.5',
    ]);
  });
  await t.test('a LoadBalancer UDP service: flows to its ingress IP are flushed too', () => {
    const lb = (): ReturnType<typeof svc> => ({ ...udp({ type: 'LoadBalancer', externalIPs: [] }), status: { loadBalancer: { ingress: [{ ip: '10.77.0.240' }] } } });
    assert.deepEqual(args(model([lb()], ['10.244.0.5', '10.244.1.5']), model([lb()], ['10.244.1.5'])), [
      '-D -p udp --dport 30500 --dst-nat 10.244.0.5',
      '-D -p udp --orig-dst 10.77.0.240 --dst-nat 10.244.0.5',
      '-D -p udp --orig-dst 10.96.0.30 --dst-nat 10.244.0.5',
    ]);
  });
  await t.test('a UDP service deleted: flows to its cluster IP', () => {
    assert.deepEqual(args(model([udp()], ['10.244.0.5']), model([], [])), ['-D -p udp --orig-dst 10.96.0.30']);
  });
  await t.test('TCP changes and no-op syncs flush nothing', () => {
    assert.deepEqual(args(model([udp(), tcp], ['10.244.0.5'], ['10.244.0.7']), model([udp(), tcp], ['10.244.0.5'], [])), []);
    assert.deepEqual(args(model([udp()], ['10.244.0.5']), model([udp()], ['10.244.0.5'])), []);
  });
  await t.test('an endpoint going not-ready counts as gone', () => {
    const notReady = buildServicePorts([udp()], [slice('ns', 'echo', 'e-1', [{ port: 5000, protocol: 'UDP' }], [ep('10.244.0.5', false), ep('10.244.0.6')])], { nodeName: 'n1' });
    assert.ok(args(model([udp()], ['10.244.0.5', '10.244.0.6']), notReady).includes('-D -p udp --orig-dst 10.96.0.30 --dst-nat 10.244.0.5'));
  });
});

test('flushConntrack: "0 flow entries" is success, other failures are counted and never thrown', async () => {
  const calls: string[] = [];
  const exec: Exec = async (file, a) => {
    calls.push(`${file} ${a.join(' ')}`);
    if (a.includes('10.0.0.1')) return { exitCode: 1, stdout: '', stderr: 'conntrack v1.4.7 (conntrack-tools): 0 flow entries have been deleted.\n' };
    if (a.includes('10.0.0.2')) return { exitCode: 1, stdout: '', stderr: 'Operation failed: invalid parameters\n' };
    if (a.includes('10.0.0.3')) throw new Error('spawn conntrack ENOENT');
    return { exitCode: 0, stdout: '', stderr: '1 flow entries have been deleted.' };
  };
  const failed = await flushConntrack(exec, [{ origDst: '10.0.0.1' }, { origDst: '10.0.0.2' }, { origDst: '10.0.0.3' }, { origDst: '10.0.0.4', dstNat: '10.244.0.5' }], quietLogger('test'));
  assert.equal(failed, 2);
  assert.deepEqual(calls, [
    'conntrack -D -p udp --orig-dst 10.0.0.1', 'conntrack -D -p udp --orig-dst 10.0.0.2', 'conntrack -D -p udp --orig-dst 10.0.0.3',
    'conntrack -D -p udp --orig-dst 10.0.0.4 --dst-nat 10.244.0.5',
  ]);
});
