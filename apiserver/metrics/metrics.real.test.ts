/**
 * The API server's /metrics against the real server on real etcd (plain
 * HTTP, AlwaysAllow): the request counters and histograms move after real
 * requests with kube's labels, hostile paths add no label values, the etcd
 * histogram is fed by the storage under the watch cache, and the process
 * metrics are there.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startApiServer, type TestApiServer } from '../../testutil/apiserver.ts';
import { etcdSkipReason } from '../../testutil/real-api.ts';
import { waitFor } from '../../testutil/wait.ts';
import { parseSamples, sampleSum, type Sample } from './prom-text.test-helper.ts';

const skip = etcdSkipReason() ?? false;
let api: TestApiServer | undefined;

before(async () => {
  if (!skip) api = await startApiServer();
});

after(async () => {
  await api?.stop();
});

function url(path: string): string {
  if (!api) throw new Error('no API server');
  return `${api.url}${path}`;
}

async function scrape(): Promise<{ text: string; samples: Sample[] }> {
  const res = await fetch(url('/metrics'));
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  return { text, samples: parseSamples(text) };
}

const cm = { group: '', version: 'v1', resource: 'configmaps', subresource: '', component: 'apiserver', dry_run: '' };
const total = (s: Sample[], labels: Record<string, string>): number => sampleSum(s, 'apiserver_request_total', labels);
const timed = (s: Sample[], labels: Record<string, string>): number => sampleSum(s, 'apiserver_request_duration_seconds_count', labels);

test('requests are counted and timed with their verb, resource, scope and code', { skip }, async () => {
  const before = (await scrape()).samples;
  const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'm1' }, data: { a: 'b' } });
  const created = await fetch(url('/api/v1/namespaces/default/configmaps'), { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  assert.equal(created.status, 201);
  assert.equal((await fetch(url('/api/v1/namespaces/default/configmaps/m1'))).status, 200);
  assert.equal((await fetch(url('/api/v1/namespaces/default/configmaps'))).status, 200);
  assert.equal((await fetch(url('/api/v1/configmaps'))).status, 200);
  assert.equal((await fetch(url('/api/v1/namespaces/default/configmaps/nope'))).status, 404);
  const dry = await fetch(url('/api/v1/namespaces/default/configmaps?dryRun=All'), { method: 'POST', body: body.replace('m1', 'm2'), headers: { 'content-type': 'application/json' } });
  assert.equal(dry.status, 201);
  const applied = await fetch(url('/api/v1/namespaces/default/configmaps/m1?fieldManager=t&force=true'), {
    method: 'PATCH', body: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m1}\ndata: {a: c}\n', headers: { 'content-type': 'application/apply-patch+yaml' },
  });
  assert.equal(applied.status, 200);
  assert.equal((await fetch(url('/api/v1/namespaces/default/configmaps/m1'), { method: 'DELETE' })).status, 200);
  const after = (await scrape()).samples;
  const delta = (labels: Record<string, string>): number => total(after, labels) - total(before, labels);
  assert.equal(delta({ ...cm, verb: 'POST', scope: 'resource', code: '201' }), 1);
  assert.equal(delta({ ...cm, verb: 'GET', scope: 'resource', code: '200' }), 1);
  assert.equal(delta({ ...cm, verb: 'LIST', scope: 'namespace', code: '200' }), 1);
  assert.equal(delta({ ...cm, verb: 'LIST', scope: 'cluster', code: '200' }), 1);
  assert.equal(delta({ ...cm, verb: 'GET', scope: 'resource', code: '404' }), 1);
  assert.equal(delta({ ...cm, dry_run: 'All', verb: 'POST', scope: 'resource', code: '201' }), 1);
  assert.equal(delta({ ...cm, verb: 'APPLY', scope: 'resource', code: '200' }), 1);
  assert.equal(delta({ ...cm, verb: 'DELETE', scope: 'resource', code: '200' }), 1);
  assert.equal(timed(after, { ...cm, verb: 'POST', scope: 'resource' }) - timed(before, { ...cm, verb: 'POST', scope: 'resource' }), 1);
  assert.equal(timed(after, { ...cm, verb: 'LIST', scope: 'namespace' }) - timed(before, { ...cm, verb: 'LIST', scope: 'namespace' }), 1);
  const buckets = after.filter((s) => s.name === 'apiserver_request_duration_seconds_bucket' && s.labels.verb === 'POST' && s.labels.resource === 'configmaps');
  assert.deepEqual(buckets.map((b) => b.labels.le).slice(0, 3), ['0.005', '0.025', '0.05']);
  assert.equal(buckets.at(-2)?.labels.le, '60');
});

test('a watch is counted as WATCH when it ends, and not timed', { skip }, async () => {
  const before = (await scrape()).samples;
  const ac = new AbortController();
  const res = await fetch(url('/api/v1/namespaces/default/configmaps?watch=true'), { signal: ac.signal });
  assert.equal(res.status, 200);
  ac.abort();
  await res.body?.cancel().catch(() => undefined);
  const labels = { ...cm, verb: 'WATCH', scope: 'namespace', code: '200' };
  await waitFor(async () => total((await scrape()).samples, labels) - total(before, labels) === 1, 10000, 'the ended watch to be counted', 50);
  assert.equal(timed((await scrape()).samples, { verb: 'WATCH' }), 0);
});

test('hostile paths and parameters add no label values', { skip }, async () => {
  const token = `zq${Date.now().toString(36)}`;
  const paths = [
    `/api/v1/namespaces/default/${token}`,
    `/api/v1/namespaces/default/configmaps/x/${token}`,
    `/apis/${token}.example/v1/${token}`,
    `/${token}/%3Cscript%3E`,
    `/api/v1/namespaces/default/configmaps?dryRun=${token}`,
    `/api/v1/namespaces/default/configmaps?watch=${token}&fieldSelector=metadata.name%3D${token}`,
  ];
  const series = (s: Sample[]): Set<string> => new Set(s.filter((x) => x.name === 'apiserver_request_total').map((x) => JSON.stringify({ ...x.labels, code: '' })));
  // Once, so that the fixed "unknown" series exist; then again with new values: no new series.
  for (const p of paths) await fetch(url(p), { method: p.includes('dryRun') ? 'POST' : 'GET' });
  const first = await scrape();
  const again = paths.map((p) => p.replaceAll(token, `${token}b`));
  for (const p of again) await fetch(url(p), { method: p.includes('dryRun') ? 'POST' : 'GET' });
  const second = await scrape();
  assert.ok(!second.text.includes(token), 'no part of a hostile URL is a label value');
  assert.deepEqual([...series(second.samples)].filter((s) => !series(first.samples).has(s)), []);
  assert.ok(total(second.samples, { resource: '', group: '', version: '', code: '404' }) >= 2, 'unknown resources are counted under empty labels');
});

test('etcd calls are timed by operation and type; process metrics are served', { skip }, async () => {
  const before = (await scrape()).samples;
  const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'e1' } });
  assert.equal((await fetch(url('/api/v1/namespaces/default/configmaps'), { method: 'POST', body, headers: { 'content-type': 'application/json' } })).status, 201);
  assert.equal((await fetch(url('/api/v1/namespaces/default/configmaps?limit=1'))).status, 200);
  const { samples, text } = await scrape();
  const etcd = (s: Sample[], op: string): number => sampleSum(s, 'etcd_request_duration_seconds_count', { operation: op, type: 'configmaps' });
  assert.ok(etcd(samples, 'create') - etcd(before, 'create') >= 1);
  assert.ok(etcd(samples, 'list') - etcd(before, 'list') >= 1);
  assert.match(text, /^process_resident_memory_bytes \d+/m);
  assert.match(text, /^# TYPE etcd_request_duration_seconds histogram$/m);
});
