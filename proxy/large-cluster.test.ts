import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildServicePorts } from './model.ts';
import { largeClusterMode, LARGE_CLUSTER_ENDPOINTS_THRESHOLD, renderPortRules } from './render.ts';
import { ep, slice, svc } from './fixtures.test-util.ts';

const opts = { nodeName: 'n1' };
/** `n` endpoint IPs 10.244.<i/250>.<i%250+1>. */
const ips = (n: number, third = 0): string[] => Array.from({ length: n }, (_, i) => `10.244.${third + Math.floor(i / 250)}.${(i % 250) + 1}`);

test('largeClusterMode: the total over all service ports must exceed 1000', () => {
  assert.equal(LARGE_CLUSTER_ENDPOINTS_THRESHOLD, 1000);
  const cases: Array<{ a: number; b: number; want: boolean }> = [
    { a: 0, b: 0, want: false },
    { a: 500, b: 500, want: false },
    { a: 999, b: 1, want: false },
    { a: 1000, b: 1, want: true },
    { a: 1, b: 1000, want: true },
  ];
  for (const c of cases) {
    const services = [svc('ns', 'a', '10.96.0.1', [{ port: 80 }]), svc('ns', 'b', '10.96.0.2', [{ port: 80 }])];
    const slices = [
      slice('ns', 'a', 'a-1', [{ port: 80 }], ips(c.a).map((ip) => ep(ip))),
      slice('ns', 'b', 'b-1', [{ port: 80 }], ips(c.b, 10).map((ip) => ep(ip))),
    ];
    assert.equal(largeClusterMode(buildServicePorts(services, slices, opts)), c.want, `${c.a}+${c.b}`);
  }
  // Each port counts: one service with two ports and 501 endpoints is 1002.
  const twoPorts = [svc('ns', 'c', '10.96.0.3', [{ name: 'x', port: 80 }, { name: 'y', port: 81 }])];
  const twoSlices = [slice('ns', 'c', 'c-1', [{ name: 'x', port: 80 }, { name: 'y', port: 81 }], ips(501).map((ip) => ep(ip)))];
  assert.equal(largeClusterMode(buildServicePorts(twoPorts, twoSlices, opts)), true);
});

test('renderPortRules: large-cluster mode drops only the per-endpoint comments', () => {
  const services = [svc('ns', 'a', '10.96.0.1', [{ port: 80 }], { sessionAffinity: 'ClientIP' })];
  const slices = [slice('ns', 'a', 'a-1', [{ port: 80 }], [ep('10.244.0.1'), ep('10.244.0.2')])];
  const [sp] = buildServicePorts(services, slices, opts);
  assert.ok(sp);
  const [e1, e2] = sp.clusterEndpoints;
  assert.ok(e1 && e2);
  const s1 = e1.chain;
  const s2 = e2.chain;
  const svcChain = sp.chain;
  const rules = (large: boolean): Record<string, string> =>
    Object.fromEntries(renderPortRules(sp, '10.244.0.0/16', large).chains.map((c) => [c.name, c.rules]));
  const small = rules(false);
  const big = rules(true);
  assert.deepEqual(small[svcChain]?.split('\n'), [
    `-A ${svcChain} ! -s 10.244.0.0/16 -d 10.96.0.1/32 -p tcp -m tcp --dport 80 -m comment --comment "ns/a cluster IP" -j KUBE-MARK-MASQ`,
    `-A ${svcChain} -m comment --comment "ns/a -> 10.244.0.1:80" -m recent --name ${s1} --rcheck --seconds 10800 --reap -j ${s1}`,
    `-A ${svcChain} -m comment --comment "ns/a -> 10.244.0.2:80" -m recent --name ${s2} --rcheck --seconds 10800 --reap -j ${s2}`,
    `-A ${svcChain} -m comment --comment "ns/a -> 10.244.0.1:80" -m statistic --mode random --probability 0.5000000000 -j ${s1}`,
    `-A ${svcChain} -m comment --comment "ns/a -> 10.244.0.2:80" -j ${s2}`,
  ]);
  assert.deepEqual(big[svcChain]?.split('\n'), [
    `-A ${svcChain} ! -s 10.244.0.0/16 -d 10.96.0.1/32 -p tcp -m tcp --dport 80 -m comment --comment "ns/a cluster IP" -j KUBE-MARK-MASQ`,
    `-A ${svcChain} -m recent --name ${s1} --rcheck --seconds 10800 --reap -j ${s1}`,
    `-A ${svcChain} -m recent --name ${s2} --rcheck --seconds 10800 --reap -j ${s2}`,
    `-A ${svcChain} -m statistic --mode random --probability 0.5000000000 -j ${s1}`,
    `-A ${svcChain} -j ${s2}`,
  ]);
  assert.deepEqual(small[s1]?.split('\n'), [
    `-A ${s1} -s 10.244.0.1/32 -m comment --comment "ns/a" -j KUBE-MARK-MASQ`,
    `-A ${s1} -p tcp -m tcp -m comment --comment "ns/a" -m recent --name ${s1} --set -j DNAT --to-destination 10.244.0.1:80`,
  ]);
  assert.deepEqual(big[s1]?.split('\n'), [
    `-A ${s1} -s 10.244.0.1/32 -j KUBE-MARK-MASQ`,
    `-A ${s1} -p tcp -m tcp -m recent --name ${s1} --set -j DNAT --to-destination 10.244.0.1:80`,
  ]);
  // Fixed-chain rules keep their comments.
  assert.deepEqual(renderPortRules(sp, '10.244.0.0/16', true).nat, renderPortRules(sp, '10.244.0.0/16', false).nat);
});

test('renderPortRules: large-cluster mode on a KUBE-SVL chain (internalTrafficPolicy Local)', () => {
  const services = [svc('ns', 'l', '10.96.0.5', [{ port: 80 }], { internalTrafficPolicy: 'Local' })];
  const slices = [slice('ns', 'l', 'l-1', [{ port: 80 }], [ep('10.244.0.7', true, { nodeName: 'n1' })])];
  const [sp] = buildServicePorts(services, slices, opts);
  assert.ok(sp);
  const sep = sp.localEndpoints[0]?.chain ?? '';
  const svl = renderPortRules(sp, '10.244.0.0/16', true).chains.find((c) => c.name === sp.localChain);
  assert.deepEqual(svl?.rules.split('\n'), [
    `-A ${sp.localChain} ! -s 10.244.0.0/16 -d 10.96.0.5/32 -p tcp -m tcp --dport 80 -m comment --comment "ns/l cluster IP" -j KUBE-MARK-MASQ`,
    `-A ${sp.localChain} -j ${sep}`,
  ]);
});
