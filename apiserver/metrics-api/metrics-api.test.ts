import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCpuNanocores, formatMemoryBytes, goDuration } from './quantity-format.ts';
import { parseLabels, parseResourceMetrics, secondsToNanos, type KubeletSample } from './kubelet-text.ts';
import { cpuRate, nodeMetrics, podMetrics, podUsages, usageBetween } from './usage.ts';

test('cpu quantities from nanocores, canonical DecimalSI', () => {
  const cases: Array<[bigint, string]> = [
    [0n, '0'], [-5n, '0'], [1n, '1n'], [123456789n, '123456789n'], [1500000n, '1500u'], [12000000n, '12m'], [250_000_000n, '250m'],
    [1_000_000_000n, '1'], [2_500_000_000n, '2500m'], [3000n * 1_000_000_000n, '3k'], [1_000_001_000n, '1000001u'],
  ];
  for (const [n, want] of cases) assert.equal(formatCpuNanocores(n), want, String(n));
});

test('memory quantities from bytes, canonical BinarySI', () => {
  const cases: Array<[number, string]> = [
    [0, '0'], [1000, '1k'], [1023, '1023'], [1024, '1Ki'], [1572864, '1536Ki'], [4194304, '4Mi'], [512 * 2 ** 20, '512Mi'],
    [1234567, '1234567'], [2 ** 30 * 3, '3Gi'], [1024 * 1000 + 1, '1024001'], [-4, '0'],
  ];
  for (const [b, want] of cases) assert.equal(formatMemoryBytes(b), want, String(b));
});

test('windows as Go durations', () => {
  const cases: Array<[number, string]> = [[0, '0s'], [500, '500ms'], [1000, '1s'], [1500, '1.5s'], [15_001, '15.001s'], [60_250, '1m0.25s'], [3_723_000, '1h2m3s']];
  for (const [ms, want] of cases) assert.equal(goDuration(ms), want, String(ms));
});

test('seconds to nanoseconds, exact for decimals', () => {
  const cases: Array<[string, bigint | undefined]> = [['0', 0n], ['12.5', 12_500_000_000n], ['1.000000001', 1_000_000_001n], ['1.0000000019', 1_000_000_001n], ['1.5e+03', 1_500_000_000_000n], ['-1', undefined], ['NaN', undefined], ['x', undefined]];
  for (const [s, want] of cases) assert.equal(secondsToNanos(s), want, s);
});

test('label sets, with escapes; malformed ones rejected', () => {
  assert.deepEqual(parseLabels('a="x",b="y\\"z\\\\",c="l\\n2"'), { a: 'x', b: 'y"z\\', c: 'l\n2' });
  assert.deepEqual(parseLabels(''), {});
  assert.equal(parseLabels('a=x'), undefined);
  assert.equal(parseLabels('a="x" b="y"'), undefined);
});

const TEXT = [
  '# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds',
  '# TYPE container_cpu_usage_seconds_total counter',
  'container_cpu_usage_seconds_total{container="nginx",namespace="default",pod="web"} 1.5 1000',
  'container_memory_working_set_bytes{container="nginx",namespace="default",pod="web"} 4096 1001',
  'container_memory_working_set_bytes{container="broken",namespace="default"} 1 1',
  'container_cpu_usage_seconds_total{container="x",namespace="default",pod="web"} notanumber 1',
  'node_cpu_usage_seconds_total 100.25 2000',
  'node_memory_working_set_bytes 1.048576e+06',
  'garbage line {',
  'resource_scrape_error 0',
].join('\n');

test('the kubelet text becomes one sample; odd lines are skipped', () => {
  const s = parseResourceMetrics(TEXT, 9999);
  assert.deepEqual(s.node, { cpu: { coreNanos: 100_250_000_000n, timestampMs: 2000 }, memoryBytes: 1048576 });
  assert.deepEqual([...s.containers.entries()], [
    ['default/web/nginx', { namespace: 'default', pod: 'web', container: 'nginx', cpu: { coreNanos: 1_500_000_000n, timestampMs: 1000 }, memoryBytes: 4096 }],
    ['default/web/x', { namespace: 'default', pod: 'web', container: 'x', cpu: undefined }],
  ]);
});

test('cpu rate over the window; no rate for a reset counter or no elapsed time', () => {
  assert.deepEqual(cpuRate({ coreNanos: 1_000_000_000n, timestampMs: 1000 }, { coreNanos: 1_250_000_000n, timestampMs: 2000 }), { nanocores: 250_000_000n, windowMs: 1000, timestampMs: 2000 });
  assert.deepEqual(cpuRate({ coreNanos: 0n, timestampMs: 0 }, { coreNanos: 30_000_000_000n, timestampMs: 15_000 }), { nanocores: 2_000_000_000n, windowMs: 15_000, timestampMs: 15_000 });
  assert.equal(cpuRate({ coreNanos: 5n, timestampMs: 0 }, { coreNanos: 4n, timestampMs: 10 }), undefined);
  assert.equal(cpuRate({ coreNanos: 5n, timestampMs: 10 }, { coreNanos: 6n, timestampMs: 10 }), undefined);
  assert.equal(usageBetween(undefined, { cpu: { coreNanos: 1n, timestampMs: 1 }, memoryBytes: 1 }), undefined);
  assert.equal(usageBetween({ cpu: { coreNanos: 1n, timestampMs: 1 } }, { cpu: { coreNanos: 2n, timestampMs: 2 } }), undefined, 'no memory');
});

const sample = (node: [number, number, number] | undefined, containers: Array<[string, string, string, number, number, number]>): KubeletSample => ({
  node: node ? { cpu: { coreNanos: BigInt(node[0]), timestampMs: node[1] }, memoryBytes: node[2] } : {},
  containers: new Map(containers.map(([ns, pod, c, cpu, ts, mem]) => [`${ns}/${pod}/${c}`, { namespace: ns, pod, container: c, cpu: { coreNanos: BigInt(cpu), timestampMs: ts }, memoryBytes: mem }])),
});

test('pod usages: containers in both samples, sorted; new or restarted containers left out', () => {
  const older = sample(undefined, [['default', 'web', 'b', 0, 1000, 1], ['default', 'web', 'a', 0, 1000, 1], ['default', 'gone', 'c', 0, 1000, 1], ['kube-system', 'dns', 'd', 9_000_000, 1000, 1]]);
  const newer = sample(undefined, [['default', 'web', 'b', 100_000_000, 2000, 2048], ['default', 'web', 'a', 50_000_000, 2500, 1024], ['default', 'new', 'n', 5, 2000, 1], ['kube-system', 'dns', 'd', 1, 2000, 1]]);
  const u = podUsages(older, newer);
  assert.deepEqual([...u.keys()], ['default/web']);
  const web = u.get('default/web')!;
  assert.deepEqual(web.containers.map((c) => [c.name, c.usage.nanocores, c.usage.memoryBytes]), [['a', 33_333_333n, 1024], ['b', 100_000_000n, 2048]]);
  assert.deepEqual([web.timestampMs, web.windowMs], [2500, 1500]);
  const pm = podMetrics(web, { app: 'web' }, Date.UTC(2026, 0, 1, 0, 0, 5));
  assert.deepEqual(pm, {
    kind: 'PodMetrics', apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: { name: 'web', namespace: 'default', creationTimestamp: '2026-01-01T00:00:05Z', labels: { app: 'web' } },
    timestamp: '1970-01-01T00:00:02Z', window: '1.5s',
    containers: [{ name: 'a', usage: { cpu: '33333333n', memory: '1Ki' } }, { name: 'b', usage: { cpu: '100m', memory: '2Ki' } }],
  });
});

test('node metrics object', () => {
  const u = usageBetween(sample([0, 1000, 0], []).node, sample([500_000_000, 2000, 512 * 2 ** 20], []).node)!;
  assert.deepEqual(nodeMetrics('n1', undefined, u, 0), {
    kind: 'NodeMetrics', apiVersion: 'metrics.k8s.io/v1beta1', metadata: { name: 'n1', creationTimestamp: '1970-01-01T00:00:00Z' },
    timestamp: '1970-01-01T00:00:02Z', window: '1s', usage: { cpu: '500m', memory: '512Mi' },
  });
});
