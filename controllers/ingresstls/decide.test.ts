import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Ingress, IngressClass, IngressTLS } from 'kubernetes-types/networking/v1';
import type { Role, RoleBinding } from 'kubernetes-types/rbac/v1';
import { skiffIngressClass } from '../../apiserver/api/ingress-class.ts';
import { tlsSecretRefs, tlsSecretsByNamespace } from '../../proxy/ingress/refs.ts';
import { decideNamespace, desiredBinding, desiredRole, INGRESS_TLS_ROLE, type Action } from './decide.ts';

const nginx: IngressClass = { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } };
const ing = (ns: string, name: string, tls: IngressTLS[], cls: string | undefined = 'skiff'): Ingress => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace: ns },
  spec: { ...(cls !== undefined ? { ingressClassName: cls } : {}), tls, rules: [{ host: 'a.example', http: { paths: [] } }] },
});

test('referenced Secrets: our class only, per namespace, sorted and de-duplicated', () => {
  const rows: Array<{ name: string; ingresses: Ingress[]; classes?: IngressClass[]; want: Record<string, string[]> }> = [
    { name: 'none', ingresses: [], want: {} },
    { name: 'no tls', ingresses: [ing('a', 'x', [])], want: {} },
    { name: 'tls entry without secretName', ingresses: [ing('a', 'x', [{ hosts: ['a.example'] }])], want: {} },
    { name: 'two Ingresses, shared name', ingresses: [ing('a', 'x', [{ secretName: 'z' }, { secretName: 'b' }]), ing('a', 'y', [{ secretName: 'b' }])], want: { a: ['b', 'z'] } },
    { name: 'two namespaces', ingresses: [ing('b', 'x', [{ secretName: 's' }]), ing('a', 'x', [{ secretName: 's' }])], want: { a: ['s'], b: ['s'] } },
    { name: "another class's Ingress grants nothing", ingresses: [ing('a', 'x', [{ secretName: 's' }], 'nginx')], want: {} },
    { name: 'no class, ours is default', ingresses: [ing('a', 'x', [{ secretName: 's' }], undefined)], want: { a: ['s'] } },
    { name: 'no class, no default class', ingresses: [ing('a', 'x', [{ secretName: 's' }], undefined)], classes: [nginx], want: {} },
  ];
  for (const r of rows) {
    const got = tlsSecretsByNamespace(r.ingresses, r.classes ?? [skiffIngressClass(), nginx]);
    assert.deepEqual(Object.fromEntries(got), r.want, r.name);
  }
  assert.deepEqual(tlsSecretRefs([ing('b', 'x', [{ secretName: 's' }]), ing('a', 'x', [{ secretName: 't' }, { secretName: 's' }])], [skiffIngressClass()]),
    [{ namespace: 'a', name: 's' }, { namespace: 'a', name: 't' }, { namespace: 'b', name: 's' }]);
});

test('the desired Role names exactly the Secrets, read-only, and the binding is to system:kube-proxy', () => {
  const r = desiredRole('shop', ['a', 'b']);
  assert.equal(r.metadata?.name, INGRESS_TLS_ROLE);
  assert.equal(r.metadata?.namespace, 'shop');
  assert.deepEqual(r.rules, [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'], resourceNames: ['a', 'b'] }]);
  const b = desiredBinding('shop');
  assert.deepEqual(b.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: INGRESS_TLS_ROLE });
  assert.deepEqual(b.subjects, [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:kube-proxy' }]);
});

/** A stored copy: resourceVersion set and keys in another order, as the server may return them. */
function stored<T extends Role | RoleBinding>(o: T): T {
  const copy = JSON.parse(JSON.stringify(o)) as T;
  copy.metadata = { resourceVersion: '7', ...copy.metadata };
  if ('rules' in copy && copy.rules) copy.rules = copy.rules.map((x) => ({ verbs: x.verbs, resourceNames: x.resourceNames, resources: x.resources, apiGroups: x.apiGroups }));
  return copy;
}
const summary = (as: Action[]): string[] => as.map((a) => `${a.op} ${a.kind}${'obj' in a ? ` ${JSON.stringify(a.obj.kind === 'Role' ? (a.obj as Role).rules?.[0]?.resourceNames : (a.obj as RoleBinding).subjects?.map((s) => s.name))}` : ''}`);

test('decideNamespace: create, keep, update, delete', () => {
  const role = (names: string[]): Role => stored(desiredRole('shop', names));
  const binding = stored(desiredBinding('shop'));
  const foreignRole: Role = { ...role(['a']), metadata: { name: INGRESS_TLS_ROLE, namespace: 'shop' } };
  const foreignBinding: RoleBinding = { ...binding, metadata: { name: INGRESS_TLS_ROLE, namespace: 'shop' } };
  const otherRef: RoleBinding = { ...binding, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' } };
  const extraSubject: RoleBinding = { ...binding, subjects: [...(binding.subjects ?? []), { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'mallory' }] };
  const rows: Array<{ name: string; names: string[]; role?: Role; binding?: RoleBinding; want: string[] }> = [
    { name: 'nothing needed, nothing there', names: [], want: [] },
    { name: 'first reference: Role then binding', names: ['a'], want: ['create Role ["a"]', 'create RoleBinding ["system:kube-proxy"]'] },
    { name: 'up to date (stored key order differs)', names: ['a', 'b'], role: role(['a', 'b']), binding, want: [] },
    { name: 'a name added', names: ['a', 'b'], role: role(['a']), binding, want: ['update Role ["a","b"]'] },
    { name: 'a name removed', names: ['b'], role: role(['a', 'b']), binding, want: ['update Role ["b"]'] },
    { name: 'binding lost', names: ['a'], role: role(['a']), want: ['create RoleBinding ["system:kube-proxy"]'] },
    { name: 'binding subjects tampered with', names: ['a'], role: role(['a']), binding: extraSubject, want: ['update RoleBinding ["system:kube-proxy"]'] },
    { name: 'binding to another role: delete (roleRef is immutable)', names: ['a'], role: role(['a']), binding: otherRef, want: ['delete RoleBinding'] },
    { name: 'unlabelled Role taken over', names: ['a'], role: foreignRole, binding, want: ['update Role ["a"]'] },
    { name: 'last reference gone: binding then Role', names: [], role: role(['a']), binding, want: ['delete RoleBinding', 'delete Role'] },
    { name: 'unlabelled objects are never deleted', names: [], role: foreignRole, binding: foreignBinding, want: [] },
  ];
  for (const r of rows) assert.deepEqual(summary(decideNamespace('shop', r.names, r.role, r.binding)), r.want, r.name);
});

test('an update keeps the stored resourceVersion (compare-and-swap) and adds our label', () => {
  const cur: Role = { ...stored(desiredRole('shop', ['a'])), metadata: { name: INGRESS_TLS_ROLE, namespace: 'shop', resourceVersion: '9', labels: { team: 'x' } } };
  const [a] = decideNamespace('shop', ['a', 'c'], cur, stored(desiredBinding('shop')));
  assert.ok(a && a.op === 'update' && a.kind === 'Role');
  assert.equal(a.obj.metadata?.resourceVersion, '9');
  assert.deepEqual(a.obj.metadata?.labels, { team: 'x', 'app.kubernetes.io/managed-by': 'skiff-ingress-tls-controller' });
});
