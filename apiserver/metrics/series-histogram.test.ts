import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Histogram, Registry, type RegistryContentType } from 'prom-client';
import { SeriesHistogram } from './series-histogram.ts';

const buckets = [0.005, 0.025, 0.05, 0.1, 1, 2.5, 60];
const labelNames = ['verb', 'resource', 'code'] as const;
type Obs = [labels: Partial<Record<(typeof labelNames)[number], string>>, value: number];

/** The same observations through prom-client's Histogram and through SeriesHistogram handles. */
async function both(obs: Obs[], openMetrics = false): Promise<{ want: [string, unknown]; got: [string, unknown] }> {
  const run = async (make: (r: Registry<RegistryContentType>) => (o: Obs) => void): Promise<[string, unknown]> => {
    const r = new Registry<RegistryContentType>();
    if (openMetrics) r.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    const observe = make(r);
    for (const o of obs) observe(o);
    return [await r.metrics(), await r.getMetricsAsJSON()];
  };
  const config = { name: 'x_seconds', help: 'X latency\nin seconds.', labelNames: [...labelNames], buckets };
  const want = await run((r) => {
    const h = new Histogram({ ...config, registers: [r] });
    return ([l, v]) => h.observe(l, v);
  });
  const got = await run((r) => {
    const h = new SeriesHistogram({ ...config, registers: [r] });
    return ([l, v]) => h.series(l).observe(v);
  });
  return { want, got };
}

const cases: Array<{ name: string; obs: Obs[] }> = [
  { name: 'nothing observed', obs: [] },
  { name: 'one series, values on, between and beyond the bounds', obs: [0, 0.005, 0.0050001, 0.1, 0.3, 1, 2.5, 59.99, 60, 60.01, 1e6].map((v): Obs => [{ verb: 'GET', resource: 'pods', code: '200' }, v]) },
  {
    name: 'series in first-observed order, key order of the first labels kept',
    obs: [
      [{ resource: 'pods', verb: 'POST', code: '201' }, 0.01],
      [{ verb: 'GET', resource: 'pods', code: '200' }, 0.2],
      [{ verb: 'POST', resource: 'pods', code: '201' }, 0.03],
      [{ code: '200', verb: 'GET', resource: 'pods' }, 0.004],
    ],
  },
  { name: 'fewer labels, escapes', obs: [[{ verb: 'a"b\\c\nd' }, 0.1], [{}, 3], [{ verb: 'a"b\\c\nd' }, 0.7]] },
  { name: 'float sums in observation order', obs: [0.1, 0.2, 0.3, 0.7, 1e-9, 12345.678].map((v): Obs => [{ verb: 'LIST' }, v]) },
];

for (const c of cases) {
  test(`series histogram exposes as prom-client's Histogram: ${c.name}`, async () => {
    const { want, got } = await both(c.obs);
    assert.equal(got[0], want[0]);
    assert.deepEqual(got[1], want[1]);
  });
}

test('series histogram: OpenMetrics exposition is the same too', async () => {
  const { want, got } = await both(cases[2]!.obs, true);
  assert.equal(got[0], want[0]);
});

test('series histogram: same label values, same handle; unknown label names and bad values throw as prom-client', () => {
  const h = new SeriesHistogram({ name: 'y', help: 'y', labelNames: ['a'], buckets, registers: [new Registry()] });
  assert.equal(h.series({ a: 'x' }), h.series({ a: 'x' }));
  assert.notEqual(h.series({ a: 'x' }), h.series({ a: 'y' }));
  assert.throws(() => h.series({ b: 'x' } as never), /Added label "b" is not included in initial labelset/);
  assert.throws(() => h.series({ a: 'x' }).observe(Number.NaN), TypeError);
  assert.throws(() => h.series({ a: 'x' }).observe(Number.POSITIVE_INFINITY), TypeError);
});

test('series histogram: reset empties the exposition; old handles count again from zero', async () => {
  const r = new Registry();
  const h = new SeriesHistogram({ name: 'z', help: 'z', labelNames: ['a'], buckets, registers: [r] });
  const s = h.series({ a: 'x' });
  s.observe(0.1);
  r.resetMetrics();
  assert.equal(await r.metrics(), '# HELP z z\n# TYPE z histogram\n');
  s.observe(0.2);
  assert.match(await r.metrics(), /^z_count\{a="x"\} 1$/m);
  assert.match(await r.metrics(), /^z_sum\{a="x"\} 0\.2$/m);
});

test('series histogram: registering a second metric of the same name throws, as prom-client', () => {
  const r = new Registry();
  new Histogram({ name: 'd', help: 'd', registers: [r] });
  assert.throws(() => new SeriesHistogram({ name: 'd', help: 'd', buckets, registers: [r] }), /already been registered/);
});
