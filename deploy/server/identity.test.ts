import { test } from 'node:test';
import assert from 'node:assert/strict';
import type os from 'node:os';
import { serverAddresses, serverIdentity } from './identity.ts';

const addr = (address: string, family: 'IPv4' | 'IPv6', internal = false): os.NetworkInterfaceInfo =>
  ({ address, family, internal, netmask: '', mac: '', cidr: null, ...(family === 'IPv6' ? { scopeid: 0 } : {}) }) as os.NetworkInterfaceInfo;

const ifaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = {
  lo: [addr('127.0.0.1', 'IPv4', true), addr('::1', 'IPv6', true)],
  eth1: [addr('192.168.1.7', 'IPv4'), addr('fe80::1', 'IPv6')],
  eth0: [addr('10.0.0.5', 'IPv4'), addr('fd00::5', 'IPv6'), addr('169.254.3.3', 'IPv4')],
  cni0: [addr('10.244.0.1', 'IPv4')],
  veth12: [addr('10.244.0.9', 'IPv4')],
};

test('serverAddresses: global addresses in interface order, no loopback, link-local or pod interfaces', () => {
  assert.deepEqual(serverAddresses(ifaces), ['10.0.0.5', 'fd00::5', '192.168.1.7']);
  assert.deepEqual(serverAddresses({}), []);
});

test('serverIdentity: node IP given or picked, first in the SANs; hostname lowercased; one node', () => {
  const cases = [
    { nodeIP: undefined, wantIP: '10.0.0.5', wantIPs: ['10.0.0.5', 'fd00::5', '192.168.1.7'] },
    { nodeIP: '192.168.1.7', wantIP: '192.168.1.7', wantIPs: ['192.168.1.7', '10.0.0.5', 'fd00::5'] },
    { nodeIP: '10.9.9.9', wantIP: '10.9.9.9', wantIPs: ['10.9.9.9', '10.0.0.5', 'fd00::5', '192.168.1.7'] },
  ];
  for (const c of cases) {
    const s = serverIdentity({ nodeName: 'n1', nodeIP: c.nodeIP, serviceCIDR: '10.96.0.0/12' }, 'Pi-Box', ifaces);
    assert.equal(s.nodeIP, c.wantIP);
    assert.deepEqual(s.identity, { hostname: 'pi-box', serverIPs: c.wantIPs, nodes: [{ name: 'n1', ips: [c.wantIP] }], serviceCIDR: '10.96.0.0/12' });
  }
  const none = serverIdentity({ nodeName: 'n1', serviceCIDR: '10.96.0.0/12' }, 'h', { lo: ifaces.lo });
  assert.deepEqual([none.nodeIP, none.identity.serverIPs, none.identity.nodes], ['', [], [{ name: 'n1', ips: [] }]]);
});
