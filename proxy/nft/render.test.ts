import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildServicePorts } from '../model.ts';
import { ep, slice, svc } from '../fixtures.test-util.ts';
import { endpointBase, isServiceChainName, servicePortBase } from './names.ts';
import { renderDelta, renderFull, renderNftables } from './render.ts';
import { buildRuleset, emptyRuleset, type NftRenderConfig } from './ruleset.ts';

/** Shared endpoint-choice chains for 1..3 endpoints here, to keep the golden text short (the default is 16). */
const cfg: NftRenderConfig = { serviceCIDR: '10.96.0.0/12', clusterCIDR: '10.244.0.0/16', nodeName: 'n1', inlineEndpointsMax: 3 };
const T = 'ip skiff';
const PICKS = ['cluster', 'local'].flatMap((p) => [1, 2, 3].map((n) => [`${p}-endpoints-${n}`, p, n] as const));
const PROTOS = ['tcp', 'udp', 'sctp'];

/** The fixed part every full transaction starts with. */
const FIXED = [
  `add table ${T} { comment "skiff service proxy" ; }`,
  `add chain ${T} filter-prerouting { type filter hook prerouting priority -110 ; }`, `flush chain ${T} filter-prerouting`,
  `add chain ${T} filter-input { type filter hook input priority -110 ; }`, `flush chain ${T} filter-input`,
  `add chain ${T} filter-forward { type filter hook forward priority -110 ; }`, `flush chain ${T} filter-forward`,
  `add chain ${T} filter-output { type filter hook output priority -110 ; }`, `flush chain ${T} filter-output`,
  `add chain ${T} filter-output-post-dnat { type filter hook output priority -90 ; }`, `flush chain ${T} filter-output-post-dnat`,
  `add chain ${T} nat-prerouting { type nat hook prerouting priority -100 ; }`, `flush chain ${T} nat-prerouting`,
  `add chain ${T} nat-output { type nat hook output priority -100 ; }`, `flush chain ${T} nat-output`,
  `add chain ${T} nat-postrouting { type nat hook postrouting priority 100 ; }`, `flush chain ${T} nat-postrouting`,
  ...['services', 'service-endpoints-check', 'nodeport-endpoints-check', 'cluster-ips-check', 'firewall-check', 'mark-for-masquerade', 'masquerading', 'reject-chain']
    .flatMap((c) => [`add chain ${T} ${c}`, `flush chain ${T} ${c}`]),
  ...PICKS.flatMap(([c]) => [`add chain ${T} ${c}`, `flush chain ${T} ${c}`]),
  `add map ${T} service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; }`, `flush map ${T} service-ips`,
  `add map ${T} service-nodeports { type inet_proto . inet_service : verdict ; }`, `flush map ${T} service-nodeports`,
  `add map ${T} no-endpoint-services { type ipv4_addr . inet_proto . inet_service : verdict ; }`, `flush map ${T} no-endpoint-services`,
  `add map ${T} no-endpoint-nodeports { type inet_proto . inet_service : verdict ; }`, `flush map ${T} no-endpoint-nodeports`,
  `add map ${T} firewall-ips { type ipv4_addr . inet_proto . inet_service : verdict ; }`, `flush map ${T} firewall-ips`,
  ...['cluster', 'local'].flatMap((p) => PROTOS.flatMap((proto) => [
    `add map ${T} ${p}-${proto}-endpoints { typeof ip daddr . th dport . numgen random mod 1 : ip daddr . ${proto} dport ; }`, `flush map ${T} ${p}-${proto}-endpoints`,
    `add map ${T} ${p}-${proto}-nodeport-endpoints { typeof th dport . numgen random mod 1 : ip daddr . ${proto} dport ; }`,
    `flush map ${T} ${p}-${proto}-nodeport-endpoints`,
  ])),
  `add set ${T} cluster-ips { type ipv4_addr ; }`, `flush set ${T} cluster-ips`,
  `add set ${T} hairpin { type ipv4_addr . ipv4_addr ; }`, `flush set ${T} hairpin`,
  `add rule ${T} filter-prerouting ct state new jump firewall-check`,
  `add rule ${T} filter-output ct state new jump firewall-check`,
  `add rule ${T} filter-input ct state new jump nodeport-endpoints-check`,
  `add rule ${T} filter-input ct state new jump service-endpoints-check`,
  `add rule ${T} filter-forward ct state new jump service-endpoints-check`,
  `add rule ${T} filter-forward ct state new jump cluster-ips-check`,
  `add rule ${T} filter-output ct state new jump service-endpoints-check`,
  `add rule ${T} filter-output-post-dnat ct state new jump cluster-ips-check`,
  `add rule ${T} nat-prerouting jump services`,
  `add rule ${T} nat-output jump services`,
  `add rule ${T} nat-postrouting jump masquerading`,
  `add rule ${T} services ip daddr @cluster-ips ip saddr != 10.244.0.0/16 jump mark-for-masquerade`,
  `add rule ${T} services ip daddr . meta l4proto . th dport vmap @service-ips`,
  `add rule ${T} services fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @service-nodeports`,
  `add rule ${T} service-endpoints-check ip daddr . meta l4proto . th dport vmap @no-endpoint-services`,
  `add rule ${T} firewall-check ip daddr . meta l4proto . th dport vmap @firewall-ips`,
  `add rule ${T} nodeport-endpoints-check fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @no-endpoint-nodeports`,
  `add rule ${T} cluster-ips-check ip daddr @cluster-ips goto reject-chain`,
  `add rule ${T} cluster-ips-check ip daddr 10.96.0.0/12 drop`,
  `add rule ${T} mark-for-masquerade mark set mark or 0x00004000`,
  `add rule ${T} masquerading ct status dnat ip saddr . ip daddr @hairpin mark set mark or 0x00004000`,
  `add rule ${T} masquerading mark and 0x00004000 == 0 return`,
  `add rule ${T} masquerading mark set mark xor 0x00004000`,
  `add rule ${T} masquerading masquerade fully-random`,
  `add rule ${T} reject-chain meta l4proto tcp reject with tcp reset`,
  `add rule ${T} reject-chain reject`,
  ...PICKS.flatMap(([c, p, n]) => PROTOS.flatMap((proto) => [
    `add rule ${T} ${c} meta l4proto ${proto} dnat ip to ip daddr . th dport . numgen random mod ${n} map @${p}-${proto}-endpoints`,
    `add rule ${T} ${c} meta l4proto ${proto} dnat ip to th dport . numgen random mod ${n} map @${p}-${proto}-nodeport-endpoints`,
  ])),
];

const full = (lines: string[]): string => [...FIXED, ...lines, ''].join('\n');

test('names are kube-proxy nftables names (its documented examples)', () => {
  assert.equal(servicePortBase('ns1', 'svc1', 'tcp', 'p80'), 'ULMVA6XW-ns1/svc1/tcp/p80');
  assert.equal(endpointBase('ns1', 'svc1', 'tcp', 'p80', '10.180.0.1', 80), '5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80');
  assert.ok(isServiceChainName('service-ULMVA6XW-ns1/svc1/tcp/p80'));
  assert.ok(!isServiceChainName('services'));
  assert.equal(renderNftables([], [], cfg), full([]));
});

test('ClusterIP with 3 endpoints: dispatch to the shared 3-endpoint chain, one DNAT element per endpoint (sorted), hairpin pairs; no chain of its own', () => {
  const services = [svc('ns1', 'svc1', '10.96.0.41', [{ name: 'p80', port: 80, targetPort: 8080 }])];
  const slices = [slice('ns1', 'svc1', 'svc1-abc', [{ name: 'p80', port: 8080 }], [ep('10.244.0.3'), ep('10.244.0.1'), ep('10.244.0.2')])];
  const want = full([
    `add element ${T} service-ips { 10.96.0.41 . tcp . 80 : goto cluster-endpoints-3 }`,
    `add element ${T} cluster-tcp-endpoints { 10.96.0.41 . 80 . 0 : 10.244.0.1 . 8080, 10.96.0.41 . 80 . 1 : 10.244.0.2 . 8080, 10.96.0.41 . 80 . 2 : 10.244.0.3 . 8080 }`,
    `add element ${T} cluster-ips { 10.96.0.41 }`,
    `add element ${T} hairpin { 10.244.0.1 . 10.244.0.1, 10.244.0.2 . 10.244.0.2, 10.244.0.3 . 10.244.0.3 }`,
  ]);
  assert.equal(renderNftables(services, slices, cfg), want);
  assert.equal(renderNftables(services, [...slices].reverse(), cfg), want, 'deterministic');
});

test('no endpoints: ClusterIP, externalIP and NodePort go to the reject chain; no per-service chain', () => {
  const services = [svc('default', 'empty', '10.96.0.50', [{ port: 80, nodePort: 30081 }], { type: 'NodePort', externalIPs: ['192.0.2.11'] })];
  assert.equal(renderNftables(services, [], cfg), full([
    `add element ${T} no-endpoint-services { 10.96.0.50 . tcp . 80 : goto reject-chain, 192.0.2.11 . tcp . 80 : goto reject-chain }`,
    `add element ${T} no-endpoint-nodeports { tcp . 30081 : goto reject-chain }`,
    `add element ${T} cluster-ips { 10.96.0.50 }`,
  ]));
});

test('NodePort and externalIP: the external chain masquerades, then chooses a cluster endpoint (elements for the external IP and the node port)', () => {
  const services = [svc('default', 'np', '10.96.0.30', [{ port: 80, nodePort: 30080 }], { type: 'NodePort', externalIPs: ['192.0.2.10'] })];
  const slices = [slice('default', 'np', 'np-1', [{ port: 8080 }], [ep('10.244.0.5')])];
  const x = 'external-L54OOY4A-default/np/tcp/';
  assert.equal(renderNftables(services, slices, cfg), full([
    `add chain ${T} ${x}`,
    `add rule ${T} ${x} jump mark-for-masquerade`,
    `add rule ${T} ${x} goto cluster-endpoints-1`,
    `add element ${T} service-ips { 10.96.0.30 . tcp . 80 : goto cluster-endpoints-1, 192.0.2.10 . tcp . 80 : goto ${x} }`,
    `add element ${T} service-nodeports { tcp . 30080 : goto ${x} }`,
    `add element ${T} cluster-tcp-endpoints { 10.96.0.30 . 80 . 0 : 10.244.0.5 . 8080, 192.0.2.10 . 80 . 0 : 10.244.0.5 . 8080 }`,
    `add element ${T} cluster-tcp-nodeport-endpoints { 30080 . 0 : 10.244.0.5 . 8080 }`,
    `add element ${T} cluster-ips { 10.96.0.30 }`,
    `add element ${T} hairpin { 10.244.0.5 . 10.244.0.5 }`,
  ]));
});

test("ClientIP affinity: kube-proxy's per-endpoint affinity sets and chains, numgen vmap", () => {
  const services = [svc('default', 'sticky', '10.96.0.41', [{ port: 80 }], { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } } })];
  const slices = [slice('default', 'sticky', 'st-1', [{ port: 8080 }], [ep('10.244.0.5'), ep('10.244.0.6')])];
  const e5 = 'PF3M666X-default/sticky/tcp/__10.244.0.5/8080';
  const e6 = '4EUNKWOF-default/sticky/tcp/__10.244.0.6/8080';
  const s = 'service-EDE2N7RF-default/sticky/tcp/';
  assert.equal(renderNftables(services, slices, cfg), full([
    `add set ${T} affinity-${e5} { type ipv4_addr ; flags dynamic,timeout ; }`,
    `add set ${T} affinity-${e6} { type ipv4_addr ; flags dynamic,timeout ; }`,
    `add chain ${T} endpoint-${e5}`, `add chain ${T} endpoint-${e6}`, `add chain ${T} ${s}`,
    `add rule ${T} endpoint-${e5} update @affinity-${e5} { ip saddr timeout 600s }`,
    `add rule ${T} endpoint-${e5} meta l4proto tcp dnat to 10.244.0.5:8080`,
    `add rule ${T} endpoint-${e6} update @affinity-${e6} { ip saddr timeout 600s }`,
    `add rule ${T} endpoint-${e6} meta l4proto tcp dnat to 10.244.0.6:8080`,
    `add rule ${T} ${s} ip saddr @affinity-${e5} goto endpoint-${e5}`,
    `add rule ${T} ${s} ip saddr @affinity-${e6} goto endpoint-${e6}`,
    `add rule ${T} ${s} numgen random mod 2 vmap { 0 : goto endpoint-${e5}, 1 : goto endpoint-${e6} }`,
    `add element ${T} service-ips { 10.96.0.41 . tcp . 80 : goto ${s} }`,
    `add element ${T} cluster-ips { 10.96.0.41 }`,
    `add element ${T} hairpin { 10.244.0.5 . 10.244.0.5, 10.244.0.6 . 10.244.0.6 }`,
  ]));
});

const svc1 = [svc('ns1', 'svc1', '10.96.0.41', [{ name: 'p80', port: 80, targetPort: 8080 }])];
const rs = (ips: string[], inlineEndpointsMax?: number) => buildRuleset(buildServicePorts(svc1,
  ips.length ? [slice('ns1', 'svc1', 'x', [{ name: 'p80', port: 8080 }], ips.map((ip) => ep(ip)))] : [], { nodeName: 'n1' }), { inlineEndpointsMax });

test('delta, endpoint replaced: the new endpoint chain, the service chain rewritten, elements swapped, the old chain deleted last', () => {
  const e1 = 'endpoint-74F5FORZ-ns1/svc1/tcp/p80__10.244.0.1/8080';
  const e2 = 'endpoint-FPUXR2TT-ns1/svc1/tcp/p80__10.244.0.2/8080';
  const e3 = 'endpoint-T2WSLMDB-ns1/svc1/tcp/p80__10.244.0.3/8080';
  const s = 'service-ULMVA6XW-ns1/svc1/tcp/p80';
  assert.equal(renderDelta(rs(['10.244.0.1', '10.244.0.2'], 1), rs(['10.244.0.1', '10.244.0.3'], 1)), [
    `add chain ${T} ${e3}`,
    `add rule ${T} ${e3} meta l4proto tcp dnat to 10.244.0.3:8080`,
    `flush chain ${T} ${s}`,
    `add rule ${T} ${s} numgen random mod 2 vmap { 0 : goto ${e1}, 1 : goto ${e3} }`,
    `delete element ${T} hairpin { 10.244.0.2 . 10.244.0.2 }`,
    `add element ${T} hairpin { 10.244.0.3 . 10.244.0.3 }`,
    `flush chain ${T} ${e2}`,
    `delete chain ${T} ${e2}`,
    '',
  ].join('\n'));
});

test('delta, last endpoint gone: dispatch element moves to no-endpoint-services, DNAT and hairpin elements deleted', () => {
  assert.equal(renderDelta(rs(['10.244.0.1']), rs([])), [
    `delete element ${T} service-ips { 10.96.0.41 . tcp . 80 }`,
    `add element ${T} no-endpoint-services { 10.96.0.41 . tcp . 80 : goto reject-chain }`,
    `delete element ${T} cluster-tcp-endpoints { 10.96.0.41 . 80 . 0 }`,
    `delete element ${T} hairpin { 10.244.0.1 . 10.244.0.1 }`,
    '',
  ].join('\n'));
  const s = 'service-ULMVA6XW-ns1/svc1/tcp/p80';
  const e1 = 'endpoint-74F5FORZ-ns1/svc1/tcp/p80__10.244.0.1/8080';
  assert.equal(renderDelta(rs(['10.244.0.1'], 0), rs([], 0)), [
    `delete element ${T} service-ips { 10.96.0.41 . tcp . 80 }`,
    `add element ${T} no-endpoint-services { 10.96.0.41 . tcp . 80 : goto reject-chain }`,
    `delete element ${T} hairpin { 10.244.0.1 . 10.244.0.1 }`,
    `flush chain ${T} ${e1}`,
    `flush chain ${T} ${s}`,
    `delete chain ${T} ${e1}`,
    `delete chain ${T} ${s}`,
    '',
  ].join('\n'), "kube-proxy's shape: its chains are flushed, then deleted");
  assert.equal(renderDelta(rs(['10.244.0.1']), rs(['10.244.0.1'])), '', 'no change, no transaction');
});

test('full sync over an existing table: existing chains flushed, stale chains and affinity sets deleted', () => {
  const s = 'service-ULMVA6XW-ns1/svc1/tcp/p80';
  const stale = 'service-AAAAAAAA-old/gone/tcp/';
  const e1 = 'endpoint-74F5FORZ-ns1/svc1/tcp/p80__10.244.0.1/8080';
  const text = renderFull(rs(['10.244.0.1'], 0), cfg, { chains: [s, stale], sets: ['affinity-BBBBBBBB-old/gone/tcp/__10.244.0.9/80'] });
  assert.equal(text, full([
    `add chain ${T} ${e1}`,
    `flush chain ${T} ${s}`,
    `add rule ${T} ${e1} meta l4proto tcp dnat to 10.244.0.1:8080`,
    `add rule ${T} ${s} numgen random mod 1 vmap { 0 : goto ${e1} }`,
    `add element ${T} service-ips { 10.96.0.41 . tcp . 80 : goto ${s} }`,
    `add element ${T} cluster-ips { 10.96.0.41 }`,
    `add element ${T} hairpin { 10.244.0.1 . 10.244.0.1 }`,
    `flush chain ${T} ${stale}`,
    `delete chain ${T} ${stale}`,
    `delete set ${T} affinity-BBBBBBBB-old/gone/tcp/__10.244.0.9/80`,
  ]));
  assert.equal(renderFull(emptyRuleset(), cfg, { chains: [], sets: [] }), full([]));
});

/** A LoadBalancer Service with externalTrafficPolicy Local, one VIP ingress IP and one ipMode Proxy one (not ours). */
function etpLocal() {
  const s = svc('default', 'web', '10.96.0.60', [{ port: 80, nodePort: 30090 }], { type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: 32000 });
  return [{ ...s, status: { loadBalancer: { ingress: [{ ip: '192.0.2.50' }, { ip: '192.0.2.51', ipMode: 'Proxy' }] } } }];
}
const here = ep('10.244.0.5', true, { nodeName: 'n1' });
const there = ep('10.244.1.5', true, { nodeName: 'n2' });
const xW = 'external-PFISGYVC-default/web/tcp/';
const extLocalRules = (n: number) => [
  `add rule ${T} ${xW} ip saddr 10.244.0.0/16 goto cluster-endpoints-${n}`,
  `add rule ${T} ${xW} fib saddr type local jump mark-for-masquerade`,
  `add rule ${T} ${xW} fib saddr type local goto cluster-endpoints-${n}`,
];

test('externalTrafficPolicy Local: pods and the node go to the cluster chain (the node masqueraded), others to the local chain unSNATed; LB IP like an external IP', () => {
  const slices = [slice('default', 'web', 'w1', [{ port: 8080 }], [here, there])];
  assert.equal(renderNftables(etpLocal(), slices, cfg), full([
    `add chain ${T} ${xW}`,
    ...extLocalRules(2),
    `add rule ${T} ${xW} goto local-endpoints-1`,
    `add element ${T} service-ips { 10.96.0.60 . tcp . 80 : goto cluster-endpoints-2, 192.0.2.50 . tcp . 80 : goto ${xW} }`,
    `add element ${T} service-nodeports { tcp . 30090 : goto ${xW} }`,
    `add element ${T} cluster-tcp-endpoints { 10.96.0.60 . 80 . 0 : 10.244.0.5 . 8080, 192.0.2.50 . 80 . 0 : 10.244.0.5 . 8080, `
      + `10.96.0.60 . 80 . 1 : 10.244.1.5 . 8080, 192.0.2.50 . 80 . 1 : 10.244.1.5 . 8080 }`,
    `add element ${T} cluster-tcp-nodeport-endpoints { 30090 . 0 : 10.244.0.5 . 8080, 30090 . 1 : 10.244.1.5 . 8080 }`,
    `add element ${T} local-tcp-endpoints { 192.0.2.50 . 80 . 0 : 10.244.0.5 . 8080 }`,
    `add element ${T} local-tcp-nodeport-endpoints { 30090 . 0 : 10.244.0.5 . 8080 }`,
    `add element ${T} cluster-ips { 10.96.0.60 }`,
    `add element ${T} hairpin { 10.244.0.5 . 10.244.0.5, 10.244.1.5 . 10.244.1.5 }`,
  ]));
});

test('externalTrafficPolicy Local without a local endpoint: external traffic is dropped ("has no local endpoints"), pods still short-circuit', () => {
  const slices = [slice('default', 'web', 'w1', [{ port: 8080 }], [there])];
  assert.equal(renderNftables(etpLocal(), slices, cfg), full([
    `add chain ${T} ${xW}`,
    ...extLocalRules(1),
    `add element ${T} service-ips { 10.96.0.60 . tcp . 80 : goto cluster-endpoints-1, 192.0.2.50 . tcp . 80 : goto ${xW} }`,
    `add element ${T} service-nodeports { tcp . 30090 : goto ${xW} }`,
    `add element ${T} no-endpoint-services { 192.0.2.50 . tcp . 80 : drop }`,
    `add element ${T} no-endpoint-nodeports { tcp . 30090 : drop }`,
    `add element ${T} cluster-tcp-endpoints { 10.96.0.60 . 80 . 0 : 10.244.1.5 . 8080, 192.0.2.50 . 80 . 0 : 10.244.1.5 . 8080 }`,
    `add element ${T} cluster-tcp-nodeport-endpoints { 30090 . 0 : 10.244.1.5 . 8080 }`,
    `add element ${T} cluster-ips { 10.96.0.60 }`,
    `add element ${T} hairpin { 10.244.1.5 . 10.244.1.5 }`,
  ]));
});

test('LoadBalancer, cluster policy: ingress IPs dispatch to the masquerading external chain; without endpoints they are rejected', () => {
  const s = { ...svc('default', 'lbc', '10.96.0.61', [{ port: 80, nodePort: 30091 }], { type: 'LoadBalancer' }), status: { loadBalancer: { ingress: [{ ip: '192.0.2.52' }] } } };
  const xc = 'external-2C4IA6MO-default/lbc/tcp/';
  assert.equal(renderNftables([s], [slice('default', 'lbc', 'w1', [{ port: 8080 }], [there])], cfg), full([
    `add chain ${T} ${xc}`,
    `add rule ${T} ${xc} jump mark-for-masquerade`,
    `add rule ${T} ${xc} goto cluster-endpoints-1`,
    `add element ${T} service-ips { 10.96.0.61 . tcp . 80 : goto cluster-endpoints-1, 192.0.2.52 . tcp . 80 : goto ${xc} }`,
    `add element ${T} service-nodeports { tcp . 30091 : goto ${xc} }`,
    `add element ${T} cluster-tcp-endpoints { 10.96.0.61 . 80 . 0 : 10.244.1.5 . 8080, 192.0.2.52 . 80 . 0 : 10.244.1.5 . 8080 }`,
    `add element ${T} cluster-tcp-nodeport-endpoints { 30091 . 0 : 10.244.1.5 . 8080 }`,
    `add element ${T} cluster-ips { 10.96.0.61 }`,
    `add element ${T} hairpin { 10.244.1.5 . 10.244.1.5 }`,
  ]));
  assert.equal(renderNftables([s], [], cfg), full([
    `add element ${T} no-endpoint-services { 10.96.0.61 . tcp . 80 : goto reject-chain, 192.0.2.52 . tcp . 80 : goto reject-chain }`,
    `add element ${T} no-endpoint-nodeports { tcp . 30091 : goto reject-chain }`,
    `add element ${T} cluster-ips { 10.96.0.61 }`,
  ]));
});

test('internalTrafficPolicy Local: the ClusterIP goes to the local chain; without a local endpoint it is dropped, not rejected', () => {
  const s = [svc('default', 'itp', '10.96.0.62', [{ port: 80 }], { internalTrafficPolicy: 'Local' })];
  const text = renderNftables(s, [slice('default', 'itp', 'i1', [{ port: 8080 }], [here, there])], cfg);
  assert.ok(text.includes(`add element ${T} service-ips { 10.96.0.62 . tcp . 80 : goto local-endpoints-1 }`), text);
  assert.ok(text.includes(`add element ${T} local-tcp-endpoints { 10.96.0.62 . 80 . 0 : 10.244.0.5 . 8080 }`), 'only the local endpoint');
  assert.ok(!text.includes('add element ip skiff cluster-tcp-endpoints') && !text.includes('10.244.1.5 . 8080'), 'no cluster choice for a ClusterIP-only Local service');
  assert.match(renderNftables(s, [slice('default', 'itp', 'i1', [{ port: 8080 }], [there])], cfg), /no-endpoint-services \{ 10\.96\.0\.62 \. tcp \. 80 : drop \}/);
});

test('UDP and SCTP ports choose through their own protocol maps; the same port number over TCP does not collide', () => {
  const s = [svc('kube-system', 'dns', '10.96.0.10', [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }, { name: 'x', port: 53, protocol: 'SCTP' }])];
  const sl = [slice('kube-system', 'dns', 'd1', [{ name: 'dns', port: 5353, protocol: 'UDP' }, { name: 'dns-tcp', port: 5353, protocol: 'TCP' }, { name: 'x', port: 5353, protocol: 'SCTP' }], [ep('10.244.0.7')])];
  const text = renderNftables(s, sl, cfg);
  for (const proto of ['udp', 'tcp', 'sctp']) {
    assert.ok(text.includes(`add element ${T} cluster-${proto}-endpoints { 10.96.0.10 . 53 . 0 : 10.244.0.7 . 5353 }`), proto);
  }
  assert.match(text, /service-ips \{ 10\.96\.0\.10 \. udp \. 53 : goto cluster-endpoints-1, 10\.96\.0\.10 \. tcp \. 53 : goto cluster-endpoints-1, 10\.96\.0\.10 \. sctp \. 53 : goto cluster-endpoints-1 \}/);
});

test('default: shared chains for 1..16 endpoints; a port with 17 uses kube-proxy per-endpoint chains and a numgen vmap', () => {
  const dflt: NftRenderConfig = { serviceCIDR: '10.96.0.0/12', clusterCIDR: '10.244.0.0/16', nodeName: 'n1' };
  const empty = renderNftables([], [], dflt);
  for (const p of ['cluster', 'local']) {
    assert.ok(empty.includes(`add rule ${T} ${p}-endpoints-16 meta l4proto tcp dnat ip to ip daddr . th dport . numgen random mod 16 map @${p}-tcp-endpoints`));
    assert.ok(!empty.includes(`${p}-endpoints-17`));
  }
  const ips = Array.from({ length: 17 }, (_, i) => `10.244.0.${i + 1}`);
  const text = renderNftables(svc1, [slice('ns1', 'svc1', 'x', [{ name: 'p80', port: 8080 }], ips.map((ip) => ep(ip)))], dflt);
  assert.match(text, /^add rule ip skiff service-ULMVA6XW-ns1\/svc1\/tcp\/p80 numgen random mod 17 vmap \{ 0 : goto endpoint-/m);
  assert.equal(text.split('\n').filter((l) => l.startsWith(`add chain ${T} endpoint-`)).length, 17);
  assert.match(text, /service-ips \{ 10\.96\.0\.41 \. tcp \. 80 : goto service-ULMVA6XW-ns1\/svc1\/tcp\/p80 \}/);
  assert.ok(!text.includes('add element ip skiff cluster-tcp-endpoints'));
});

test('loadBalancerSourceRanges: each LB IP key goes through firewall-ips to a firewall chain dropping other sources, with or without endpoints; a delta rewrites only that chain', () => {
  const withRanges = (ranges: string[]) => ({
    ...svc('default', 'fw', '10.96.0.63', [{ port: 80, nodePort: 30092 }], { type: 'LoadBalancer', loadBalancerSourceRanges: ranges }),
    status: { loadBalancer: { ingress: [{ ip: '192.0.2.53' }] } },
  });
  const fw = `firewall-${servicePortBase('default', 'fw', 'tcp', '')}`;
  const sl = [slice('default', 'fw', 'f1', [{ port: 8080 }], [there])];
  const text = renderNftables([withRanges(['10.0.0.0/8', '192.168.1.9/24'])], sl, cfg);
  assert.ok(text.includes(`add chain ${T} ${fw}\n`), text);
  assert.ok(text.includes(`add rule ${T} ${fw} ip saddr != { 10.0.0.0/8, 192.168.1.0/24 } drop\n`), text);
  assert.ok(text.includes(`add element ${T} firewall-ips { 192.0.2.53 . tcp . 80 : goto ${fw} }\n`), text);
  assert.ok(!/firewall-ips \{[^}]*30092/.test(text), 'the node port is not firewalled');
  const noEps = renderNftables([withRanges(['10.0.0.0/8'])], [], cfg);
  assert.ok(noEps.includes(`add element ${T} firewall-ips { 192.0.2.53 . tcp . 80 : goto ${fw} }`), 'firewalled without endpoints too');
  assert.ok(!renderNftables([withRanges(['0.0.0.0/0'])], sl, cfg).includes(`add element ${T} firewall-ips`), 'a /0 range is no firewall');

  const ports = (ranges: string[]) => buildServicePorts([withRanges(ranges)], sl, { nodeName: 'n1', iptablesChainNames: false });
  const before = buildRuleset(ports(['10.0.0.0/8']), cfg);
  assert.equal(renderDelta(before, buildRuleset(ports(['172.16.0.0/12']), cfg)), [
    `flush chain ${T} ${fw}`,
    `add rule ${T} ${fw} ip saddr != { 172.16.0.0/12 } drop`,
    '',
  ].join('\n'));
  assert.equal(renderDelta(before, buildRuleset(ports([]), cfg)), [
    `delete element ${T} firewall-ips { 192.0.2.53 . tcp . 80 }`,
    `flush chain ${T} ${fw}`,
    `delete chain ${T} ${fw}`,
    '',
  ].join('\n'));
});

test('loadBalancerSourceRanges allowFromNode: a range holding a node IP adds the LB IPs to the allowed sources; a node IP change rewrites only the firewall chain', () => {
  const lb = {
    ...svc('default', 'fw', '10.96.0.63', [{ port: 80, nodePort: 30092 }], { type: 'LoadBalancer', loadBalancerSourceRanges: ['10.0.0.0/8', '192.168.1.0/24'] }),
    status: { loadBalancer: { ingress: [{ ip: '192.0.2.54' }, { ip: '192.0.2.53' }] } },
  };
  const fw = `firewall-${servicePortBase('default', 'fw', 'tcp', '')}`;
  const sl = [slice('default', 'fw', 'f1', [{ port: 8080 }], [there])];
  const ruleset = (nodeIPs: string[]) => buildRuleset(buildServicePorts([lb], sl, { nodeName: 'n1', nodeIPs, iptablesChainNames: false }), cfg);
  assert.deepEqual(ruleset(['172.16.0.1', '192.168.1.7']).chains.get(fw), ['ip saddr != { 10.0.0.0/8, 192.168.1.0/24, 192.0.2.53/32, 192.0.2.54/32 } drop']);
  assert.deepEqual(ruleset(['172.16.0.1']).chains.get(fw), ['ip saddr != { 10.0.0.0/8, 192.168.1.0/24 } drop'], 'no range holds the node');
  assert.deepEqual(ruleset([]).chains.get(fw), ['ip saddr != { 10.0.0.0/8, 192.168.1.0/24 } drop'], 'no node IPs known');
  assert.equal(renderDelta(ruleset(['172.16.0.1']), ruleset(['10.9.9.9'])), [
    `flush chain ${T} ${fw}`,
    `add rule ${T} ${fw} ip saddr != { 10.0.0.0/8, 192.168.1.0/24, 192.0.2.53/32, 192.0.2.54/32 } drop`,
    '',
  ].join('\n'));
});
