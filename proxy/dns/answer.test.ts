/**
 * The answer tables: every record shape of the Kubernetes DNS specification
 * (and Skiff's pod/PTR extensions) over one snapshot of Services and
 * EndpointSlices, plus NXDOMAIN/NODATA with the SOA and forwarding.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Answer, RecordType } from 'dns-packet';
import type { Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import { answerQuestion, reverseNameToIP, type AnswerConfig, type Decision } from './answer.ts';
import { buildDNSIndex } from './snapshot.ts';

const cfg: AnswerConfig = { zone: 'cluster.local', ttl: 5, nameserverIP: '10.96.0.10' };

const svc = (ns: string, name: string, spec: Service['spec']): Service => ({ metadata: { namespace: ns, name }, spec });
const slice = (ns: string, svcName: string, endpoints: NonNullable<EndpointSlice['endpoints']>, addressType = 'IPv4'): EndpointSlice => ({
  addressType, metadata: { namespace: ns, name: `${svcName}-x`, labels: { 'kubernetes.io/service-name': svcName } }, endpoints, ports: [],
});
const pod = (name: string) => ({ kind: 'Pod', name, namespace: 'shop' });

const services: Service[] = [
  svc('shop', 'storefront', { clusterIP: '10.96.5.5', clusterIPs: ['10.96.5.5'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { port: 9000 }] }),
  svc('shop', 'db', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] }),
  svc('shop', 'empty', { clusterIP: 'None', ports: [{ name: 'x', port: 1 }] }),
  svc('shop', 'dual', { clusterIP: '10.96.7.7', clusterIPs: ['10.96.7.7', 'fd00::7'], ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }),
  svc('shop', 'ext', { type: 'ExternalName', externalName: 'Example.Test.' }),
  svc('other', 'storefront', { clusterIP: '10.96.9.9', ports: [{ port: 80 }] }),
];
const slices: EndpointSlice[] = [
  slice('shop', 'db', [
    { addresses: ['10.244.1.3'], hostname: 'db-0', conditions: { ready: true }, targetRef: pod('db-0') },
    { addresses: ['10.244.2.4'], hostname: 'db-1', conditions: { ready: true }, targetRef: pod('db-1') },
    { addresses: ['10.244.2.9'], conditions: { ready: true }, targetRef: pod('db-x') },
    { addresses: ['10.244.1.8'], hostname: 'db-2', conditions: { ready: false }, targetRef: pod('db-2') },
  ]),
  slice('shop', 'storefront', [{ addresses: ['10.244.1.5'], conditions: { ready: true }, targetRef: pod('web-1') }]),
];
const index = buildDNSIndex(services, slices, 1_700_000_000_000);

const soa = { name: 'cluster.local', type: 'SOA', class: 'IN', ttl: 5, data: { mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 1_700_000_000, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 } };
const rr = (name: string, type: string, data: unknown): Answer => ({ name, type, class: 'IN', ttl: 5, data } as Answer);
const ok = (answers: Answer[], additionals: Answer[] = []): Decision => ({ kind: 'answer', rcode: 'NOERROR', answers, authorities: [], additionals });
const nodata: Decision = { kind: 'answer', rcode: 'NOERROR', answers: [], authorities: [soa as Answer], additionals: [] };
const nxdomain: Decision = { kind: 'answer', rcode: 'NXDOMAIN', answers: [], authorities: [soa as Answer], additionals: [] };
const forward: Decision = { kind: 'forward' };

const S = 'storefront.shop.svc.cluster.local';
const D = 'db.shop.svc.cluster.local';
const cases: Array<[string, RecordType, Decision]> = [
  // ClusterIP Service (spec 2.3)
  [S, 'A', ok([rr(S, 'A', '10.96.5.5')])],
  ['StoreFront.SHOP.svc.cluster.local.', 'A', ok([rr('storefront.shop.svc.cluster.local', 'A', '10.96.5.5')])],
  [S, 'AAAA', nodata],
  [S, 'TXT', nodata],
  ['storefront.other.svc.cluster.local', 'A', ok([rr('storefront.other.svc.cluster.local', 'A', '10.96.9.9')])],
  ['dual.shop.svc.cluster.local', 'AAAA', ok([rr('dual.shop.svc.cluster.local', 'AAAA', 'fd00::7')])],
  [`_http._tcp.${S}`, 'SRV', ok([rr(`_http._tcp.${S}`, 'SRV', { priority: 0, weight: 100, port: 80, target: S })], [rr(S, 'A', '10.96.5.5')])],
  [`_http._tcp.${S}`, 'A', nodata],
  [`_http._udp.${S}`, 'SRV', nxdomain],
  [`_nope._tcp.${S}`, 'SRV', nxdomain],
  [`_tcp.${S}`, 'SRV', nodata],
  ['_dns._udp.dual.shop.svc.cluster.local', 'SRV', ok(
    [rr('_dns._udp.dual.shop.svc.cluster.local', 'SRV', { priority: 0, weight: 100, port: 53, target: 'dual.shop.svc.cluster.local' })],
    [rr('dual.shop.svc.cluster.local', 'A', '10.96.7.7'), rr('dual.shop.svc.cluster.local', 'AAAA', 'fd00::7')])],
  // headless Service (spec 2.4): one A per ready endpoint, hostnames, SRV per endpoint
  [D, 'A', ok([rr(D, 'A', '10.244.1.3'), rr(D, 'A', '10.244.2.4'), rr(D, 'A', '10.244.2.9')])],
  [`db-0.${D}`, 'A', ok([rr(`db-0.${D}`, 'A', '10.244.1.3')])],
  [`10-244-2-9.${D}`, 'A', ok([rr(`10-244-2-9.${D}`, 'A', '10.244.2.9')])],
  [`db-2.${D}`, 'A', nxdomain],
  [`_pg._tcp.${D}`, 'SRV', ok([
    rr(`_pg._tcp.${D}`, 'SRV', { priority: 0, weight: 100, port: 5432, target: `db-0.${D}` }),
    rr(`_pg._tcp.${D}`, 'SRV', { priority: 0, weight: 100, port: 5432, target: `db-1.${D}` }),
    rr(`_pg._tcp.${D}`, 'SRV', { priority: 0, weight: 100, port: 5432, target: `10-244-2-9.${D}` }),
  ], [rr(`db-0.${D}`, 'A', '10.244.1.3'), rr(`db-1.${D}`, 'A', '10.244.2.4'), rr(`10-244-2-9.${D}`, 'A', '10.244.2.9')])],
  ['empty.shop.svc.cluster.local', 'A', nodata],
  [`db-0.${S}`, 'A', nxdomain],
  // ExternalName (spec 1.1.0): a CNAME, its target resolved by the server
  ['ext.shop.svc.cluster.local', 'A', { kind: 'answer', rcode: 'NOERROR', answers: [rr('ext.shop.svc.cluster.local', 'CNAME', 'example.test')], authorities: [], additionals: [], chase: 'example.test' }],
  ['ext.shop.svc.cluster.local', 'CNAME', ok([rr('ext.shop.svc.cluster.local', 'CNAME', 'example.test')])],
  // names that exist without records, and names that do not exist
  ['shop.svc.cluster.local', 'A', nodata],
  ['svc.cluster.local', 'A', nodata],
  ['nosuch.svc.cluster.local', 'A', nxdomain],
  ['nosuch.shop.svc.cluster.local', 'A', nxdomain],
  ['nosuch.shop.svc.cluster.local', 'AAAA', nxdomain],
  ['a.b.c.d.e.shop.svc.cluster.local', 'A', nxdomain],
  ['web.example.cluster.local', 'A', nxdomain],
  // pods (kube-dns's deprecated record; CoreDNS pods insecure)
  ['10-244-1-7.shop.pod.cluster.local', 'A', ok([rr('10-244-1-7.shop.pod.cluster.local', 'A', '10.244.1.7')])],
  ['10-244-1-7.shop.pod.cluster.local', 'AAAA', nodata],
  ['10-244-1.shop.pod.cluster.local', 'A', nxdomain],
  ['10-244-1-999.shop.pod.cluster.local', 'A', nxdomain],
  ['shop.pod.cluster.local', 'A', nodata],
  // PTR: Service IPs, headless hostnames, pod IPs of endpoints; others fall through
  ['5.5.96.10.in-addr.arpa', 'PTR', ok([rr('5.5.96.10.in-addr.arpa', 'PTR', S)])],
  ['3.1.244.10.in-addr.arpa', 'PTR', ok([rr('3.1.244.10.in-addr.arpa', 'PTR', `db-0.${D}`)])],
  ['5.1.244.10.in-addr.arpa', 'PTR', ok([rr('5.1.244.10.in-addr.arpa', 'PTR', '10-244-1-5.shop.pod.cluster.local')])],
  ['7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa', 'PTR',
    ok([rr('7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa', 'PTR', 'dual.shop.svc.cluster.local')])],
  ['1.1.168.192.in-addr.arpa', 'PTR', forward],
  ['96.10.in-addr.arpa', 'PTR', forward],
  // the zone itself
  ['cluster.local', 'SOA', ok([soa as Answer])],
  ['cluster.local', 'NS', ok([rr('cluster.local', 'NS', 'ns.dns.cluster.local')], [rr('ns.dns.cluster.local', 'A', '10.96.0.10')])],
  ['cluster.local', 'A', nodata],
  ['dns-version.cluster.local', 'TXT', ok([rr('dns-version.cluster.local', 'TXT', '1.1.0')])],
  ['ns.dns.cluster.local', 'A', ok([rr('ns.dns.cluster.local', 'A', '10.96.0.10')])],
  // everything else is forwarded
  ['example.com', 'A', forward],
  ['cluster.local.example.com', 'A', forward],
  ['xcluster.local', 'A', forward],
];

for (const [name, type, want] of cases) {
  test(`${type} ${name}`, () => {
    assert.deepEqual(answerQuestion({ name, type, class: 'IN' }, index, cfg), want);
  });
}

test('a changed snapshot changes the answer: a new ready endpoint appears, a deleted Service is NXDOMAIN', () => {
  const more = [...slices, slice('shop', 'db', [{ addresses: ['10.244.3.3'], hostname: 'db-3', conditions: { ready: true } }])];
  const after = buildDNSIndex(services.filter((s) => s.metadata?.name !== 'storefront'), more, 0);
  const a = answerQuestion({ name: D, type: 'A' }, after, cfg);
  assert.equal(a.kind === 'answer' && a.answers.length, 4);
  assert.equal(answerQuestion({ name: S, type: 'A' }, after, cfg).kind === 'answer' && (answerQuestion({ name: S, type: 'A' }, after, cfg) as { rcode: string }).rcode, 'NXDOMAIN');
});

test('publishNotReadyAddresses serves not-ready endpoints of a headless Service', () => {
  const s = svc('shop', 'db', { clusterIP: 'None', publishNotReadyAddresses: true, ports: [] });
  const idx = buildDNSIndex([s], slices, 0);
  const d = answerQuestion({ name: `db-2.${D}`, type: 'A' }, idx, cfg);
  assert.deepEqual(d.kind === 'answer' ? d.answers : [], [rr(`db-2.${D}`, 'A', '10.244.1.8')]);
});

test('an endpoint that is not a Pod (the kube-dns node endpoints) gets no pod PTR', () => {
  const s = svc('kube-system', 'kube-dns', { clusterIP: '10.96.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] });
  const idx = buildDNSIndex([s], [slice('kube-system', 'kube-dns', [{ addresses: ['192.168.1.10'], nodeName: 'n1' }])], 0);
  assert.equal(idx.reverse.get('192.168.1.10'), undefined);
  assert.equal(idx.reverse.get('10.96.0.10'), 'kube-dns.kube-system.svc');
});

test('reverseNameToIP parses full names only', () => {
  assert.equal(reverseNameToIP('4.3.2.1.in-addr.arpa.'), '1.2.3.4');
  assert.equal(reverseNameToIP('3.2.1.in-addr.arpa'), undefined);
  assert.equal(reverseNameToIP('04.3.2.1.in-addr.arpa'), undefined);
  assert.equal(reverseNameToIP('1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa'), '2001:db8::1');
});
