import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endpointChainName, serviceChainName } from './chains.ts';
import { appliedState, changedChains } from './minimize.ts';
import { buildServicePorts } from './model.ts';
import { chainsPayload, renderChains, staleChains, type RenderConfig } from './render.ts';
import { ep, slice, svc } from './fixtures.test-util.ts';

const cfg: RenderConfig = { serviceCIDR: '10.96.0.0/12', clusterCIDR: '10.244.0.0/16', nodeName: 'n1' };
const services = [svc('ns', 'a', '10.96.0.1', [{ port: 80 }]), svc('ns', 'b', '10.96.0.2', [{ port: 80 }])];
const slices = (bIPs: string[]) => [
  slice('ns', 'a', 'a-1', [{ port: 80 }], [ep('10.244.0.1')]),
  slice('ns', 'b', 'b-1', [{ port: 80 }], bIPs.map((ip) => ep(ip))),
];
const chains = (bIPs: string[], svcs = services) => renderChains(buildServicePorts(svcs, slices(bIPs), cfg), cfg);
const names = (cs: Array<{ table: string; name: string }>) => cs.map((c) => `${c.table} ${c.name}`).sort();

test('changedChains: nothing after a no-op, only the touched chains after an endpoint change', () => {
  const first = chains(['10.244.0.2']);
  const applied = appliedState(first);
  assert.deepEqual(changedChains(first, applied), []);
  assert.equal(chainsPayload(changedChains(first, applied)), '', 'a no-op writes nothing');
  // b gains an endpoint: b's SVC chain and the new SEP chain; KUBE-SERVICES is unchanged.
  const second = chains(['10.244.0.2', '10.244.0.3']);
  assert.deepEqual(names(changedChains(second, applied)), [
    `nat ${serviceChainName('ns/b', 'tcp')}`, `nat ${endpointChainName('ns/b', 'tcp', '10.244.0.3:80')}`,
  ].sort());
  // b loses all endpoints: KUBE-SERVICES (nat: jump gone) and filter KUBE-SERVICES (reject added) change; b's chains are stale.
  const third = chains([]);
  assert.deepEqual(names(changedChains(third, appliedState(second))), ['filter KUBE-SERVICES', 'nat KUBE-SERVICES']);
  const stale = staleChains(third, second.filter((c) => c.table === 'nat').map((c) => c.name));
  assert.deepEqual(stale, [serviceChainName('ns/b', 'tcp'), endpointChainName('ns/b', 'tcp', '10.244.0.2:80'), endpointChainName('ns/b', 'tcp', '10.244.0.3:80')].sort());
  const payload = chainsPayload(changedChains(third, appliedState(second)), stale);
  for (const c of stale) {
    assert.ok(payload.includes(`:${c} - [0:0]\n`), `${c} declared (flushed)`);
    assert.ok(payload.includes(`-X ${c}\n`), `${c} deleted`);
  }
  assert.ok(payload.indexOf('-X ') > payload.lastIndexOf('-A '), 'deletions come after every rule');
  assert.ok(!payload.includes(serviceChainName('ns/a', 'tcp') + ' '), "a's chains are untouched");
});

test('chainsPayload: -Z heads each table only when asked (full chain cache)', () => {
  const all = chains(['10.244.0.2']);
  const plain = chainsPayload(all);
  assert.ok(!plain.includes('-Z'));
  const withZ = chainsPayload(all, [], true).split('\n');
  assert.equal(withZ[withZ.indexOf('*filter') + 1], '-Z');
  assert.equal(withZ[withZ.indexOf('*nat') + 1], '-Z');
});
