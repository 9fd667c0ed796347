import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endpointChainName, serviceChainName } from './chains.ts';
import { minimizePayload, splitPayload } from './minimize.ts';
import { declaredNatChains, renderRules, type RenderConfig } from './render.ts';
import { ep, slice, svc } from './fixtures.test-util.ts';

const cfg: RenderConfig = { serviceCIDR: '10.96.0.0/12', clusterCIDR: '10.244.0.0/16', nodeName: 'n1' };
const services = [svc('ns', 'a', '10.96.0.1', [{ port: 80 }]), svc('ns', 'b', '10.96.0.2', [{ port: 80 }])];
const slices = (bIPs: string[]) => [
  slice('ns', 'a', 'a-1', [{ port: 80 }], [ep('10.244.0.1')]),
  slice('ns', 'b', 'b-1', [{ port: 80 }], bIPs.map((ip) => ep(ip))),
];

test('splitPayload separates fixed text, per-chain rules and stale chains', () => {
  const full = renderRules(services, slices(['10.244.0.2']), cfg);
  const parts = splitPayload(full);
  const aSvc = serviceChainName('ns/a', 'tcp');
  assert.deepEqual([...parts.chains.keys()].sort(), [
    aSvc, serviceChainName('ns/b', 'tcp'), endpointChainName('ns/a', 'tcp', '10.244.0.1:80'), endpointChainName('ns/b', 'tcp', '10.244.0.2:80'),
  ].sort());
  assert.ok((parts.chains.get(aSvc) ?? '').split('\n').every((l) => l.startsWith(`-A ${aSvc} `)));
  assert.ok(parts.fixed.includes(`-A KUBE-SERVICES -d 10.96.0.1/32`), 'KUBE-SERVICES rules are fixed text');
  assert.ok(!parts.fixed.includes('KUBE-SEP-'));
  assert.deepEqual(parts.stale, []);
  const next = renderRules([services[0] as (typeof services)[0]], slices([]), { ...cfg, previousChains: declaredNatChains(full) });
  assert.deepEqual(splitPayload(next).stale.sort(), [serviceChainName('ns/b', 'tcp'), endpointChainName('ns/b', 'tcp', '10.244.0.2:80')].sort());
});

test('minimizePayload keeps only changed chains, fixed chains and deletions', () => {
  const first = renderRules(services, slices(['10.244.0.2']), cfg);
  const applied = splitPayload(first).chains;
  // Nothing changed: only the fixed part remains.
  const same = minimizePayload(first, applied);
  assert.ok(same.split('\n').every((l) => !/^(:|-A )KUBE-(SVC|SEP)-/.test(l)), same);
  assert.ok(same.includes(':KUBE-SERVICES - [0:0]'));
  // b gains an endpoint: b's SVC chain and the new SEP chain are written; a's chains are not.
  const second = renderRules(services, slices(['10.244.0.2', '10.244.0.3']), { ...cfg, previousChains: declaredNatChains(first) });
  const min = minimizePayload(second, applied);
  const declared = min.split('\n').filter((l) => l.startsWith(':KUBE-S') && !l.startsWith(':KUBE-SERVICES')).map((l) => l.slice(1, -8)).sort();
  assert.deepEqual(declared, [serviceChainName('ns/b', 'tcp'), endpointChainName('ns/b', 'tcp', '10.244.0.3:80')].sort());
  assert.ok(!min.includes(serviceChainName('ns/a', 'tcp') + ' ! -s'), "a's chain is untouched");
  assert.ok(min.includes(`-j ${serviceChainName('ns/a', 'tcp')}`), 'KUBE-SERVICES still jumps to a');
  // b loses its endpoints: its chains are declared and deleted even though "unchanged" is meaningless for them.
  const third = renderRules(services, slices([]), { ...cfg, previousChains: declaredNatChains(second) });
  const min3 = minimizePayload(third, splitPayload(second).chains);
  assert.ok(min3.includes(`-X ${serviceChainName('ns/b', 'tcp')}`));
  assert.ok(min3.includes(`:${serviceChainName('ns/b', 'tcp')} - [0:0]`));
  assert.ok(min3.endsWith('COMMIT\n'));
});
