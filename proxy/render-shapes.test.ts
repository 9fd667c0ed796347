/**
 * Golden-text tests of renderRules per Service shape that kube-proxy's
 * proxier_test.go covers: NodePort with each externalTrafficPolicy, the
 * healthCheckNodePort, internalTrafficPolicy Local without local endpoints,
 * ClientIP affinity on both policy chains, UDP and SCTP.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderRules, type RenderConfig } from './render.ts';
import { endpointChainName, externalChainName, localChainName, serviceChainName } from './chains.ts';
import { ep, slice, svc } from './fixtures.test-util.ts';

const cfg: RenderConfig = { serviceCIDR: '10.96.0.0/12', clusterCIDR: '10.244.0.0/16', nodeName: 'n1' };

/** The payload's lines of `table` that are rules of chains matching `chainPrefix`. */
function rules(payload: string, table: 'filter' | 'nat', chainPrefix = ''): string[] {
  const lines = payload.split('\n');
  const start = lines.indexOf(`*${table}`);
  const end = lines.indexOf('COMMIT', start);
  return lines.slice(start, end).filter((l) => l.startsWith(`-A ${chainPrefix}`));
}

const local = ep('10.244.0.5', true, { nodeName: 'n1' });
const remote = ep('10.244.1.5', true, { nodeName: 'n2' });

test('NodePort, externalTrafficPolicy Cluster: KUBE-NODEPORTS -> KUBE-EXT (masquerade) -> KUBE-SVC over all endpoints', () => {
  const out = renderRules([svc('ns', 'web', '10.96.0.20', [{ name: 'http', port: 80, nodePort: 30080 }], { type: 'NodePort', externalTrafficPolicy: 'Cluster' })],
    [slice('ns', 'web', 'w-1', [{ name: 'http', port: 8080 }], [local, remote])], cfg);
  const svcC = serviceChainName('ns/web:http', 'tcp');
  const ext = externalChainName('ns/web:http', 'tcp');
  const sepL = endpointChainName('ns/web:http', 'tcp', '10.244.0.5:8080');
  const sepR = endpointChainName('ns/web:http', 'tcp', '10.244.1.5:8080');
  assert.deepEqual(rules(out, 'nat', 'KUBE-'), [
    `-A KUBE-SERVICES -d 10.96.0.20/32 -p tcp -m tcp --dport 80 -m comment --comment "ns/web:http cluster IP" -j ${svcC}`,
    '-A KUBE-SERVICES -m addrtype --dst-type LOCAL -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -j KUBE-NODEPORTS',
    `-A KUBE-NODEPORTS -p tcp -m tcp --dport 30080 -m comment --comment "ns/web:http" -j ${ext}`,
    '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
    '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000',
    '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
    '-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000',
    `-A ${ext} -m comment --comment "masquerade traffic for ns/web:http external destinations" -j KUBE-MARK-MASQ`,
    `-A ${ext} -j ${svcC}`,
    `-A ${svcC} ! -s 10.244.0.0/16 -d 10.96.0.20/32 -p tcp -m tcp --dport 80 -m comment --comment "ns/web:http cluster IP" -j KUBE-MARK-MASQ`,
    `-A ${svcC} -m comment --comment "ns/web:http -> 10.244.0.5:8080" -m statistic --mode random --probability 0.5000000000 -j ${sepL}`,
    `-A ${svcC} -m comment --comment "ns/web:http -> 10.244.1.5:8080" -j ${sepR}`,
    `-A ${sepL} -s 10.244.0.5/32 -m comment --comment "ns/web:http" -j KUBE-MARK-MASQ`,
    `-A ${sepL} -p tcp -m tcp -m comment --comment "ns/web:http" -j DNAT --to-destination 10.244.0.5:8080`,
    `-A ${sepR} -s 10.244.1.5/32 -m comment --comment "ns/web:http" -j KUBE-MARK-MASQ`,
    `-A ${sepR} -p tcp -m tcp -m comment --comment "ns/web:http" -j DNAT --to-destination 10.244.1.5:8080`,
  ]);
  assert.deepEqual(rules(out, 'filter', 'KUBE-NODEPORTS'), [], 'no health check port for Cluster policy');
});

test('LoadBalancer, externalTrafficPolicy Local: KUBE-EXT short-circuits pods and the node to KUBE-SVC, the rest to KUBE-SVL without SNAT; health check port accepted', () => {
  const service = svc('ns', 'lb', '10.96.0.21', [{ port: 80, nodePort: 30081 }],
    { type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: 32000 });
  const out = renderRules([service], [slice('ns', 'lb', 'l-1', [{ port: 8080 }], [remote, local])], cfg);
  const svcC = serviceChainName('ns/lb', 'tcp');
  const svl = localChainName('ns/lb', 'tcp');
  const ext = externalChainName('ns/lb', 'tcp');
  const sepL = endpointChainName('ns/lb', 'tcp', '10.244.0.5:8080');
  const sepR = endpointChainName('ns/lb', 'tcp', '10.244.1.5:8080');
  assert.ok(svl.startsWith('KUBE-SVL-') && svl.slice(9) === svcC.slice(9), 'SVL shares the SVC hash');
  assert.deepEqual(rules(out, 'nat', 'KUBE-S').filter((l) => !l.startsWith('-A KUBE-SERVICES -m addrtype')), [
    `-A KUBE-SERVICES -d 10.96.0.21/32 -p tcp -m tcp --dport 80 -m comment --comment "ns/lb cluster IP" -j ${svcC}`,
    `-A ${svcC} ! -s 10.244.0.0/16 -d 10.96.0.21/32 -p tcp -m tcp --dport 80 -m comment --comment "ns/lb cluster IP" -j KUBE-MARK-MASQ`,
    `-A ${svcC} -m comment --comment "ns/lb -> 10.244.0.5:8080" -m statistic --mode random --probability 0.5000000000 -j ${sepL}`,
    `-A ${svcC} -m comment --comment "ns/lb -> 10.244.1.5:8080" -j ${sepR}`,
    `-A ${svl} -m comment --comment "ns/lb -> 10.244.0.5:8080" -j ${sepL}`,
    `-A ${sepL} -s 10.244.0.5/32 -m comment --comment "ns/lb" -j KUBE-MARK-MASQ`,
    `-A ${sepL} -p tcp -m tcp -m comment --comment "ns/lb" -j DNAT --to-destination 10.244.0.5:8080`,
    `-A ${sepR} -s 10.244.1.5/32 -m comment --comment "ns/lb" -j KUBE-MARK-MASQ`,
    `-A ${sepR} -p tcp -m tcp -m comment --comment "ns/lb" -j DNAT --to-destination 10.244.1.5:8080`,
  ]);
  assert.deepEqual(rules(out, 'nat', ext), [
    `-A ${ext} -s 10.244.0.0/16 -m comment --comment "pod traffic for ns/lb external destinations" -j ${svcC}`,
    `-A ${ext} -m comment --comment "masquerade LOCAL traffic for ns/lb external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`,
    `-A ${ext} -m comment --comment "route LOCAL traffic for ns/lb external destinations" -m addrtype --src-type LOCAL -j ${svcC}`,
    `-A ${ext} -j ${svl}`,
  ]);
  assert.deepEqual(rules(out, 'filter', 'KUBE-NODEPORTS'), [
    '-A KUBE-NODEPORTS -p tcp -m tcp --dport 32000 -m comment --comment "ns/lb health check node port" -j ACCEPT',
  ]);
  assert.deepEqual(rules(out, 'filter', 'KUBE-EXTERNAL-SERVICES'), []);
});

test('externalTrafficPolicy Local without a local endpoint: node port DROPped in filter, KUBE-EXT keeps only the short-circuits', () => {
  const service = svc('ns', 'lb', '10.96.0.21', [{ port: 80, nodePort: 30081 }], { type: 'NodePort', externalTrafficPolicy: 'Local', externalIPs: ['192.0.2.7'] });
  const out = renderRules([service], [slice('ns', 'lb', 'l-1', [{ port: 8080 }], [remote])], cfg);
  const ext = externalChainName('ns/lb', 'tcp');
  assert.deepEqual(rules(out, 'filter', 'KUBE-EXTERNAL-SERVICES'), [
    '-A KUBE-EXTERNAL-SERVICES -d 192.0.2.7/32 -p tcp -m tcp --dport 80 -m comment --comment "ns/lb has no local endpoints" -j DROP',
    '-A KUBE-EXTERNAL-SERVICES -m addrtype --dst-type LOCAL -p tcp -m tcp --dport 30081 -m comment --comment "ns/lb has no local endpoints" -j DROP',
  ]);
  assert.equal(rules(out, 'nat', ext).length, 3);
  assert.ok(!out.includes('KUBE-SVL-'), 'no local chain without local endpoints');
  assert.ok(rules(out, 'nat', 'KUBE-NODEPORTS')[0]?.endsWith(`-j ${ext}`), 'node port still enters KUBE-EXT for pod and node sources');
  // Nothing at all: REJECT, and no nat rules for the port.
  const none = renderRules([service], [], cfg);
  assert.deepEqual(rules(none, 'filter', 'KUBE-EXTERNAL-SERVICES'), [
    '-A KUBE-EXTERNAL-SERVICES -d 192.0.2.7/32 -p tcp -m tcp --dport 80 -m comment --comment "ns/lb has no endpoints" -j REJECT --reject-with tcp-reset',
    '-A KUBE-EXTERNAL-SERVICES -m addrtype --dst-type LOCAL -p tcp -m tcp --dport 30081 -m comment --comment "ns/lb has no endpoints" -j REJECT --reject-with tcp-reset',
  ]);
  assert.ok(!none.includes('KUBE-EXT-'));
});

test('externalTrafficPolicy Local on a ClusterIP service with externalIPs: the external IP goes to KUBE-SVL', () => {
  const service = svc('ns', 'eip', '10.96.0.24', [{ port: 80 }], { externalIPs: ['192.0.2.8'], externalTrafficPolicy: 'Local' });
  const out = renderRules([service], [slice('ns', 'eip', 'e-1', [{ port: 80 }], [local, remote])], cfg);
  const ext = externalChainName('ns/eip', 'tcp');
  assert.deepEqual(rules(out, 'nat', ext).slice(-1), [`-A ${ext} -j ${localChainName('ns/eip', 'tcp')}`]);
  assert.ok(!rules(out, 'nat', ext).some((l) => l.includes('masquerade traffic for')), 'no blanket SNAT');
});

test('internalTrafficPolicy Local: cluster IP -> KUBE-SVL; without a local endpoint the cluster IP is DROPped, not rejected', () => {
  const service = svc('ns', 'itp', '10.96.0.22', [{ port: 80 }], { internalTrafficPolicy: 'Local' });
  const svl = localChainName('ns/itp', 'tcp');
  const sepL = endpointChainName('ns/itp', 'tcp', '10.244.0.5:80');
  const withLocal = renderRules([service], [slice('ns', 'itp', 'i-1', [{ port: 80 }], [local, remote])], cfg);
  assert.deepEqual(rules(withLocal, 'nat', 'KUBE-S').filter((l) => !l.startsWith(`-A ${sepL}`)), [
    `-A KUBE-SERVICES -d 10.96.0.22/32 -p tcp -m tcp --dport 80 -m comment --comment "ns/itp cluster IP" -j ${svl}`,
    `-A ${svl} ! -s 10.244.0.0/16 -d 10.96.0.22/32 -p tcp -m tcp --dport 80 -m comment --comment "ns/itp cluster IP" -j KUBE-MARK-MASQ`,
    `-A ${svl} -m comment --comment "ns/itp -> 10.244.0.5:80" -j ${sepL}`,
  ]);
  assert.ok(!withLocal.includes('KUBE-SVC-'), 'no cluster chain when nothing uses it');
  const remoteOnly = renderRules([service], [slice('ns', 'itp', 'i-1', [{ port: 80 }], [remote])], cfg);
  assert.deepEqual(rules(remoteOnly, 'filter', 'KUBE-SERVICES').slice(0, 1), [
    '-A KUBE-SERVICES -d 10.96.0.22/32 -p tcp -m tcp --dport 80 -m comment --comment "ns/itp has no local endpoints" -j DROP',
  ]);
  assert.deepEqual(rules(remoteOnly, 'nat', 'KUBE-S').filter((l) => !l.startsWith('-A KUBE-SERVICES -m addrtype')), []);
});

test('externalTrafficPolicy Local with a terminating local endpoint and a ready remote one: the local one serves external traffic (KEP-1669 per policy)', () => {
  const term = ep('10.244.0.9', false, { nodeName: 'n1', conditions: { ready: false, serving: true, terminating: true } });
  const service = svc('ns', 'lb', '10.96.0.21', [{ port: 80, nodePort: 30081 }], { type: 'NodePort', externalTrafficPolicy: 'Local' });
  const out = renderRules([service], [slice('ns', 'lb', 'l-1', [{ port: 80 }], [term, remote])], cfg);
  const svl = localChainName('ns/lb', 'tcp');
  const svcC = serviceChainName('ns/lb', 'tcp');
  assert.deepEqual(rules(out, 'nat', svl), [`-A ${svl} -m comment --comment "ns/lb -> 10.244.0.9:80" -j ${endpointChainName('ns/lb', 'tcp', '10.244.0.9:80')}`]);
  assert.ok(!rules(out, 'nat', svcC).some((l) => l.includes('10.244.0.9')), 'the cluster chain uses only the ready endpoint');
});

test('ClientIP affinity with externalTrafficPolicy Local: recent rules in both policy chains, --set once per endpoint chain', () => {
  const service = svc('ns', 'st', '10.96.0.23', [{ port: 80, nodePort: 30082 }],
    { type: 'NodePort', externalTrafficPolicy: 'Local', sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } });
  const out = renderRules([service], [slice('ns', 'st', 's-1', [{ port: 80 }], [local, remote])], cfg);
  const svl = localChainName('ns/st', 'tcp');
  const sepL = endpointChainName('ns/st', 'tcp', '10.244.0.5:80');
  assert.deepEqual(rules(out, 'nat', svl), [
    `-A ${svl} -m comment --comment "ns/st -> 10.244.0.5:80" -m recent --name ${sepL} --rcheck --seconds 60 --reap -j ${sepL}`,
    `-A ${svl} -m comment --comment "ns/st -> 10.244.0.5:80" -j ${sepL}`,
  ]);
  assert.equal(rules(out, 'nat', sepL).filter((l) => l.includes('--set')).length, 1);
});

test('UDP and SCTP services: protocol matches, DNAT and rejects per protocol', () => {
  const services = [
    svc('ns', 'dns', '10.96.0.10', [{ name: 'dns', port: 53, protocol: 'UDP', nodePort: 30053 }], { type: 'NodePort' }),
    svc('ns', 'sctp', '10.96.0.11', [{ port: 9999, protocol: 'SCTP' }]),
    svc('ns', 'sctp-empty', '10.96.0.12', [{ port: 9999, protocol: 'SCTP' }]),
  ];
  const out = renderRules(services, [
    slice('ns', 'dns', 'd-1', [{ name: 'dns', port: 5353, protocol: 'UDP' }], [local]),
    slice('ns', 'sctp', 's-1', [{ port: 9999, protocol: 'SCTP' }], [remote]),
  ], cfg);
  const dnsSep = endpointChainName('ns/dns:dns', 'udp', '10.244.0.5:5353');
  const sctpSep = endpointChainName('ns/sctp', 'sctp', '10.244.1.5:9999');
  const nat = rules(out, 'nat');
  assert.ok(nat.includes(`-A KUBE-SERVICES -d 10.96.0.10/32 -p udp -m udp --dport 53 -m comment --comment "ns/dns:dns cluster IP" -j ${serviceChainName('ns/dns:dns', 'udp')}`));
  assert.ok(nat.includes(`-A KUBE-NODEPORTS -p udp -m udp --dport 30053 -m comment --comment "ns/dns:dns" -j ${externalChainName('ns/dns:dns', 'udp')}`));
  assert.ok(nat.includes(`-A ${dnsSep} -p udp -m udp -m comment --comment "ns/dns:dns" -j DNAT --to-destination 10.244.0.5:5353`));
  assert.ok(nat.includes(`-A KUBE-SERVICES -d 10.96.0.11/32 -p sctp -m sctp --dport 9999 -m comment --comment "ns/sctp cluster IP" -j ${serviceChainName('ns/sctp', 'sctp')}`));
  assert.ok(nat.includes(`-A ${sctpSep} -p sctp -m sctp -m comment --comment "ns/sctp" -j DNAT --to-destination 10.244.1.5:9999`));
  assert.ok(rules(out, 'filter', 'KUBE-SERVICES').includes(
    '-A KUBE-SERVICES -d 10.96.0.12/32 -p sctp -m sctp --dport 9999 -m comment --comment "ns/sctp-empty has no endpoints" -j REJECT --reject-with icmp-port-unreachable'));
});
