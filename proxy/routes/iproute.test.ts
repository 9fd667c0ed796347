import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Exec } from '../exec.ts';
import { applyRoutePlan, parseRoutes, planCommands } from './iproute.ts';
import { renderPodMasquerade } from './masq.ts';

test('parseRoutes reads `ip -4 -N -j route show` (numeric protocols, boot omitted, default skipped)', () => {
  const json = JSON.stringify([
    { dst: 'default', gateway: '10.77.0.254', dev: 'eth0', flags: [] },
    { dst: '10.77.0.0/24', dev: 'eth0', protocol: '2', scope: '253', prefsrc: '10.77.0.1', flags: [] },
    { type: 'blackhole', dst: '10.244.0.0/16', flags: [] },
    { dst: '10.244.1.0/24', gateway: '10.77.0.2', dev: 'eth0', protocol: '250', flags: [] },
    { dst: '10.244.9.9', gateway: '10.77.0.3', dev: 'eth0', protocol: '250', flags: [] },
  ]);
  assert.deepEqual(parseRoutes(json), [
    { dst: '10.77.0.0/24', proto: 2 },
    { dst: '10.244.0.0/16', proto: 3 },
    { dst: '10.244.1.0/24', via: '10.77.0.2', proto: 250 },
    { dst: '10.244.9.9/32', via: '10.77.0.3', proto: 250 },
  ]);
  assert.deepEqual(parseRoutes(''), []);
});

test('planCommands: removals first, every command pinned to proto 250', () => {
  assert.deepEqual(planCommands({ replace: [{ dst: '10.244.1.0/24', via: '10.77.0.2', node: 'n2' }], remove: [{ dst: '10.244.2.0/24' }], skipped: [] }), [
    ['route', 'del', '10.244.2.0/24', 'proto', '250'],
    ['route', 'replace', '10.244.1.0/24', 'via', '10.77.0.2', 'proto', '250'],
  ]);
});

test('applyRoutePlan continues past a failure, returns it as a value, and treats a missing route as deleted', async () => {
  const ran: string[] = [];
  const exec: Exec = async (_file, args) => {
    ran.push(args.join(' '));
    if (args.includes('10.99.0.3')) return { exitCode: 2, stdout: '', stderr: 'Error: Nexthop has invalid gateway.\n' };
    if (args[1] === 'del') return { exitCode: 2, stdout: '', stderr: 'RTNETLINK answers: No such process\n' };
    return { exitCode: 0, stdout: '', stderr: '' };
  };
  const errors = await applyRoutePlan(exec, {
    replace: [{ dst: '10.244.4.0/24', via: '10.99.0.3', node: 'far' }, { dst: '10.244.1.0/24', via: '10.77.0.2', node: 'n2' }],
    remove: [{ dst: '10.244.2.0/24' }],
    skipped: [],
  });
  assert.deepEqual(errors, ['ip route replace 10.244.4.0/24 via 10.99.0.3 proto 250: Error: Nexthop has invalid gateway.']);
  assert.equal(ran.length, 3);
});

test('renderPodMasquerade golden text: pod to pod un-NATed, pods leaving the cluster CIDR masqueraded', () => {
  assert.equal(renderPodMasquerade('10.244.0.0/16'), `*nat
:SKIFF-POD-MASQ - [0:0]
-A SKIFF-POD-MASQ -s 10.244.0.0/16 -d 10.244.0.0/16 -m comment --comment "pod to pod: no NAT" -j RETURN
-A SKIFF-POD-MASQ -s 10.244.0.0/16 -d 224.0.0.0/4 -m comment --comment "multicast: no NAT" -j RETURN
-A SKIFF-POD-MASQ -s 10.244.0.0/16 -m comment --comment "pods leaving the cluster CIDR" -j MASQUERADE --random-fully
COMMIT
`);
});
