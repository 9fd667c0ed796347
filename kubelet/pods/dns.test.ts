/** podDNSConfig per dnsPolicy, as kubelet's dns.go does (table). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1';
import type { DNSConfig } from '../cri/types.ts';
import { mergeDNSOptions, podDNSConfig, type NodeDNS } from './dns.ts';

const host: DNSConfig = { servers: ['192.168.1.1'], searches: ['lan'], options: ['edns0', 'timeout:2'] };
const node: NodeDNS = { host, clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local' };
const pod = (spec: Pod['spec'] = { containers: [] }): Pod => ({ metadata: { name: 'p', namespace: 'shop' }, spec });
const cluster: DNSConfig = { servers: ['10.96.0.10'], searches: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'lan'], options: ['ndots:5'] };

test('podDNSConfig per dnsPolicy', () => {
  const cases: Array<[string, Pod, NodeDNS, DNSConfig]> = [
    ['ClusterFirst (default)', pod(), node, cluster],
    ['ClusterFirst explicit', pod({ containers: [], dnsPolicy: 'ClusterFirst' }), node, cluster],
    ['ClusterFirst + hostNetwork falls back to the host', pod({ containers: [], hostNetwork: true }), node, host],
    ['ClusterFirstWithHostNet', pod({ containers: [], hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), node, cluster],
    ['Default', pod({ containers: [], dnsPolicy: 'Default' }), node, host],
    ['None', pod({ containers: [], dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: ['x.test'], options: [{ name: 'ndots', value: '1' }] } }), node,
      { servers: ['1.1.1.1'], searches: ['x.test'], options: ['ndots:1'] }],
    ['no --cluster-dns: the host config', pod(), { ...node, clusterDNS: [] }, host],
    ['a host search equal to a cluster one is not repeated', pod(), { ...node, host: { ...host, searches: ['cluster.local', 'lan'] } }, cluster],
    ['dnsConfig merges into ClusterFirst', pod({ containers: [], dnsConfig: { nameservers: ['10.96.0.10', '9.9.9.9'], searches: ['lan', 'extra.test'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] } }), node,
      { servers: ['10.96.0.10', '9.9.9.9'], searches: [...cluster.searches, 'extra.test'], options: ['ndots:2', 'edns0'] }],
    ['at most 3 nameservers', pod({ containers: [], dnsPolicy: 'None', dnsConfig: { nameservers: ['1.0.0.1', '1.0.0.2', '1.0.0.3', '1.0.0.4'] } }), node,
      { servers: ['1.0.0.1', '1.0.0.2', '1.0.0.3'], searches: [], options: [] }],
  ];
  for (const [name, p, n, want] of cases) assert.deepEqual(podDNSConfig(p, n), want, name);
});

test('search domains are trimmed to 32 and 2048 characters', () => {
  const many = Array.from({ length: 40 }, (_, i) => `d${i}.test`);
  assert.equal(podDNSConfig(pod({ containers: [], dnsPolicy: 'None', dnsConfig: { searches: many } }), node).searches.length, 32);
  const long = Array.from({ length: 10 }, (_, i) => `${String(i).padStart(250, 'x')}`);
  const got = podDNSConfig(pod({ containers: [], dnsPolicy: 'None', dnsConfig: { searches: long } }), node).searches;
  assert.equal(got.length, 8);
  assert.ok(got.join(' ').length <= 2048);
});

test('mergeDNSOptions: by name, the pod wins, valueless options', () => {
  assert.deepEqual(mergeDNSOptions(['ndots:5', 'edns0'], [{ name: 'ndots', value: '3' }, { name: 'single-request' }, {}]), ['ndots:3', 'edns0', 'single-request']);
});
