import { test } from 'node:test';
import assert from 'node:assert/strict';
import { declaredNatChains, renderRules, type RenderConfig } from './render.ts';
import { endpointChainName, externalChainName, serviceChainName } from './chains.ts';
import type { Service } from 'kubernetes-types/core/v1';
import { ep, slice, svc } from './fixtures.test-util.ts';

const cfg: RenderConfig = { serviceCIDR: '10.96.0.0/12', clusterCIDR: '10.244.0.0/16', nodeName: 'n1' };

const FILTER_TAIL = [
  '-A KUBE-SERVICES -d 10.96.0.0/12 -p tcp -m comment --comment "unallocated service IP or port" -j REJECT --reject-with tcp-reset',
  '-A KUBE-SERVICES -d 10.96.0.0/12 -m comment --comment "unallocated service IP or port" -j REJECT --reject-with icmp-port-unreachable',
  '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP',
  '-A KUBE-FORWARD -m mark --mark 0x4000/0x4000 -m comment --comment "kubernetes forwarding rules" -j ACCEPT',
  '-A KUBE-FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "kubernetes forwarding conntrack rule" -j ACCEPT',
  'COMMIT',
];
const FILTER_HEAD = ['*filter', ':KUBE-SERVICES - [0:0]', ':KUBE-EXTERNAL-SERVICES - [0:0]', ':KUBE-FORWARD - [0:0]', ':KUBE-NODEPORTS - [0:0]', ':KUBE-PROXY-FIREWALL - [0:0]'];
const NAT_HEAD = ['*nat', ':KUBE-SERVICES - [0:0]', ':KUBE-NODEPORTS - [0:0]', ':KUBE-POSTROUTING - [0:0]', ':KUBE-MARK-MASQ - [0:0]'];
/** The fixed nat chains' own rules, after KUBE-SERVICES' per-service rules (rules are grouped by chain). */
const NAT_FIXED_RULES = [
  '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
  '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000',
  '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
  '-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000',
];
const NAT_TAIL = [...NAT_FIXED_RULES, 'COMMIT', ''];

test('service with 3 endpoints: kube-proxy shaped chains and probabilities', () => {
  const services = [svc('ns1', 'svc1', '10.96.0.41', [{ name: 'p80', port: 80, targetPort: 8080 }])];
  // Endpoints deliberately out of order: rendering sorts them.
  const slices = [slice('ns1', 'svc1', 'svc1-abc', [{ name: 'p80', port: 8080 }], [ep('10.244.0.3'), ep('10.244.0.1'), ep('10.244.0.2')])];
  const want = [
    ...FILTER_HEAD, ...FILTER_TAIL, ...NAT_HEAD,
    ':KUBE-SVC-XPGD46QRK7WJZT7O - [0:0]',
    ':KUBE-SEP-EUTZX3TP5527HRHV - [0:0]',
    ':KUBE-SEP-37I6R7WO37UY3VGK - [0:0]',
    ':KUBE-SEP-BZSWAPM3PMECLLQP - [0:0]',
    '-A KUBE-SERVICES -d 10.96.0.41/32 -p tcp -m tcp --dport 80 -m comment --comment "ns1/svc1:p80 cluster IP" -j KUBE-SVC-XPGD46QRK7WJZT7O',
    ...NAT_FIXED_RULES,
    '-A KUBE-SVC-XPGD46QRK7WJZT7O ! -s 10.244.0.0/16 -d 10.96.0.41/32 -p tcp -m tcp --dport 80 -m comment --comment "ns1/svc1:p80 cluster IP" -j KUBE-MARK-MASQ',
    '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.244.0.1:8080" -m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-EUTZX3TP5527HRHV',
    '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.244.0.2:8080" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-37I6R7WO37UY3VGK',
    '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.244.0.3:8080" -j KUBE-SEP-BZSWAPM3PMECLLQP',
    '-A KUBE-SEP-EUTZX3TP5527HRHV -s 10.244.0.1/32 -m comment --comment "ns1/svc1:p80" -j KUBE-MARK-MASQ',
    '-A KUBE-SEP-EUTZX3TP5527HRHV -p tcp -m tcp -m comment --comment "ns1/svc1:p80" -j DNAT --to-destination 10.244.0.1:8080',
    '-A KUBE-SEP-37I6R7WO37UY3VGK -s 10.244.0.2/32 -m comment --comment "ns1/svc1:p80" -j KUBE-MARK-MASQ',
    '-A KUBE-SEP-37I6R7WO37UY3VGK -p tcp -m tcp -m comment --comment "ns1/svc1:p80" -j DNAT --to-destination 10.244.0.2:8080',
    '-A KUBE-SEP-BZSWAPM3PMECLLQP -s 10.244.0.3/32 -m comment --comment "ns1/svc1:p80" -j KUBE-MARK-MASQ',
    '-A KUBE-SEP-BZSWAPM3PMECLLQP -p tcp -m tcp -m comment --comment "ns1/svc1:p80" -j DNAT --to-destination 10.244.0.3:8080',
    'COMMIT', '',
  ].join('\n');
  assert.equal(renderRules(services, slices, cfg), want);
  // Deterministic: the same input renders the same text, whatever the input order.
  assert.equal(renderRules(services, [...slices].reverse(), cfg), want);
});

test('service without endpoints: REJECT in filter, nothing in nat', () => {
  const services = [svc('default', 'empty', '10.96.0.50', [{ port: 80, targetPort: 8080 }])];
  const want = [
    ...FILTER_HEAD,
    '-A KUBE-SERVICES -d 10.96.0.50/32 -p tcp -m tcp --dport 80 -m comment --comment "default/empty has no endpoints" -j REJECT --reject-with tcp-reset',
    ...FILTER_TAIL, ...NAT_HEAD, ...NAT_TAIL,
  ].join('\n');
  assert.equal(renderRules(services, [], cfg), want);
});

test('multi-port service: one KUBE-SVC chain per port, target ports matched by port name', () => {
  const services = [svc('web', 'app', '10.96.1.1', [
    { name: 'http', port: 80, targetPort: 'http' },
    { name: 'dns', port: 53, protocol: 'UDP', targetPort: 5353 },
  ])];
  const slices = [slice('web', 'app', 'app-1', [{ name: 'http', port: 8080 }, { name: 'dns', port: 5353, protocol: 'UDP' }], [ep('10.244.1.5')])];
  const out = renderRules(services, slices, cfg);
  const http = serviceChainName('web/app:http', 'tcp');
  const dns = serviceChainName('web/app:dns', 'udp');
  const httpSep = endpointChainName('web/app:http', 'tcp', '10.244.1.5:8080');
  const dnsSep = endpointChainName('web/app:dns', 'udp', '10.244.1.5:5353');
  const natRules = out.split('\n').filter((l) => l.startsWith('-A KUBE-S'));
  assert.deepEqual(natRules.filter((l) => l.startsWith('-A KUBE-SERVICES') && l.includes('KUBE-SVC')), [
    `-A KUBE-SERVICES -d 10.96.1.1/32 -p udp -m udp --dport 53 -m comment --comment "web/app:dns cluster IP" -j ${dns}`,
    `-A KUBE-SERVICES -d 10.96.1.1/32 -p tcp -m tcp --dport 80 -m comment --comment "web/app:http cluster IP" -j ${http}`,
  ]);
  assert.ok(out.includes(`-A ${httpSep} -p tcp -m tcp -m comment --comment "web/app:http" -j DNAT --to-destination 10.244.1.5:8080\n`));
  assert.ok(out.includes(`-A ${dnsSep} -p udp -m udp -m comment --comment "web/app:dns" -j DNAT --to-destination 10.244.1.5:5353\n`));
  assert.ok(out.includes(`-A ${http} -m comment --comment "web/app:http -> 10.244.1.5:8080" -j ${httpSep}\n`), 'single endpoint has no statistic match');
});

test('headless (None) and ExternalName services render nothing', () => {
  const services = [
    svc('ns', 'headless', 'None', [{ port: 80 }]),
    { ...svc('ns', 'ext', '', [{ port: 80 }]), spec: { type: 'ExternalName', externalName: 'example.invalid' } },
  ];
  const slices = [slice('ns', 'headless', 'h-1', [{ port: 80 }], [ep('10.244.0.9')])];
  assert.equal(renderRules(services, slices, cfg), renderRules([], [], cfg));
  assert.ok(!renderRules(services, slices, cfg).includes('10.244.0.9'));
});

test('not-ready endpoints are excluded; all not ready means "has no endpoints"', () => {
  const services = [svc('ns', 's', '10.96.0.7', [{ port: 80 }])];
  const mixed = renderRules(services, [slice('ns', 's', 's-1', [{ port: 80 }], [ep('10.244.0.1', false), ep('10.244.0.2')])], cfg);
  assert.ok(!mixed.includes('10.244.0.1:80'));
  assert.ok(mixed.includes('-j DNAT --to-destination 10.244.0.2:80'));
  const none = renderRules(services, [slice('ns', 's', 's-1', [{ port: 80 }], [ep('10.244.0.1', false)])], cfg);
  assert.ok(none.includes('--comment "ns/s has no endpoints" -j REJECT --reject-with tcp-reset'));
  const udp = renderRules([svc('ns', 'u', '10.96.0.8', [{ port: 53, protocol: 'UDP' }])], [], cfg);
  assert.ok(udp.includes('-d 10.96.0.8/32 -p udp -m udp --dport 53 -m comment --comment "ns/u has no endpoints" -j REJECT --reject-with icmp-port-unreachable'));
  assert.ok(!none.includes('DNAT'));
});

test('terminating-but-serving endpoints are used only when nothing is ready', () => {
  const services = [svc('ns', 's', '10.96.0.7', [{ port: 80 }])];
  const term = ep('10.244.0.4', false, { conditions: { ready: false, serving: true, terminating: true } });
  const onlyTerm = renderRules(services, [slice('ns', 's', 's-1', [{ port: 80 }], [term])], cfg);
  assert.ok(onlyTerm.includes('--to-destination 10.244.0.4:80'));
  const withReady = renderRules(services, [slice('ns', 's', 's-1', [{ port: 80 }], [term, ep('10.244.0.5')])], cfg);
  assert.ok(!withReady.includes('10.244.0.4:80'));
});

test('stale KUBE-SVC/SEP chains from the previous apply are flushed and deleted', () => {
  const services = [svc('ns', 'a', '10.96.0.10', [{ port: 80 }])];
  const slices = [slice('ns', 'a', 'a-1', [{ port: 80 }], [ep('10.244.0.1')])];
  const first = renderRules([...services, svc('ns', 'b', '10.96.0.11', [{ port: 81 }])],
    [...slices, slice('ns', 'b', 'b-1', [{ port: 81 }], [ep('10.244.0.2')])], cfg);
  const previous = declaredNatChains(first);
  const goneSvc = serviceChainName('ns/b', 'tcp');
  const goneSep = endpointChainName('ns/b', 'tcp', '10.244.0.2:81');
  assert.ok(previous.includes(goneSvc) && previous.includes(goneSep));
  const second = renderRules(services, slices, { ...cfg, previousChains: previous });
  const lines = second.split('\n');
  const stale = [goneSep, goneSvc].sort();
  // Declared (which flushes them) and then deleted, after every rule of the nat table.
  for (const c of stale) assert.ok(lines.includes(`:${c} - [0:0]`));
  const natCommit = lines.lastIndexOf('COMMIT');
  assert.deepEqual(lines.slice(natCommit - stale.length, natCommit), stale.map((c) => `-X ${c}`));
  // The surviving chains are not deleted, fixed chains are never deleted.
  assert.ok(!second.includes(`-X ${serviceChainName('ns/a', 'tcp')}`));
  assert.ok(!second.includes('-X KUBE-SERVICES'));
  assert.ok(!declaredNatChains(second).includes(goneSvc), 'deleted chains are not carried to the next render');
});

test('NodePort: KUBE-NODEPORTS and KUBE-EXT chain, nodeports jump last in KUBE-SERVICES', () => {
  const services = [svc('ns', 'np', '10.96.0.20', [{ name: 'http', port: 80, nodePort: 30080 }], { type: 'NodePort' })];
  const out = renderRules(services, [slice('ns', 'np', 'np-1', [{ name: 'http', port: 80 }], [ep('10.244.0.8')])], cfg);
  const ext = out.split('\n').find((l) => l.startsWith('-A KUBE-NODEPORTS'));
  assert.match(ext ?? '', /^-A KUBE-NODEPORTS -p tcp -m tcp --dport 30080 -m comment --comment "ns\/np:http" -j KUBE-EXT-[A-Z2-7]{16}$/);
  const natSvc = out.split('\n').filter((l) => l.startsWith('-A KUBE-SERVICES'));
  assert.match(natSvc[natSvc.length - 1] ?? '', /--dst-type LOCAL .* -j KUBE-NODEPORTS$/);
});

test('internalTrafficPolicy Local keeps only endpoints on this node', () => {
  const services = [svc('ns', 'loc', '10.96.0.30', [{ port: 80 }], { internalTrafficPolicy: 'Local' })];
  const out = renderRules(services, [slice('ns', 'loc', 'l-1', [{ port: 80 }], [
    ep('10.244.0.1', true, { nodeName: 'n1' }), ep('10.244.1.1', true, { nodeName: 'n2' }),
  ])], cfg);
  assert.ok(out.includes('10.244.0.1:80'));
  assert.ok(!out.includes('10.244.1.1:80'));
});

test('sessionAffinity ClientIP: recent-match rules before the random ones, --set on DNAT', () => {
  const services = [svc('ns', 'sticky', '10.96.0.40', [{ port: 80 }], { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } } })];
  const out = renderRules(services, [slice('ns', 'sticky', 's-1', [{ port: 80 }], [ep('10.244.0.1'), ep('10.244.0.2')])], cfg);
  const chain = serviceChainName('ns/sticky', 'tcp');
  const sep1 = endpointChainName('ns/sticky', 'tcp', '10.244.0.1:80');
  const sep2 = endpointChainName('ns/sticky', 'tcp', '10.244.0.2:80');
  assert.deepEqual(out.split('\n').filter((l) => l.startsWith(`-A ${chain} `)), [
    `-A ${chain} ! -s 10.244.0.0/16 -d 10.96.0.40/32 -p tcp -m tcp --dport 80 -m comment --comment "ns/sticky cluster IP" -j KUBE-MARK-MASQ`,
    `-A ${chain} -m comment --comment "ns/sticky -> 10.244.0.1:80" -m recent --name ${sep1} --rcheck --seconds 600 --reap -j ${sep1}`,
    `-A ${chain} -m comment --comment "ns/sticky -> 10.244.0.2:80" -m recent --name ${sep2} --rcheck --seconds 600 --reap -j ${sep2}`,
    `-A ${chain} -m comment --comment "ns/sticky -> 10.244.0.1:80" -m statistic --mode random --probability 0.5000000000 -j ${sep1}`,
    `-A ${chain} -m comment --comment "ns/sticky -> 10.244.0.2:80" -j ${sep2}`,
  ]);
  assert.ok(out.includes(`-A ${sep1} -p tcp -m tcp -m comment --comment "ns/sticky" -m recent --name ${sep1} --set -j DNAT --to-destination 10.244.0.1:80\n`));
  const defaultTimeout = renderRules([svc('ns', 'sticky', '10.96.0.40', [{ port: 80 }], { sessionAffinity: 'ClientIP' })],
    [slice('ns', 'sticky', 's-1', [{ port: 80 }], [ep('10.244.0.1')])], cfg);
  assert.ok(defaultTimeout.includes('--rcheck --seconds 10800 --reap'));
});

test('externalIPs: KUBE-SERVICES jumps to the KUBE-EXT chain; without endpoints a REJECT in KUBE-EXTERNAL-SERVICES', () => {
  const services = [svc('ns', 'ext', '10.96.0.50', [{ name: 'http', port: 80 }], { externalIPs: ['192.0.2.10', 'fd00::1'] })];
  const out = renderRules(services, [slice('ns', 'ext', 'e-1', [{ name: 'http', port: 8080 }], [ep('10.244.0.8')])], cfg);
  const ext = externalChainName('ns/ext:http', 'tcp');
  const svcChain = serviceChainName('ns/ext:http', 'tcp');
  const lines = out.split('\n');
  assert.ok(lines.includes(`-A KUBE-SERVICES -d 192.0.2.10/32 -p tcp -m tcp --dport 80 -m comment --comment "ns/ext:http external IP" -j ${ext}`));
  assert.ok(!out.includes('fd00::1'), 'IPv6 external IPs are ignored');
  assert.deepEqual(lines.filter((l) => l.startsWith(`-A ${ext} `)), [
    `-A ${ext} -m comment --comment "masquerade traffic for ns/ext:http external destinations" -j KUBE-MARK-MASQ`,
    `-A ${ext} -j ${svcChain}`,
  ]);
  const none = renderRules(services, [], cfg);
  assert.ok(none.includes('-A KUBE-EXTERNAL-SERVICES -d 192.0.2.10/32 -p tcp -m tcp --dport 80 -m comment --comment "ns/ext:http has no endpoints" -j REJECT --reject-with tcp-reset'));
});

test('services labelled service.kubernetes.io/service-proxy-name belong to another proxy', () => {
  const other = svc('ns', 'other', '10.96.0.60', [{ port: 80 }]);
  other.metadata = { ...other.metadata, labels: { 'service.kubernetes.io/service-proxy-name': 'someone-else' } };
  const out = renderRules([other], [slice('ns', 'other', 'o-1', [{ port: 80 }], [ep('10.244.0.9')])], cfg);
  assert.equal(out, renderRules([], [], cfg));
});

test('LoadBalancer ingress IPs: KUBE-SERVICES jumps to the KUBE-EXT chain on the service port; ipMode Proxy and other types are skipped', () => {
  const lbSvc = (name: string, ip: string, type: string, ingress: Array<{ ip: string; ipMode?: string }>): Service =>
    ({ ...svc('ns', name, ip, [{ name: 'http', port: 80 }], { type }), status: { loadBalancer: { ingress } } });
  const services = [
    lbSvc('web', '10.96.0.70', 'LoadBalancer', [{ ip: '10.77.0.240', ipMode: 'VIP' }, { ip: '10.77.0.2' }, { ip: '10.77.0.240', ipMode: 'VIP' }]),
    lbSvc('proxied', '10.96.0.71', 'LoadBalancer', [{ ip: '10.77.0.241', ipMode: 'Proxy' }]),
    lbSvc('stale', '10.96.0.72', 'ClusterIP', [{ ip: '10.77.0.242' }]),
  ];
  const slices = ['web', 'proxied', 'stale'].map((n) => slice('ns', n, `${n}-1`, [{ name: 'http', port: 8080 }], [ep('10.244.0.8')]));
  const out = renderRules(services, slices, cfg);
  const ext = externalChainName('ns/web:http', 'tcp');
  const lines = out.split('\n');
  assert.deepEqual(lines.filter((l) => l.includes('loadbalancer IP')), [
    `-A KUBE-SERVICES -d 10.77.0.2/32 -p tcp -m tcp --dport 80 -m comment --comment "ns/web:http loadbalancer IP" -j ${ext}`,
    `-A KUBE-SERVICES -d 10.77.0.240/32 -p tcp -m tcp --dport 80 -m comment --comment "ns/web:http loadbalancer IP" -j ${ext}`,
  ]);
  assert.deepEqual(lines.filter((l) => l.startsWith(`-A ${ext} `)), [
    `-A ${ext} -m comment --comment "masquerade traffic for ns/web:http external destinations" -j KUBE-MARK-MASQ`,
    `-A ${ext} -j ${serviceChainName('ns/web:http', 'tcp')}`,
  ]);
  assert.ok(!out.includes('10.77.0.241') && !out.includes('10.77.0.242'));
  const none = renderRules([services[0]], [], cfg);
  assert.ok(none.includes('-A KUBE-EXTERNAL-SERVICES -d 10.77.0.240/32 -p tcp -m tcp --dport 80 -m comment --comment "ns/web:http has no endpoints" -j REJECT --reject-with tcp-reset'));
});
