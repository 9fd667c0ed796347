import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import { announceCommands } from './announce.ts';
import { ADDRESS_METRIC, addressesToAnnounce, announcePeer, decideAddresses, deviceOf, electSpeaker, type AddressPlan, type IfAddress } from './decide.ts';
import { addressCommands, parseAddresses } from './ipaddr.ts';

function node(name: string, ip: string, ready = 'True', labels?: Record<string, string>): Node {
  return { metadata: { name, ...(labels ? { labels } : {}) }, status: { addresses: [{ type: 'InternalIP', address: ip }], conditions: [{ type: 'Ready', status: ready }] } };
}
function lb(name: string, ips: string[], extra: Service['spec'] = {}): Service {
  return {
    metadata: { name, namespace: 'ns' }, spec: { type: 'LoadBalancer', clusterIP: '10.96.0.9', ports: [{ port: 80 }], ...extra },
    status: { loadBalancer: { ingress: ips.map((ip) => ({ ip, ipMode: 'VIP' })) } },
  };
}
const nodes = [node('n1', '10.77.0.1'), node('n2', '10.77.0.2'), node('n3', '10.77.0.3')];
const eth0 = (ip: string, prefixlen = 24, metric?: number): IfAddress => ({ dev: 'eth0', ip, prefixlen, ...(metric !== undefined ? { metric } : {}) });
const ours = (ip: string, dev = 'eth0'): IfAddress => ({ dev, ip, prefixlen: 32, metric: ADDRESS_METRIC });

describe('addressesToAnnounce', () => {
  it('pool addresses of classless LoadBalancer Services, never a node\'s own address', () => {
    const services = [
      lb('a', ['10.77.0.241', '10.77.0.240']),
      lb('nodeips', ['10.77.0.1', '10.77.0.2']),
      lb('classy', ['10.77.0.250'], { loadBalancerClass: 'example.com/x' }),
      { ...lb('was', ['10.77.0.249']), spec: { type: 'ClusterIP', clusterIP: '10.96.0.8' } },
    ];
    assert.deepEqual(addressesToAnnounce(services, nodes), [{ ip: '10.77.0.240' }, { ip: '10.77.0.241' }]);
  });
  it('externalTrafficPolicy Local: only nodes with a ready endpoint may announce', () => {
    const local = lb('loc', ['10.77.0.244'], { externalTrafficPolicy: 'Local' });
    const slices: EndpointSlice[] = [{
      addressType: 'IPv4', metadata: { name: 'loc-1', namespace: 'ns', labels: { 'kubernetes.io/service-name': 'loc' } },
      endpoints: [{ addresses: ['10.244.1.5'], nodeName: 'n2', conditions: { ready: true } }, { addresses: ['10.244.2.5'], nodeName: 'n3', conditions: { ready: false } }],
    }];
    assert.deepEqual(addressesToAnnounce([local], nodes, slices), [{ ip: '10.77.0.244', onlyNodes: new Set(['n2']) }]);
    assert.deepEqual(addressesToAnnounce([local], nodes, []), [{ ip: '10.77.0.244', onlyNodes: new Set() }]);
    assert.equal(electSpeaker('10.77.0.244', nodes, new Set(['n2'])), 'n2');
    assert.equal(electSpeaker('10.77.0.244', nodes, new Set()), undefined);
    const plan = decideAddresses('n2', [local], nodes, [eth0('10.77.0.2')], 'eth0', slices);
    assert.deepEqual(plan.add, [{ ip: '10.77.0.244', dev: 'eth0' }]);
    for (const other of ['n1', 'n3']) assert.deepEqual(decideAddresses(other, [local], nodes, [], 'eth0', slices).add, [], other);
  });
});

describe('electSpeaker', () => {
  it('one eligible node per address, the same from any input order, spread over the nodes', () => {
    const ips = Array.from({ length: 11 }, (_, i) => `10.77.0.${240 + i}`);
    const winners = ips.map((ip) => electSpeaker(ip, nodes));
    assert.deepEqual(ips.map((ip) => electSpeaker(ip, [...nodes].reverse())), winners);
    assert.ok(winners.every((w) => w !== undefined));
    assert.ok(new Set(winners).size > 1, `11 addresses spread over more than one node: ${winners.join(',')}`);
  });
  it('skips nodes that are not Ready, excluded, or without an InternalIP; moves only the lost node\'s addresses', () => {
    const ips = Array.from({ length: 11 }, (_, i) => `10.77.0.${240 + i}`);
    const before = ips.map((ip) => electSpeaker(ip, nodes));
    const gone = before[0];
    const rest = nodes.map((n) => (n.metadata?.name === gone ? node(gone ?? '', '10.77.0.9', 'Unknown') : n));
    const after = ips.map((ip) => electSpeaker(ip, rest));
    ips.forEach((_, i) => {
      if (before[i] === gone) assert.notEqual(after[i], gone);
      else assert.equal(after[i], before[i], 'addresses of the other nodes stay');
    });
    assert.equal(electSpeaker('10.77.0.240', [node('x', '10.77.0.5', 'True', { 'node.kubernetes.io/exclude-from-external-load-balancers': '' })]), undefined);
    assert.equal(electSpeaker('10.77.0.240', [{ metadata: { name: 'noip' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } }]), undefined);
  });
});

describe('decideAddresses', () => {
  const ip = '10.77.0.240';
  const winner = electSpeaker(ip, nodes) ?? '';
  const loser = nodes.map((n) => n.metadata?.name ?? '').find((n) => n !== winner) ?? '';
  const services = [lb('a', [ip])];
  const none: AddressPlan = { add: [], remove: [], skipped: [] };
  const cases: Array<{ name: string; me: string; services?: Service[]; current: IfAddress[]; dev?: string; want: AddressPlan }> = [
    { name: 'elected: add the /32 on the InternalIP interface', me: winner, current: [eth0('10.77.0.1')], want: { ...none, add: [{ ip, dev: 'eth0' }] } },
    { name: 'elected and converged: nothing', me: winner, current: [eth0('10.77.0.1'), ours(ip)], want: none },
    { name: 'not elected: nothing to add', me: loser, current: [eth0('10.77.0.2')], want: none },
    { name: 'not elected any more (another node won): remove ours', me: loser, current: [eth0('10.77.0.2'), ours(ip)], want: { ...none, remove: [{ ip, dev: 'eth0' }] } },
    { name: 'Service gone: remove', me: winner, services: [], current: [ours(ip), ours('10.77.0.245')], want: { ...none, remove: [{ ip, dev: 'eth0' }, { ip: '10.77.0.245', dev: 'eth0' }] } },
    { name: 'on the wrong interface: moved', me: winner, current: [ours(ip, 'eth1')], want: { ...none, remove: [{ ip, dev: 'eth1' }], add: [{ ip, dev: 'eth0' }] } },
    { name: 'configured by someone else: left alone', me: winner, current: [eth0(ip, 24)], want: { ...none, skipped: [{ ip, reason: 'already configured on this node by someone else; not taking it over' }] } },
    { name: 'a /32 with another metric is not ours', me: loser, current: [eth0(ip, 32, 100)], want: none },
    { name: 'no interface found: remove ours, add nothing', me: winner, current: [ours(ip)], dev: 'none', want: { add: [], remove: [{ ip, dev: 'eth0' }], skipped: [{ ip, reason: 'no interface holds this node\'s InternalIP' }] } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const dev = c.dev === 'none' ? undefined : c.dev ?? 'eth0';
      assert.deepEqual(decideAddresses(c.me, c.services ?? services, nodes, c.current, dev), c.want);
    });
  }
});

describe('ip addr parsing and commands', () => {
  it('parses ip -4 -j addr show, with metrics', () => {
    const json = JSON.stringify([
      { ifname: 'lo', addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8 }] },
      { ifname: 'eth0', addr_info: [{ family: 'inet', local: '10.77.0.1', prefixlen: 24 }, { family: 'inet', local: '10.77.0.240', prefixlen: 32, metric: 250 }, { family: 'inet6', local: 'fe80::1', prefixlen: 64 }] },
    ]);
    const addrs = parseAddresses(json);
    assert.deepEqual(addrs, [
      { dev: 'lo', ip: '127.0.0.1', prefixlen: 8 }, { dev: 'eth0', ip: '10.77.0.1', prefixlen: 24 }, { dev: 'eth0', ip: '10.77.0.240', prefixlen: 32, metric: 250 },
    ]);
    assert.equal(deviceOf('10.77.0.1', addrs), 'eth0');
    assert.equal(deviceOf('10.77.0.240', addrs), undefined, 'our own /32 never names the interface');
    assert.deepEqual(parseAddresses(''), []);
  });
  it('renders removals first, adds with the metric', () => {
    assert.deepEqual(addressCommands({ add: [{ ip: '10.77.0.240', dev: 'eth0' }], remove: [{ ip: '10.77.0.241', dev: 'eth1' }], skipped: [] }), [
      ['addr', 'del', '10.77.0.241/32', 'dev', 'eth1'],
      ['addr', 'add', '10.77.0.240/32', 'dev', 'eth0', 'metric', '250'],
    ]);
  });
});

describe('announcing a claim', () => {
  it('goes through the first other eligible node, none on a one-node cluster', () => {
    assert.equal(announcePeer('n1', nodes), '10.77.0.2');
    assert.equal(announcePeer('n2', [...nodes].reverse()), '10.77.0.1');
    assert.equal(announcePeer('n1', [nodes[0] as Node, node('n2', '10.77.0.2', 'False')]), undefined);
  });
  it('forgets the peer\'s neighbour entry, then sends it a datagram from the claimed address', () => {
    const [del, send] = announceCommands('10.77.0.240', 'eth0', '10.77.0.2', '/usr/bin/node');
    assert.deepEqual(del, ['ip', ['neigh', 'del', '10.77.0.2', 'dev', 'eth0']]);
    assert.equal(send?.[0], '/usr/bin/node');
    assert.deepEqual(send?.[1].slice(2), ['10.77.0.240', '10.77.0.2']);
  });
});
