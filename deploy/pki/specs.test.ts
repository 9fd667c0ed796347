import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiserverSANs, clusterLeafSpecs, CERT, type ClusterIdentity } from './specs.ts';

const cluster: ClusterIdentity = {
  hostname: 'srv1', serverIPs: ['192.168.1.5', '10.0.0.5'], serviceCIDR: '10.96.0.0/12',
  nodes: [{ name: 'srv1', ips: ['192.168.1.5'] }, { name: 'w2', ips: ['192.168.1.6'] }],
};

test('apiserver SANs: hostname, kubernetes names, localhost; loopback, the kubernetes Service IP and every server IP', () => {
  assert.deepEqual(apiserverSANs(cluster), {
    dnsNames: ['srv1', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', 'localhost'],
    ipAddresses: ['127.0.0.1', '10.96.0.1', '192.168.1.5', '10.0.0.5'],
  });
});

test('the kubernetes Service IP is the first address of the service CIDR', () => {
  const cases: Array<[string, string]> = [['10.96.0.0/12', '10.96.0.1'], ['10.43.0.0/16', '10.43.0.1'], ['172.20.0.0/24', '172.20.0.1']];
  for (const [cidr, ip] of cases) {
    assert.ok(apiserverSANs({ ...cluster, serviceCIDR: cidr }).ipAddresses.includes(ip), cidr);
  }
});

test('cluster domain changes the long kubernetes Service name; duplicates are dropped', () => {
  const s = apiserverSANs({ ...cluster, hostname: 'localhost', serverIPs: ['127.0.0.1'], clusterDomain: 'corp.example' });
  assert.ok(s.dnsNames.includes('kubernetes.default.svc.corp.example'));
  assert.equal(s.dnsNames.filter((n) => n === 'localhost').length, 1);
  assert.deepEqual(s.ipAddresses, ['127.0.0.1', '10.96.0.1']);
});

test('client identities follow Kubernetes: name, groups, clientAuth only, no SANs', () => {
  const byName = new Map(clusterLeafSpecs(cluster).map((s) => [s.name, s]));
  const cases: Array<[string, string, string[]]> = [
    [CERT.admin, 'system:admin', ['system:masters']],
    [CERT.scheduler, 'system:kube-scheduler', []],
    [CERT.controllerManager, 'system:kube-controller-manager', []],
    [CERT.proxy, 'system:kube-proxy', []],
    [CERT.dns, 'system:skiff-dns', []],
    [CERT.apiserverKubeletClient, 'kube-apiserver-kubelet-client', ['system:masters']],
    [CERT.kubeletClient('srv1'), 'system:node:srv1', ['system:nodes']],
    [CERT.kubeletClient('w2'), 'system:node:w2', ['system:nodes']],
    [CERT.etcdClient, 'etcd-client', []],
  ];
  for (const [name, cn, orgs] of cases) {
    const s = byName.get(name);
    assert.ok(s, name);
    assert.equal(s.commonName, cn, name);
    assert.deepEqual(s.organizations, orgs, name);
    assert.deepEqual(s.usages, ['clientAuth'], name);
    assert.deepEqual([...s.dnsNames, ...s.ipAddresses], [], name);
  }
});

test('serving certs: apiserver and each kubelet are serverAuth; etcd server and peer are both; CAs are assigned', () => {
  const byName = new Map(clusterLeafSpecs(cluster).map((s) => [s.name, s]));
  assert.deepEqual(byName.get(CERT.apiserverServing)?.usages, ['serverAuth']);
  const w2 = byName.get(CERT.kubeletServing('w2'));
  assert.deepEqual(w2 && { usages: w2.usages, dns: w2.dnsNames, ips: w2.ipAddresses }, { usages: ['serverAuth'], dns: ['w2', 'localhost'], ips: ['127.0.0.1', '192.168.1.6'] });
  for (const n of [CERT.etcdServer, CERT.etcdPeer]) {
    assert.deepEqual(byName.get(n)?.usages, ['serverAuth', 'clientAuth'], n);
    assert.deepEqual(byName.get(n)?.ipAddresses, ['127.0.0.1', '192.168.1.5', '10.0.0.5'], n);
  }
  for (const s of byName.values()) assert.equal(s.ca, s.name.startsWith('etcd/') ? 'etcd' : 'cluster', s.name);
});

test('a node name that is not a DNS-1123 subdomain is refused (it becomes a file name)', () => {
  for (const bad of ['../x', 'A', '', 'a/b', '-a']) {
    assert.throws(() => clusterLeafSpecs({ ...cluster, nodes: [{ name: bad, ips: [] }] }), /DNS-1123/, bad);
  }
});
