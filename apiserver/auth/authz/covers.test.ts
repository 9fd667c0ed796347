import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PolicyRule } from 'kubernetes-types/rbac/v1';
import { breakdownRule, compactString, uncovered } from './covers.ts';

// After Kubernetes' policy_comparator_test.go.
const cases: Array<[string, PolicyRule[], PolicyRule[], boolean]> = [
  ['exact', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], true],
  ['star verbs, groups and resources cover anything', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], [{ verbs: ['escalate'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'pods/log'] }], true],
  ['a missing verb', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], [{ verbs: ['get', 'delete'], apiGroups: [''], resources: ['pods'] }], false],
  ['split across owner rules', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }, { verbs: ['delete'], apiGroups: [''], resources: ['pods'] }], [{ verbs: ['get', 'delete'], apiGroups: [''], resources: ['pods'] }], true],
  ['*/subresource covers any resource/subresource', [{ verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] }], [{ verbs: ['get'], apiGroups: ['apps'], resources: ['deployments/scale'] }], true],
  ['a resource does not cover its subresource', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], [{ verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }], false],
  ['owner resourceNames do not cover all names', [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] }], [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }], false],
  ['owner without names covers a named rule', [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }], [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] }], true],
  ['names subset', [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a', 'b'] }], [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['b'] }], true],
  ['nonResourceURL prefix *', [{ verbs: ['get'], nonResourceURLs: ['/apis/*'] }], [{ verbs: ['get'], nonResourceURLs: ['/apis/apps'] }], true],
  ['nonResourceURL not held', [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }], [{ verbs: ['get'], nonResourceURLs: ['/metrics'] }], false],
  ['resource rules do not cover URLs', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], [{ verbs: ['get'], nonResourceURLs: ['/metrics'] }], false],
  ['nothing wanted', [], [], true],
];

for (const [name, owned, wanted, covered] of cases) {
  test(`uncovered: ${name}`, () => assert.equal(uncovered(owned, wanted).length === 0, covered));
}

test('breakdownRule splits into one verb, group, resource and name each', () => {
  assert.deepEqual(breakdownRule({ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'secrets'], resourceNames: ['a'] }).map(compactString), [
    '{APIGroups:[""], Resources:["pods"], ResourceNames:["a"], Verbs:["get"]}',
    '{APIGroups:[""], Resources:["pods"], ResourceNames:["a"], Verbs:["list"]}',
    '{APIGroups:[""], Resources:["secrets"], ResourceNames:["a"], Verbs:["get"]}',
    '{APIGroups:[""], Resources:["secrets"], ResourceNames:["a"], Verbs:["list"]}',
  ]);
  assert.deepEqual(breakdownRule({ verbs: ['get'], nonResourceURLs: ['/a', '/b'] }).map(compactString), ['{NonResourceURLs:["/a"], Verbs:["get"]}', '{NonResourceURLs:["/b"], Verbs:["get"]}']);
});
