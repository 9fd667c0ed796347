import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requestLabels, servedResources, type RequestParts } from './request-labels.ts';

const served = servedResources([
  { group: '', version: 'v1', resource: 'configmaps', subresources: [] },
  { group: '', version: 'v1', resource: 'pods', subresources: ['status', 'log', 'binding'] },
  { group: '', version: 'v1', resource: 'namespaces', subresources: ['status', 'finalize'] },
  { group: 'apps', version: 'v1', resource: 'deployments', subresources: ['status', 'scale'] },
]);

type Want = [verb: string, group: string, version: string, resource: string, subresource: string, scope: string];

const cases: Array<{ name: string; req: RequestParts; want: Want }> = [
  { name: 'create', req: { method: 'POST', path: '/api/v1/namespaces/default/configmaps' }, want: ['POST', '', 'v1', 'configmaps', '', 'resource'] },
  { name: 'get', req: { method: 'GET', path: '/api/v1/namespaces/default/configmaps/a' }, want: ['GET', '', 'v1', 'configmaps', '', 'resource'] },
  { name: 'list in a namespace', req: { method: 'GET', path: '/api/v1/namespaces/default/configmaps' }, want: ['LIST', '', 'v1', 'configmaps', '', 'namespace'] },
  { name: 'list everywhere', req: { method: 'GET', path: '/api/v1/configmaps' }, want: ['LIST', '', 'v1', 'configmaps', '', 'cluster'] },
  { name: 'list by metadata.name', req: { method: 'GET', path: '/api/v1/namespaces/d/pods', fieldSelector: 'metadata.name=x' }, want: ['LIST', '', 'v1', 'pods', '', 'resource'] },
  { name: 'watch=true', req: { method: 'GET', path: '/api/v1/pods', watch: 'true' }, want: ['WATCH', '', 'v1', 'pods', '', 'cluster'] },
  { name: 'legacy /watch/', req: { method: 'GET', path: '/api/v1/watch/namespaces/d/pods' }, want: ['WATCH', '', 'v1', 'pods', '', 'namespace'] },
  { name: 'update status', req: { method: 'PUT', path: '/api/v1/namespaces/d/pods/p/status' }, want: ['PUT', '', 'v1', 'pods', 'status', 'resource'] },
  { name: 'patch', req: { method: 'PATCH', path: '/apis/apps/v1/namespaces/d/deployments/w', contentType: 'application/merge-patch+json' }, want: ['PATCH', 'apps', 'v1', 'deployments', '', 'resource'] },
  { name: 'apply', req: { method: 'PATCH', path: '/apis/apps/v1/namespaces/d/deployments/w/scale', contentType: 'application/apply-patch+yaml; charset=utf-8' }, want: ['APPLY', 'apps', 'v1', 'deployments', 'scale', 'resource'] },
  { name: 'delete', req: { method: 'DELETE', path: '/api/v1/namespaces/d/pods/p' }, want: ['DELETE', '', 'v1', 'pods', '', 'resource'] },
  { name: 'deletecollection', req: { method: 'DELETE', path: '/api/v1/namespaces/d/pods' }, want: ['DELETECOLLECTION', '', 'v1', 'pods', '', 'namespace'] },
  { name: 'a namespace', req: { method: 'GET', path: '/api/v1/namespaces/d' }, want: ['GET', '', 'v1', 'namespaces', '', 'resource'] },
  { name: 'a namespace finalize', req: { method: 'PUT', path: '/api/v1/namespaces/d/finalize' }, want: ['PUT', '', 'v1', 'namespaces', 'finalize', 'resource'] },
  { name: 'legacy bindings', req: { method: 'POST', path: '/api/v1/namespaces/d/bindings' }, want: ['POST', '', 'v1', 'bindings', '', 'resource'] },
  { name: 'pods/log', req: { method: 'GET', path: '/api/v1/namespaces/d/pods/p/log' }, want: ['GET', '', 'v1', 'pods', 'log', 'resource'] },
  { name: 'unknown resource', req: { method: 'GET', path: '/api/v1/namespaces/d/<script>' }, want: ['LIST', '', '', '', '', 'namespace'] },
  { name: 'unknown group', req: { method: 'GET', path: '/apis/evil.example/v9/things/x' }, want: ['GET', '', '', '', '', 'resource'] },
  { name: 'unknown subresource', req: { method: 'GET', path: '/api/v1/namespaces/d/pods/p/%00junk' }, want: ['GET', '', 'v1', 'pods', '', 'resource'] },
  { name: 'healthz', req: { method: 'GET', path: '/healthz' }, want: ['GET', '', '', '', '/healthz', ''] },
  { name: 'metrics', req: { method: 'GET', path: '/metrics/' }, want: ['GET', '', '', '', '/metrics', ''] },
  { name: 'unknown path', req: { method: 'GET', path: '/etc/passwd' }, want: ['GET', '', '', '', '', ''] },
  { name: 'unknown method', req: { method: 'BREW', path: '/api/v1/pods' }, want: ['other', '', '', '', '', ''] },
];

for (const c of cases) {
  test(`request labels: ${c.name}`, () => {
    const l = requestLabels(c.req, served);
    assert.deepEqual([l.verb, l.group, l.version, l.resource, l.subresource, l.scope], c.want);
    assert.equal(l.component, 'apiserver');
    assert.equal(l.dry_run, '');
  });
}

test('request labels: dry_run is All, invalid, or empty (never the raw value)', () => {
  const path = '/api/v1/namespaces/d/configmaps';
  assert.equal(requestLabels({ method: 'POST', path, dryRun: ['All'] }, served).dry_run, 'All');
  assert.equal(requestLabels({ method: 'POST', path, dryRun: ['All', 'All'] }, served).dry_run, 'All');
  assert.equal(requestLabels({ method: 'POST', path, dryRun: ['All', 'x'.repeat(500)] }, served).dry_run, 'invalid');
  assert.equal(requestLabels({ method: 'POST', path, dryRun: [] }, served).dry_run, '');
});
