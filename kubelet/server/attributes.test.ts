import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accessOutcome, isSubpath, kubeletVerb, requestAttributes, subresourcesFor, type AuthzDecision, type KubeletAttributes } from './attributes.ts';

test('HTTP method → verb, as the kubelet', () => {
  const table: Array<[string, string]> = [['GET', 'get'], ['POST', 'create'], ['PUT', 'update'], ['PATCH', 'patch'], ['DELETE', 'delete'], ['HEAD', ''], ['OPTIONS', '']];
  for (const [method, verb] of table) assert.equal(kubeletVerb(method), verb, method);
});

test('isSubpath: the path itself or below it, never a longer sibling', () => {
  const table: Array<[string, string, boolean]> = [
    ['/metrics', '/metrics', true], ['/metrics/cadvisor', '/metrics', true], ['/metricsx', '/metrics', false],
    ['/stats', '/stats/', true], ['/stats/summary', '/stats/', true], ['/statsz', '/stats/', false], ['/', '/stats/', false],
  ];
  for (const [path, prefix, want] of table) assert.equal(isSubpath(path, prefix), want, `${path} under ${prefix}`);
});

test('path → subresources tried, in order', () => {
  const table: Array<[string, string[]]> = [
    ['/containerLogs/default/web/nginx', ['proxy']],
    ['/exec/default/web/nginx', ['proxy']],
    ['/portForward/default/web', ['proxy']],
    ['/run/default/web/nginx', ['proxy']],
    ['/logs/', ['log']],
    ['/logs/syslog', ['log']],
    ['/logsx', ['proxy']],
    ['/stats/summary', ['stats']],
    ['/stats', ['stats']],
    ['/metrics', ['metrics']],
    ['/metrics/resource', ['metrics']],
    ['/checkpoint/default/web/nginx', ['checkpoint']],
    ['/pods', ['pods', 'proxy']],
    ['/pods/', ['pods', 'proxy']],
    ['/runningpods/', ['pods', 'proxy']],
    ['/healthz', ['healthz', 'proxy']],
    ['/healthz/ping', ['healthz', 'proxy']],
    ['/configz', ['configz', 'proxy']],
    ['/statusz', ['statusz', 'proxy']],
    ['/spec/', ['proxy']],
    ['/', ['proxy']],
  ];
  for (const [path, want] of table) assert.deepEqual(subresourcesFor(path), want, path);
});

test('requestAttributes: nodes/<sub> named after this node, one set per subresource', () => {
  const user = { name: 'kube-apiserver-kubelet-client', groups: ['system:masters'] };
  assert.deepEqual(requestAttributes(user, 'POST', '/pods', 'n1'), [
    { user, verb: 'create', resource: 'nodes', subresource: 'pods', name: 'n1', path: '/pods' },
    { user, verb: 'create', resource: 'nodes', subresource: 'proxy', name: 'n1', path: '/pods' },
  ]);
});

test('accessOutcome: 401, 403, 500 and serve, with the kubelet\'s texts', () => {
  const user = { name: 'alice', groups: [] };
  const logs = requestAttributes(user, 'GET', '/logs/x', 'n1');
  const pods = requestAttributes(user, 'GET', '/pods', 'n1');
  const table: Array<[string, Parameters<typeof accessOutcome>[0], KubeletAttributes[], AuthzDecision[], ReturnType<typeof accessOutcome>]> = [
    ['no credentials', { unauthenticated: 'no client certificate' }, [], [], { serve: false, code: 401, body: 'Unauthorized' }],
    ['denied', { user }, logs, ['deny'], { serve: false, code: 403, body: 'Forbidden (user=alice, verb=get, resource=nodes, subresource(s)=[log])' }],
    ['denied twice', { user }, pods, ['deny', 'deny'], { serve: false, code: 403, body: 'Forbidden (user=alice, verb=get, resource=nodes, subresource(s)=[pods proxy])' }],
    ['second allows', { user }, pods, ['deny', 'allow'], { serve: true, user }],
    ['first allows', { user }, pods, ['allow'], { serve: true, user }],
    ['authorizer failed', { user }, logs, [{ error: 'connection refused' }], { serve: false, code: 500, body: 'Authorization error (user=alice, verb=get, resource=nodes, subresource(s)=[log])' }],
  ];
  for (const [name, authn, attrs, decisions, want] of table) assert.deepEqual(accessOutcome(authn, attrs, decisions), want, name);
});
