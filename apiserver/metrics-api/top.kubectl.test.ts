/**
 * `kubectl top nodes` and `kubectl top pods` (1.33 and 1.28, unmodified)
 * against the real API server on real etcd, whose metrics.k8s.io API scrapes
 * kubelet stand-ins on loopback: two answer, one node has no kubelet.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { Nodes, Pods } from '../client/resources.ts';
import { nanosToSeconds } from '../../kubelet/stats/resource-metrics.ts';
import { useKubectl, type KubectlResult } from '../../testutil/kubectl.ts';

const k = useKubectl([33, 28], 'top-kubectl');
const skip = k.skip;
const kubectl = (minor: number, ...args: string[]): Promise<KubectlResult> => k.run(minor, args);
const rows = (out: string): string[][] => out.trim().split('\n').map((l) => l.trim().split(/\s+/));

/**
 * A kubelet stand-in whose node and containers use exactly `milli` and
 * `milli / 10` millicores at any time (cumulative core-ns = milli × elapsed
 * ms × 1000, stamped with the real time), with fixed memory.
 */
function standIn(milli: number, memBytes: number, containers: Array<[string, string, string]>): Server {
  const t0 = Date.now() - 60_000;
  return createServer((req, res) => {
    const now = Date.now();
    const cpu = (m: number): string => nanosToSeconds(BigInt(m) * BigInt(now - t0) * 1000n);
    const lines = containers.flatMap(([ns, pod, c]) => [
      `container_cpu_usage_seconds_total{container="${c}",namespace="${ns}",pod="${pod}"} ${cpu(milli / 10)} ${now}`,
      `container_memory_working_set_bytes{container="${c}",namespace="${ns}",pod="${pod}"} ${memBytes / 64} ${now}`,
    ]);
    res.writeHead(req.url === '/metrics/resource' ? 200 : 404, { 'content-type': 'text/plain' });
    res.end([...lines, `node_cpu_usage_seconds_total ${cpu(milli)} ${now}`, `node_memory_working_set_bytes ${memBytes} ${now}`, ''].join('\n'));
  });
}

test('kubectl top nodes / top pods print the usage the kubelets report', { skip }, async () => {
  const a = standIn(250, 512 * 2 ** 20, [['default', 'web-1', 'nginx']]);
  const b = standIn(1000, 2 ** 30, [['default', 'web-2', 'nginx'], ['kube-system', 'dns', 'dns']]);
  const ports: number[] = [];
  for (const s of [a, b]) {
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    ports.push((s.address() as AddressInfo).port);
  }
  try {
    const c = k.server().client;
    const mk = (name: string, port: number, labels: Record<string, string> = {}): Promise<Node> => c.create<Node>(Nodes, {
      metadata: { name, labels },
      status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } }, allocatable: { cpu: '2', memory: '4Gi' }, capacity: { cpu: '2', memory: '4Gi' } },
    });
    await mk('node-a', ports[0]!, { zone: 'a' });
    await mk('node-b', ports[1]!, { zone: 'b' });
    await mk('node-c', 1, { zone: 'c' }); // nothing listens on port 1: unreachable
    const mkPod = (ns: string, name: string, nodeName: string, container: string, labels: Record<string, string>): Promise<Pod> =>
      c.create<Pod>(Pods, { metadata: { name, labels }, spec: { nodeName, containers: [{ name: container, image: 'nginx:1.22' }] } }, ns);
    await mkPod('default', 'web-1', 'node-a', 'nginx', { app: 'web' });
    await mkPod('default', 'web-2', 'node-b', 'nginx', { app: 'web' });
    await mkPod('kube-system', 'dns', 'node-b', 'dns', { app: 'dns' });
    await mkPod('default', 'lost', 'node-c', 'nginx', { app: 'web' });

    for (const minor of [33, 28]) {
      const nodes = await kubectl(minor, 'top', 'nodes');
      assert.equal(nodes.code, 0, nodes.out);
      const t = rows(nodes.out);
      // 1.33 heads the percentages `CPU(%)` / `MEMORY(%)`, older versions `CPU%` / `MEMORY%`.
      assert.deepEqual(t[0]?.map((h) => h.replace(/\((%)\)/, '$1')), ['NAME', 'CPU(cores)', 'CPU%', 'MEMORY(bytes)', 'MEMORY%'], nodes.out);
      assert.deepEqual(t.find((r) => r[0] === 'node-a'), ['node-a', '250m', '12%', '512Mi', '12%'], nodes.out);
      assert.deepEqual(t.find((r) => r[0] === 'node-b'), ['node-b', '1000m', '50%', '1024Mi', '25%'], nodes.out);
      const cRow = t.find((r) => r[0] === 'node-c');
      assert.ok(cRow === undefined || cRow.slice(1).every((x) => x === '<unknown>'), `node-c has no metrics: ${nodes.out}`);

      const one = await kubectl(minor, 'top', 'node', 'node-b');
      assert.equal(one.code, 0, one.out);
      assert.deepEqual(rows(one.out)[1], ['node-b', '1000m', '50%', '1024Mi', '25%']);
      const sel = await kubectl(minor, 'top', 'nodes', '-l', 'zone=a');
      assert.deepEqual(rows(sel.out).slice(1).map((r) => r[0]), ['node-a'], sel.out);

      const pods = await kubectl(minor, 'top', 'pods', '-A');
      assert.equal(pods.code, 0, pods.out);
      assert.deepEqual(rows(pods.out), [
        ['NAMESPACE', 'NAME', 'CPU(cores)', 'MEMORY(bytes)'],
        ['default', 'web-1', '25m', '8Mi'],
        ['default', 'web-2', '100m', '16Mi'],
        ['kube-system', 'dns', '100m', '16Mi'],
      ], pods.out);
      const web = await kubectl(minor, 'top', 'pods', '-l', 'app=web', '--containers');
      assert.equal(web.code, 0, web.out);
      assert.deepEqual(rows(web.out), [['POD', 'NAME', 'CPU(cores)', 'MEMORY(bytes)'], ['web-1', 'nginx', '25m', '8Mi'], ['web-2', 'nginx', '100m', '16Mi']], web.out);
      const lost = await kubectl(minor, 'top', 'pod', 'lost');
      assert.notEqual(lost.code, 0);
      assert.match(lost.out, /[Mm]etrics not available for pod default\/lost|podmetrics.metrics.k8s.io "lost" not found/, lost.out);
    }
  } finally {
    for (const s of [a, b]) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
  }
});
