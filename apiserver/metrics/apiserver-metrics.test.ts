import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Histogram, Registry } from 'prom-client';
import { latencyBuckets, newApiServerMetrics } from './apiserver-metrics.ts';
import { requestLabelNames, type RequestLabels } from './request-labels.ts';

const base = { dry_run: '', component: 'apiserver', group: '', version: 'v1', subresource: '' };
const create: RequestLabels = { ...base, verb: 'POST', resource: 'pods', scope: 'resource' };
const list: RequestLabels = { ...base, verb: 'LIST', resource: 'pods', scope: 'namespace' };
const watch: RequestLabels = { ...base, verb: 'WATCH', resource: 'pods', scope: 'cluster' };
// The fallback labels of instrument.ts: the same values as an unknown method's, in another key order.
const fallback: RequestLabels = { verb: 'other', dry_run: '', group: '', version: '', resource: '', subresource: '', scope: '', component: 'apiserver' };
const other: RequestLabels = { dry_run: '', component: 'apiserver', verb: 'other', group: '', version: '', resource: '', subresource: '', scope: '' };

const requests: Array<[RequestLabels, number, number]> = [
  [create, 201, 0.003], [create, 201, 0.03], [list, 200, 0.2], [create, 409, 0.0051], [watch, 200, 300],
  [fallback, 500, 0.001], [other, 405, 0.002], [other, 500, 1], [list, 200, 61], [create, 201, 0.005],
];
const etcdCalls: Array<[string, string, number]> = [['create', 'pods', 0.002], ['get', '', 0.01], ['create', 'pods', 0.3], ['list', 'pods', 1.25]];

/** The metrics as they were recorded before the handles: prom-client's inc and observe with fresh label objects. */
function reference(registry: Registry): { request(l: RequestLabels, code: number, s: number): void; etcd(o: string, t: string, s: number): void } {
  const total = new Counter({ name: 'apiserver_request_total', help: 'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.', labelNames: [...requestLabelNames, 'code'], registers: [registry] });
  const duration = new Histogram({ name: 'apiserver_request_duration_seconds', help: 'Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.', labelNames: [...requestLabelNames], buckets: latencyBuckets, registers: [registry] });
  const etcd = new Histogram({ name: 'etcd_request_duration_seconds', help: 'Etcd request latency in seconds for each operation and object type.', labelNames: ['operation', 'type'], buckets: latencyBuckets, registers: [registry] });
  return {
    request(l, code, s) {
      total.inc({ ...l, code: String(code) });
      if (l.verb !== 'WATCH' && l.verb !== 'CONNECT') duration.observe({ ...l }, s);
    },
    etcd: (operation, type, s) => etcd.observe({ operation, type }, s),
  };
}

test('apiserver metrics expose exactly what prom-client inc and observe would, across scrapes', async () => {
  const want = new Registry();
  const got = new Registry();
  const ref = reference(want);
  const m = newApiServerMetrics(got);
  for (let round = 0; round < 3; round++) {
    for (const [l, code, s] of requests.slice(round)) {
      ref.request(l, code, s);
      if (round === 1) m.observeRequest(l, code, s);
      else m.requestSeries(l).observe(code, s);
    }
    for (const [o, t, s] of etcdCalls) {
      ref.etcd(o, t, s);
      m.etcdRequests.observe(o, t, s);
    }
    assert.equal(await got.metrics(), await want.metrics());
    assert.deepEqual(await got.getMetricsAsJSON(), await want.getMetricsAsJSON());
  }
});

test('apiserver metrics: one recorder per label set', () => {
  const m = newApiServerMetrics(new Registry());
  assert.equal(m.requestSeries(create), m.requestSeries({ ...create }));
  assert.notEqual(m.requestSeries(create), m.requestSeries(list));
});

test('apiserver metrics: registering twice in one registry throws', () => {
  const r = new Registry();
  newApiServerMetrics(r);
  assert.throws(() => newApiServerMetrics(r), /already been registered/);
});
