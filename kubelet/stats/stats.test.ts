import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeRuntime } from '../cri/fake.ts';
import { parseMeminfoWorkingSet, parseProcStatCpu } from './host.ts';
import { collectResourceUsage, containerUsages, nanosToSeconds, renderResourceMetrics } from './resource-metrics.ts';

test('/proc/stat busy time in core-nanoseconds', () => {
  const cases: Array<[string, bigint | undefined]> = [
    ['cpu  100 2 30 9000 50 4 5 6 0 0\ncpu0 1 1 1 1\n', (100n + 2n + 30n + 4n + 5n + 6n) * 10_000_000n],
    ['cpu 1 0 0 0\n', 10_000_000n],
    ['cpu0 1 2 3 4\n', undefined],
    ['cpu  a b c d\n', undefined],
    ['', undefined],
  ];
  for (const [text, want] of cases) assert.equal(parseProcStatCpu(text), want, JSON.stringify(text));
});

test('/proc/meminfo working set is MemTotal - MemAvailable in bytes', () => {
  assert.equal(parseMeminfoWorkingSet('MemTotal:       16000 kB\nMemFree:  100 kB\nMemAvailable:   6000 kB\n'), 10000 * 1024);
  assert.equal(parseMeminfoWorkingSet('MemTotal: 100 kB\n'), undefined);
  assert.equal(parseMeminfoWorkingSet('MemTotal: 100 kB\nMemAvailable: 200 kB\n'), 0);
});

test('nanoseconds as exact decimal seconds', () => {
  const cases: Array<[bigint, string]> = [[0n, '0'], [3_000_000_000n, '3'], [12_000_000_345n, '12.000000345'], [1_500_000_000n, '1.5'], [7n, '0.000000007']];
  for (const [n, want] of cases) assert.equal(nanosToSeconds(n), want);
});

const labels = (ns: string, pod: string, c: string): Record<string, string> => ({ 'io.kubernetes.pod.namespace': ns, 'io.kubernetes.pod.name': pod, 'io.kubernetes.container.name': c });

test('container stats without the kubelet labels or a usage are skipped', () => {
  const usages = containerUsages([
    { attributes: { id: 'a', metadata: null, labels: labels('default', 'web', 'nginx'), annotations: {} }, cpu: { timestamp: '2000000000', usage_core_nano_seconds: { value: '1500000000' } }, memory: { timestamp: '3000000000', working_set_bytes: { value: '4096' } } },
    { attributes: { id: 'b', metadata: null, labels: {}, annotations: {} }, cpu: { timestamp: '0', usage_core_nano_seconds: { value: '1' } }, memory: { timestamp: '0', working_set_bytes: { value: '1' } } },
    { attributes: { id: 'c', metadata: null, labels: labels('default', 'web', 'side'), annotations: {} }, cpu: null, memory: null },
  ]);
  assert.deepEqual(usages, [{ namespace: 'default', pod: 'web', container: 'nginx', cpuCoreNanos: 1_500_000_000n, cpuTimestampMs: 2000, workingSetBytes: 4096, memoryTimestampMs: 3000 }]);
});

test('the /metrics/resource text has the kubelet names, pod sums and escaped labels', () => {
  const text = renderResourceMetrics({
    node: { cpuCoreNanos: 10_250_000_000n, workingSetBytes: 1048576, timestampMs: 5000 },
    containers: [
      { namespace: 'default', pod: 'web', container: 'a', cpuCoreNanos: 1_000_000_000n, cpuTimestampMs: 4000, workingSetBytes: 100, memoryTimestampMs: 4001 },
      { namespace: 'default', pod: 'web', container: 'b"x', cpuCoreNanos: 500_000_000n, cpuTimestampMs: 4002, workingSetBytes: 50, memoryTimestampMs: 4003 },
    ],
    scrapeError: false,
  });
  const samples = text.split('\n').filter((l) => l && !l.startsWith('#'));
  assert.deepEqual(samples, [
    'container_cpu_usage_seconds_total{container="a",namespace="default",pod="web"} 1 4000',
    'container_cpu_usage_seconds_total{container="b\\"x",namespace="default",pod="web"} 0.5 4002',
    'container_memory_working_set_bytes{container="a",namespace="default",pod="web"} 100 4001',
    'container_memory_working_set_bytes{container="b\\"x",namespace="default",pod="web"} 50 4003',
    'node_cpu_usage_seconds_total 10.25 5000',
    'node_memory_working_set_bytes 1048576 5000',
    'pod_cpu_usage_seconds_total{namespace="default",pod="web"} 1.5 4002',
    'pod_memory_working_set_bytes{namespace="default",pod="web"} 150 4003',
    'resource_scrape_error 0',
  ]);
  assert.match(text, /^# TYPE container_cpu_usage_seconds_total counter$/m);
  assert.match(text, /^# HELP node_memory_working_set_bytes \[STABLE\] Current working set of the node in bytes$/m);
});

test('collect: a failing runtime is resource_scrape_error 1, a failing /proc leaves the node out', async () => {
  const failing = { listContainerStats: async () => { throw new Error('down'); } };
  const u = await collectResourceUsage(failing, async () => { throw new Error('no proc'); });
  assert.deepEqual(u, { containers: [], scrapeError: true });
  const text = renderResourceMetrics(u);
  assert.match(text, /^resource_scrape_error 1$/m);
  assert.doesNotMatch(text, /^node_/m);
  const rt = new FakeRuntime();
  const ok = await collectResourceUsage(rt, async () => ({ cpuCoreNanos: 1n, workingSetBytes: 2, timestampMs: 3 }));
  assert.deepEqual(ok, { containers: [], scrapeError: false, node: { cpuCoreNanos: 1n, workingSetBytes: 2, timestampMs: 3 } });
});
