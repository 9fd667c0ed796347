/**
 * loadBalancerSourceRanges in iptables mode (kube-proxy 1.28+ shape): the
 * pure sourceRanges() reading of the spec, and the golden rules of KUBE-FW
 * (with kube-proxy's allowFromNode exception) and filter KUBE-PROXY-FIREWALL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from 'kubernetes-types/core/v1';
import { renderRules, renderServicePorts, type RenderConfig } from './render.ts';
import { buildServicePorts, sourceRanges, type ServicePortCache } from './model.ts';
import { externalChainName, firewallChainName, serviceChainName } from './chains.ts';
import { ep, slice, svc } from './fixtures.test-util.ts';

const cfg: RenderConfig = { serviceCIDR: '10.96.0.0/12', clusterCIDR: '10.244.0.0/16', nodeName: 'n1' };

/** The payload's rules of `table` whose chain starts with `chainPrefix`. */
function rules(payload: string, table: 'filter' | 'nat', chainPrefix: string): string[] {
  const lines = payload.split('\n');
  const start = lines.indexOf(`*${table}`);
  const end = lines.indexOf('COMMIT', start);
  return lines.slice(start, end).filter((l) => l.startsWith(`-A ${chainPrefix}`));
}

/** A LoadBalancer Service ns/lb with ingress IP 192.168.1.240 and the given source ranges. */
function lbService(ranges: string[] | undefined, type: 'LoadBalancer' | 'NodePort' = 'LoadBalancer'): Service {
  const s = svc('ns', 'lb', '10.96.0.30', [{ port: 80, nodePort: 30090 }], { type, loadBalancerSourceRanges: ranges });
  return { ...s, status: { loadBalancer: { ingress: [{ ip: '192.168.1.240' }] } } };
}

test('sourceRanges: IPv4 ranges of LoadBalancer Services only, normalized, deduplicated, in spec order', () => {
  const cases: Array<{ name: string; ranges: string[] | undefined; type?: 'LoadBalancer' | 'NodePort'; want: string[] }> = [
    { name: 'unset', ranges: undefined, want: [] },
    { name: 'empty', ranges: [], want: [] },
    { name: 'one range', ranges: ['10.0.0.0/8'], want: ['10.0.0.0/8'] },
    { name: 'host bits cleared', ranges: ['10.1.2.3/8', '192.168.1.77/24'], want: ['10.0.0.0/8', '192.168.1.0/24'] },
    { name: 'spec order kept', ranges: ['192.168.0.0/16', '10.0.0.0/8'], want: ['192.168.0.0/16', '10.0.0.0/8'] },
    { name: 'duplicates after normalizing dropped', ranges: ['10.0.0.0/8', '10.9.9.9/8'], want: ['10.0.0.0/8'] },
    { name: 'surrounding spaces trimmed', ranges: [' 172.16.0.0/12 '], want: ['172.16.0.0/12'] },
    { name: 'a /32 kept whole', ranges: ['192.168.1.5/32'], want: ['192.168.1.5/32'] },
    { name: 'IPv6 and garbage skipped', ranges: ['fd00::/8', 'nope', '300.1.1.1/8', '10.0.0.0/33', '10.0.0.0/16'], want: ['10.0.0.0/16'] },
    { name: 'a /0 range means no firewall', ranges: ['10.0.0.0/8', '0.0.0.0/0'], want: [] },
    { name: 'not a LoadBalancer', ranges: ['10.0.0.0/8'], type: 'NodePort', want: [] },
  ];
  for (const c of cases) assert.deepEqual(sourceRanges(lbService(c.ranges, c.type)), c.want, c.name);
});

test('source ranges with endpoints: LB IP -> KUBE-FW -> KUBE-EXT per range, the rest dropped by filter KUBE-PROXY-FIREWALL; node port not firewalled', () => {
  const out = renderRules([lbService(['10.0.0.0/8', '192.168.1.0/24'])],
    [slice('ns', 'lb', 'lb-1', [{ port: 8080 }], [ep('10.244.0.5', true, { nodeName: 'n1' })])], cfg);
  const fw = firewallChainName('ns/lb', 'tcp');
  const ext = externalChainName('ns/lb', 'tcp');
  assert.ok(fw.startsWith('KUBE-FW-') && fw.slice(8) === serviceChainName('ns/lb', 'tcp').slice(9), 'FW shares the SVC hash');
  assert.ok(out.includes(`:${fw} - [0:0]`), 'the FW chain is declared in nat');
  assert.deepEqual(rules(out, 'nat', 'KUBE-SERVICES -d 192.168.1.240'), [
    `-A KUBE-SERVICES -d 192.168.1.240/32 -p tcp -m tcp --dport 80 -m comment --comment "ns/lb loadbalancer IP" -j ${fw}`,
  ]);
  assert.deepEqual(rules(out, 'nat', fw), [
    `-A ${fw} -s 10.0.0.0/8 -m comment --comment "ns/lb loadbalancer IP" -j ${ext}`,
    `-A ${fw} -s 192.168.1.0/24 -m comment --comment "ns/lb loadbalancer IP" -j ${ext}`,
    `-A ${fw} -m comment --comment "other traffic to ns/lb will be dropped by KUBE-PROXY-FIREWALL"`,
  ]);
  assert.deepEqual(rules(out, 'filter', 'KUBE-PROXY-FIREWALL'), [
    `-A KUBE-PROXY-FIREWALL -d 192.168.1.240/32 -p tcp -m tcp --dport 80 -m comment --comment "ns/lb traffic not accepted by ${fw}" -j DROP`,
  ]);
  assert.deepEqual(rules(out, 'nat', 'KUBE-NODEPORTS'), [
    `-A KUBE-NODEPORTS -p tcp -m tcp --dport 30090 -m comment --comment "ns/lb" -j ${ext}`,
  ]);
});

test('source ranges without endpoints: no FW chain; the LB IP is rejected as any endpoint-less service', () => {
  const out = renderRules([lbService(['10.0.0.0/8'])], [], cfg);
  const fw = firewallChainName('ns/lb', 'tcp');
  assert.ok(!out.includes(fw), 'no FW chain');
  assert.deepEqual(rules(out, 'filter', 'KUBE-PROXY-FIREWALL'), []);
  assert.deepEqual(rules(out, 'filter', 'KUBE-EXTERNAL-SERVICES -d 192.168.1.240'), [
    '-A KUBE-EXTERNAL-SERVICES -d 192.168.1.240/32 -p tcp -m tcp --dport 80 -m comment --comment "ns/lb has no endpoints" -j REJECT --reject-with tcp-reset',
  ]);
});

test('a /0 source range renders exactly as no source ranges', () => {
  const slices = [slice('ns', 'lb', 'lb-1', [{ port: 8080 }], [ep('10.244.0.5')])];
  assert.equal(renderRules([lbService(['0.0.0.0/0'])], slices, cfg), renderRules([lbService(undefined)], slices, cfg));
});

test('allowFromNode: a range holding a node IP adds one -s <LB IP> rule per VIP after the ranges; otherwise none', () => {
  const lb2 = { ...lbService(['10.0.0.0/8', '192.168.0.0/16']), status: { loadBalancer: { ingress: [{ ip: '192.168.1.241' }, { ip: '192.168.1.240' }] } } };
  const slices = [slice('ns', 'lb', 'lb-1', [{ port: 8080 }], [ep('10.244.0.5', true, { nodeName: 'n1' })])];
  const fw = firewallChainName('ns/lb', 'tcp');
  const ext = externalChainName('ns/lb', 'tcp');
  const render = (nodeIPs: string[]): string => renderServicePorts(buildServicePorts([lb2], slices, { nodeName: 'n1', nodeIPs }), cfg);
  assert.deepEqual(rules(render(['172.16.0.9', '10.1.2.3']), 'nat', fw), [
    `-A ${fw} -s 10.0.0.0/8 -m comment --comment "ns/lb loadbalancer IP" -j ${ext}`,
    `-A ${fw} -s 192.168.0.0/16 -m comment --comment "ns/lb loadbalancer IP" -j ${ext}`,
    `-A ${fw} -s 192.168.1.240/32 -m comment --comment "ns/lb loadbalancer IP" -j ${ext}`,
    `-A ${fw} -s 192.168.1.241/32 -m comment --comment "ns/lb loadbalancer IP" -j ${ext}`,
    `-A ${fw} -m comment --comment "other traffic to ns/lb will be dropped by KUBE-PROXY-FIREWALL"`,
  ]);
  const outside = render(['172.16.0.9']);
  assert.deepEqual(rules(outside, 'nat', fw), [
    `-A ${fw} -s 10.0.0.0/8 -m comment --comment "ns/lb loadbalancer IP" -j ${ext}`,
    `-A ${fw} -s 192.168.0.0/16 -m comment --comment "ns/lb loadbalancer IP" -j ${ext}`,
    `-A ${fw} -m comment --comment "other traffic to ns/lb will be dropped by KUBE-PROXY-FIREWALL"`,
  ]);
  assert.equal(render([]), outside, 'no node IPs known: no exception');
  assert.equal(renderRules([lb2], slices, cfg), outside, 'renderRules knows no node IPs');
});

test('model cache: a node IP change rebuilds the firewalled service ports only', () => {
  const slices = [slice('ns', 'lb', 'lb-1', [{ port: 8080 }], [ep('10.244.0.5')])];
  const firewalled = lbService(['10.0.0.0/8']);
  const open = { ...lbService(undefined), metadata: { namespace: 'ns', name: 'open' } };
  const cache: ServicePortCache = new WeakMap();
  const build = (nodeIPs: string[]) => buildServicePorts([firewalled, open], slices, { nodeName: 'n1', nodeIPs }, cache);
  const [fw1, open1] = build(['172.16.0.1']);
  const [fw2, open2] = build(['172.16.0.1']);
  assert.ok(fw1 === fw2 && open1 === open2, 'same inputs: same objects');
  const [fw3, open3] = build(['10.0.0.5']);
  assert.notEqual(fw3, fw1, 'the firewalled port is rebuilt');
  assert.deepEqual(fw3?.firewallSources, ['10.0.0.0/8', '192.168.1.240/32']);
  assert.deepEqual(fw1?.firewallSources, ['10.0.0.0/8']);
  assert.equal(open3, open1, 'a port without source ranges keeps its object');
  const [fw4] = build(['10.0.0.5']);
  assert.equal(fw4, fw3, 'then cached under the new node IPs');
});
