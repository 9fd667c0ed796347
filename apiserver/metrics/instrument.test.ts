import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyRequest } from 'fastify';
import type { ApiServerMetrics, RequestSeries } from './apiserver-metrics.ts';
import { maxRequestShapeLength, maxRequestShapes, SeriesByRequest } from './instrument.ts';
import { servedResources, type RequestLabels } from './request-labels.ts';

const served = servedResources([{ group: '', version: 'v1', resource: 'pods', subresources: ['status'] }]);

/** Metrics that record which labels each series was asked for. */
function fakeMetrics(): { metrics: ApiServerMetrics; asked: RequestLabels[] } {
  const asked: RequestLabels[] = [];
  const metrics: ApiServerMetrics = {
    requestSeries(labels): RequestSeries {
      asked.push(labels);
      return { observe: () => undefined };
    },
    observeRequest: () => undefined,
    etcdRequests: { observe: () => undefined },
  };
  return { metrics, asked };
}

function req(method: string, url: string, query: Record<string, string | string[]> = {}, contentType?: string): FastifyRequest {
  return { method, url, query, headers: contentType === undefined ? {} : { 'content-type': contentType } } as unknown as FastifyRequest;
}

test('series by request: labels are read once per method, URL and Content-Type', () => {
  const { metrics, asked } = fakeMetrics();
  const c = new SeriesByRequest(metrics, served);
  const a = c.seriesOf(req('POST', '/api/v1/namespaces/d/pods', {}, 'application/json'));
  assert.equal(c.seriesOf(req('POST', '/api/v1/namespaces/d/pods', {}, 'application/json')), a);
  c.seriesOf(req('POST', '/api/v1/namespaces/d/pods', {}, 'application/yaml'));
  c.seriesOf(req('GET', '/api/v1/namespaces/d/pods'));
  c.seriesOf(req('GET', '/api/v1/namespaces/d/pods?watch=1', { watch: '1' }));
  c.seriesOf(req('PATCH', '/api/v1/namespaces/d/pods/p/status', {}, 'application/apply-patch+yaml'));
  assert.deepEqual(asked.map((l) => [l.verb, l.resource, l.subresource, l.scope]), [
    ['POST', 'pods', '', 'resource'], ['POST', 'pods', '', 'resource'], ['LIST', 'pods', '', 'namespace'], ['WATCH', 'pods', '', 'namespace'], ['APPLY', 'pods', 'status', 'resource'],
  ]);
  assert.equal(c.size, 5);
});

test('series by request: bounded in entries and key length; starts over when full', () => {
  const { metrics, asked } = fakeMetrics();
  const c = new SeriesByRequest(metrics, served);
  const long = `/api/v1/namespaces/d/pods/${'x'.repeat(maxRequestShapeLength)}`;
  c.seriesOf(req('GET', long));
  c.seriesOf(req('GET', long));
  assert.equal(c.size, 0);
  assert.equal(asked.length, 2);
  for (let i = 0; i < maxRequestShapes; i++) c.seriesOf(req('GET', `/api/v1/namespaces/d/pods/p${i}`));
  assert.equal(c.size, maxRequestShapes);
  c.seriesOf(req('GET', '/api/v1/namespaces/d/pods/one-more'));
  assert.equal(c.size, 1);
  assert.equal(asked.at(-1)?.verb, 'GET');
});

test('series by request: a request whose parts cannot be read is counted under the fixed labels', () => {
  const { metrics, asked } = fakeMetrics();
  const c = new SeriesByRequest(metrics, served);
  const bad = { method: 'GET', headers: {}, query: {}, get url(): string { throw new Error('no url'); } } as unknown as FastifyRequest;
  c.seriesOf(bad);
  assert.deepEqual(asked, [{ verb: 'other', dry_run: '', group: '', version: '', resource: '', subresource: '', scope: '', component: 'apiserver' }]);
  assert.equal(c.size, 0);
});
