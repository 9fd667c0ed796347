import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PolicyRule } from 'kubernetes-types/rbac/v1';
import { nonResourceAttributes, resourceAttributes, type Attributes } from './attributes.ts';
import { authorize, ruleAllows } from './rules.ts';

const u = { username: 'u', groups: [] };
const res = (verb: string, apiGroup: string, resource: string, extra: Partial<Attributes> = {}): Attributes => resourceAttributes(u, { verb, apiGroup, resource, ...extra });
const url = (verb: string, path: string): Attributes => nonResourceAttributes(u, verb, path);

// Cases after Kubernetes' evaluation_helpers (RuleAllows) semantics.
const cases: Array<[string, PolicyRule, Attributes, boolean]> = [
  ['exact verb/group/resource', { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, res('get', '', 'pods'), true],
  ['other verb', { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, res('list', '', 'pods'), false],
  ['other group', { verbs: ['get'], apiGroups: [''], resources: ['deployments'] }, res('get', 'apps', 'deployments'), false],
  ['verb *', { verbs: ['*'], apiGroups: [''], resources: ['pods'] }, res('deletecollection', '', 'pods'), true],
  ['group *', { verbs: ['get'], apiGroups: ['*'], resources: ['deployments'] }, res('get', 'apps', 'deployments'), true],
  ['resource *', { verbs: ['get'], apiGroups: [''], resources: ['*'] }, res('get', '', 'secrets'), true],
  ['resource * covers subresources', { verbs: ['get'], apiGroups: [''], resources: ['*'] }, res('get', '', 'pods', { subresource: 'log' }), true],
  ['resource does not cover its subresource', { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, res('get', '', 'pods', { subresource: 'log' }), false],
  ['resource/subresource', { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }, res('get', '', 'pods', { subresource: 'log' }), true],
  ['resource/subresource is not the resource', { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }, res('get', '', 'pods'), false],
  ['*/subresource', { verbs: ['update'], apiGroups: ['*'], resources: ['*/scale'] }, res('update', 'apps', 'deployments', { subresource: 'scale' }), true],
  ['*/subresource other subresource', { verbs: ['update'], apiGroups: ['*'], resources: ['*/scale'] }, res('update', 'apps', 'deployments', { subresource: 'status' }), false],
  ['*/subresource is not the main resource', { verbs: ['update'], apiGroups: ['*'], resources: ['*/scale'] }, res('update', 'apps', 'deployments'), false],
  ['resourceNames match', { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a', 'b'] }, res('get', '', 'configmaps', { name: 'b' }), true],
  ['resourceNames miss', { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] }, res('get', '', 'configmaps', { name: 'c' }), false],
  ['resourceNames never match a list (no name)', { verbs: ['list'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] }, res('list', '', 'configmaps'), false],
  ['resource rule does not grant URLs', { verbs: ['get'], apiGroups: ['*'], resources: ['*'] }, url('get', '/healthz'), false],
  ['nonResourceURL exact', { verbs: ['get'], nonResourceURLs: ['/healthz'] }, url('get', '/healthz'), true],
  ['nonResourceURL other path', { verbs: ['get'], nonResourceURLs: ['/healthz'] }, url('get', '/healthz/etcd'), false],
  ['nonResourceURL trailing *', { verbs: ['get'], nonResourceURLs: ['/apis/*'] }, url('get', '/apis/apps/v1'), true],
  ['nonResourceURL trailing * is a prefix, not a segment', { verbs: ['get'], nonResourceURLs: ['/api*'] }, url('get', '/apis'), true],
  ['nonResourceURL trailing * needs the prefix', { verbs: ['get'], nonResourceURLs: ['/apis/*'] }, url('get', '/apis'), false],
  ['nonResourceURL *', { verbs: ['*'], nonResourceURLs: ['*'] }, url('post', '/anything'), true],
  ['nonResourceURL verb', { verbs: ['get'], nonResourceURLs: ['*'] }, url('post', '/x'), false],
  ['URL rule does not grant resources', { verbs: ['*'], nonResourceURLs: ['*'] }, res('get', '', 'pods'), false],
  ['custom verb', { verbs: ['impersonate'], apiGroups: [''], resources: ['users'] }, res('impersonate', '', 'users', { name: 'x' }), true],
];

for (const [name, rule, attrs, want] of cases) {
  test(`ruleAllows: ${name}`, () => assert.equal(ruleAllows(attrs, rule), want));
}

test('authorize: any rule allowing is enough; no rules allow nothing', () => {
  const rules: PolicyRule[] = [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }, { verbs: ['list'], apiGroups: [''], resources: ['pods'] }];
  assert.equal(authorize(res('list', '', 'pods'), rules), true);
  assert.equal(authorize(res('watch', '', 'pods'), rules), false);
  assert.equal(authorize(res('get', '', 'pods'), []), false);
});
