/**
 * Escalation prevention, the watch-fed RBAC cache and ClusterRole
 * aggregation, through the real registry stores over in-memory storage.
 */
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterRole, PolicyRule, Role, RoleBinding } from 'kubernetes-types/rbac/v1';
import type { KubeObject } from '../../api/object.ts';
import { StatusError } from '../../api/errors.ts';
import type { UserInfo } from '../../api/user.ts';
import { admitAll } from '../../registry/admission/chain.ts';
import { Registry } from '../../registry/registry.ts';
import type { ResourceStore } from '../../registry/store.ts';
import { clusterRoleBindingsResource, clusterRolesResource, roleBindingsResource, rolesResource } from '../../registry/resources/rbac.ts';
import type { ResourceDef } from '../../registry/types.ts';
import { MemoryStorage } from '../../storage/memory.ts';
import { quietLogger } from '../../../testutil/log.ts';
import { waitFor } from '../../../testutil/wait.ts';
import { createAuthorization, type Authorization } from './install.ts';
import { rulesFor } from './resolver.ts';
import { defaultClusterRoleBindings, defaultClusterRoles } from './policy.ts';
import Fastify, { type FastifyInstance } from 'fastify';
import { routeErrorStatus } from '../../routes/router-errors.ts';
import { installTestAuthenticator } from '../../../testutil/test-authn.ts';

const g = 'rbac.authorization.k8s.io';
const log = quietLogger('rbac-test');
let storage: MemoryStorage;
let registry: Registry;
let auth: Authorization;
let app: FastifyInstance;
const store = (r: string): ResourceStore => registry.find(g, 'v1', r)!;

beforeEach(async () => {
  storage = new MemoryStorage();
  auth = createAuthorization('RBAC', storage, log);
  const defs = [rolesResource(), clusterRolesResource(), roleBindingsResource(), clusterRoleBindingsResource()] as unknown as ResourceDef[];
  registry = new Registry(defs, storage, { serviceCIDR: '10.96.0.0/12', log, admission: auth.admission(() => admitAll) });
  app = Fastify();
  app.setErrorHandler((err, _req, reply) => {
    const se = routeErrorStatus(err, 1 << 20);
    void reply.code(se.code).send(se.status);
  });
  installTestAuthenticator(app, { alice: { username: 'alice' } });
  auth.install(app, registry, log);
  await app.ready();
});

afterEach(async () => {
  await app.close();
  storage.close();
});

const alice: UserInfo = { username: 'alice', groups: ['system:authenticated'] };
const rule = (verbs: string[], resources: string[], apiGroups = ['']): PolicyRule => ({ verbs, apiGroups, resources });
const roleObj = (name: string, rules: PolicyRule[], ns = 'dev'): Role => ({ apiVersion: `${g}/v1`, kind: 'Role', metadata: { name, namespace: ns }, rules });
const bindingObj = (name: string, kind: 'Role' | 'ClusterRole', roleName: string, user: string, ns = 'dev'): RoleBinding => ({
  apiVersion: `${g}/v1`, kind: 'RoleBinding', metadata: { name, namespace: ns }, roleRef: { apiGroup: g, kind, name: roleName }, subjects: [{ apiGroup: g, kind: 'User', name: user }],
});

/** Creates as the bootstrap does (no user), then waits for the cache to hold what alice may now do. */
async function grantAlice(rules: PolicyRule[]): Promise<void> {
  await store('roles').create('dev', roleObj('alice-powers', rules));
  await store('rolebindings').create('dev', bindingObj('alice-powers', 'Role', 'alice-powers', 'alice'));
  await waitFor(() => rulesFor(auth.cache!, alice, 'dev').rules.length === rules.length, 5000, 'the cache to see alice\'s binding', 5);
}

async function refusal(p: Promise<unknown>): Promise<StatusError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof StatusError) return e;
    throw e;
  }
  assert.fail('the write was allowed');
}

test('a Role with rules the user does not hold is 403 and stores nothing; one within them is created', async () => {
  await grantAlice([rule(['create', 'update'], ['roles'], [g]), rule(['get', 'list'], ['pods'])]);
  const err = await refusal(store('roles').create('dev', roleObj('wider', [rule(['get', 'delete'], ['pods'])]), { user: alice }));
  assert.equal(err.code, 403);
  assert.equal(err.status.message, 'roles.rbac.authorization.k8s.io "wider" is forbidden: user "alice" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}');
  assert.equal(await storage.get('/registry/roles/dev/wider'), undefined);
  const dry = await refusal(store('roles').create('dev', roleObj('wider', [rule(['delete'], ['pods'])]), { user: alice, dryRun: true }));
  assert.equal(dry.code, 403);
  const made = await store('roles').create('dev', roleObj('narrow', [rule(['get'], ['pods'])]), { user: alice });
  assert.equal(made.metadata?.name, 'narrow');
  // Outside the namespace her binding is in, she holds nothing.
  assert.equal((await refusal(store('roles').create('prod', roleObj('narrow', [rule(['get'], ['pods'])], 'prod'), { user: alice }))).code, 403);
});

test('an update that keeps the rules passes; one that widens them does not', async () => {
  await grantAlice([rule(['create', 'update', 'get'], ['roles'], [g])]);
  const wide = await store('roles').create('dev', roleObj('wide', [rule(['*'], ['*'], ['*'])]));
  const relabelled = { ...wide, metadata: { ...wide.metadata, labels: { a: 'b' } } } as KubeObject;
  await store('roles').update('dev', 'wide', relabelled, undefined, { user: alice });
  const narrowed = { ...(await store('roles').get('dev', 'wide')), rules: [rule(['get'], ['secrets'])] } as KubeObject;
  assert.equal((await refusal(store('roles').update('dev', 'wide', narrowed, undefined, { user: alice }))).code, 403);
});

test('escalate lets a user write any rules; system:masters and writes with no user are not checked', async () => {
  await grantAlice([rule(['create'], ['roles'], [g]), rule(['escalate'], ['roles'], [g])]);
  await store('roles').create('dev', roleObj('anything', [rule(['*'], ['*'], ['*'])]), { user: alice });
  await store('roles').create('dev', roleObj('root', [rule(['*'], ['*'], ['*'])]), { user: { username: 'root', groups: ['system:masters'] } });
  await store('roles').create('dev', roleObj('boot', [rule(['*'], ['*'], ['*'])]));
});

test('a binding to a role whose rules the user lacks is 403 unless it may bind that role; a missing role is 404', async () => {
  await grantAlice([rule(['create'], ['rolebindings'], [g]), rule(['get'], ['pods'])]);
  await store('clusterroles').create(undefined, { apiVersion: `${g}/v1`, kind: 'ClusterRole', metadata: { name: 'deleter' }, rules: [rule(['delete'], ['pods'])] } as ClusterRole);
  await store('clusterroles').create(undefined, { apiVersion: `${g}/v1`, kind: 'ClusterRole', metadata: { name: 'getter' }, rules: [rule(['get'], ['pods'])] } as ClusterRole);
  const err = await refusal(store('rolebindings').create('dev', bindingObj('b1', 'ClusterRole', 'deleter', 'bob'), { user: alice }));
  assert.equal(err.code, 403);
  assert.match(err.status.message ?? '', /^rolebindings\.rbac\.authorization\.k8s\.io "b1" is forbidden: user "alice" .* not currently held:\n\{APIGroups:\[""\], Resources:\["pods"\], Verbs:\["delete"\]\}$/);
  await store('rolebindings').create('dev', bindingObj('b2', 'ClusterRole', 'getter', 'bob'), { user: alice });
  assert.equal((await refusal(store('rolebindings').create('dev', bindingObj('b3', 'ClusterRole', 'nope', 'bob'), { user: alice }))).code, 404);
  // bind on clusterroles/deleter is enough.
  await store('roles').create('dev', roleObj('binder', [rule(['bind'], ['clusterroles'], [g])]));
  await store('rolebindings').create('dev', bindingObj('alice-binder', 'Role', 'binder', 'alice'));
  await waitFor(() => rulesFor(auth.cache!, alice, 'dev').rules.length === 3, 5000, 'the cache to see the bind grant', 5);
  await store('rolebindings').create('dev', bindingObj('b1', 'ClusterRole', 'deleter', 'bob'), { user: alice });
});

test('an aggregated ClusterRole needs full authority to create', async () => {
  await grantAlice([rule(['create'], ['roles'], [g])]);
  const agg: ClusterRole = { apiVersion: `${g}/v1`, kind: 'ClusterRole', metadata: { name: 'agg' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { x: 'y' } }] } };
  const err = await refusal(store('clusterroles').create(undefined, agg, { user: alice }));
  assert.equal(err.status.message, 'clusterroles.rbac.authorization.k8s.io "agg" is forbidden: must have cluster-admin privileges to use the aggregationRule');
});

test('the aggregation loop fills an aggregated role from the roles its selectors match, and follows their changes', async () => {
  const cr = (name: string, labels: Record<string, string>, rules: PolicyRule[], extra: Partial<ClusterRole> = {}): ClusterRole => ({ apiVersion: `${g}/v1`, kind: 'ClusterRole', metadata: { name, labels }, rules, ...extra });
  await store('clusterroles').create(undefined, cr('view', {}, [], { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'to-view': 'true' } }] } }));
  await store('clusterroles').create(undefined, cr('part-a', { 'to-view': 'true' }, [rule(['get'], ['pods'])]));
  await store('clusterroles').create(undefined, cr('part-b', { 'to-view': 'true' }, [rule(['get'], ['pods']), rule(['list'], ['services'])]));
  const rulesOfView = async (): Promise<PolicyRule[]> => ((await store('clusterroles').get(undefined, 'view')) as ClusterRole).rules ?? [];
  await waitFor(async () => (await rulesOfView()).length === 2, 5000, 'view to aggregate both parts', 5);
  assert.deepEqual(await rulesOfView(), [rule(['get'], ['pods']), rule(['list'], ['services'])]);
  await store('clusterroles').delete(undefined, 'part-b');
  await waitFor(async () => (await rulesOfView()).length === 1, 5000, 'view to drop part-b', 5);
  assert.deepEqual(await rulesOfView(), [rule(['get'], ['pods'])]);
});

test('the review routes answer for the caller and for a named subject', async () => {
  await grantAlice([rule(['get'], ['pods'])]);
  const ssar = await app.inject({
    method: 'POST', url: '/apis/authorization.k8s.io/v1/subjectaccessreviews', headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'alice', resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'dev' } } }),
  });
  assert.equal(ssar.statusCode, 201, ssar.body);
  assert.deepEqual(ssar.json().status, { allowed: true });
  const denied = await app.inject({
    method: 'POST', url: '/apis/authorization.k8s.io/v1/subjectaccessreviews', headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'alice', resourceAttributes: { verb: 'delete', resource: 'pods', namespace: 'dev' } } }),
  });
  assert.deepEqual(denied.json().status, { allowed: false });
  const invalid = await app.inject({
    method: 'POST', url: '/apis/authorization.k8s.io/v1/subjectaccessreviews', headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: {} }),
  });
  assert.equal(invalid.statusCode, 422);
  assert.match(invalid.json().message, /exactly one of nonResourceAttributes or resourceAttributes must be specified/);
  assert.match(invalid.json().message, /at least one of user or group must be specified/);
  const rules = await app.inject({
    method: 'POST', url: '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', headers: { 'content-type': 'application/json', authorization: 'Bearer alice' },
    payload: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: 'dev' } }),
  });
  // alice has no system:basic-user binding here, so even her own rules review is forbidden.
  assert.equal(rules.statusCode, 403);
  assert.match(rules.json().message, /User "alice" cannot create resource "selfsubjectrulesreviews"/);
});

test('AlwaysAllow (the default) answers every access review with allowed and reports all rules', async () => {
  const open = Fastify();
  createAuthorization('AlwaysAllow', storage, log).install(open, registry, log);
  await open.ready();
  const r = await open.inject({
    method: 'POST', url: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb: 'delete', resource: 'nodes' } } }),
  });
  assert.equal(r.statusCode, 201);
  assert.deepEqual(r.json().status, { allowed: true });
  const rules = await open.inject({
    method: 'POST', url: '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: 'default' } }),
  });
  assert.deepEqual(rules.json().status, { resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }], incomplete: false });
  await open.close();
});

test('the default policy bootstrap is idempotent, and admin ⊇ edit ⊇ view once aggregated', async () => {
  await auth.bootstrap(registry, log);
  await auth.bootstrap(registry, log);
  const roles = (await store('clusterroles').list(undefined, {})).items as ClusterRole[];
  const bindings = (await store('clusterrolebindings').list(undefined, {})).items;
  assert.equal(roles.length, defaultClusterRoles().length);
  assert.equal(bindings.length, defaultClusterRoleBindings().length);
  const rulesOf = async (n: string): Promise<PolicyRule[]> => ((await store('clusterroles').get(undefined, n)) as ClusterRole).rules ?? [];
  await waitFor(async () => (await rulesOf('admin')).length > (await rulesOf('edit')).length && (await rulesOf('edit')).length > (await rulesOf('view')).length && (await rulesOf('view')).length > 0, 5000, 'aggregation of admin, edit and view', 5);
  const user = { username: 'v', groups: [] };
  const has = (rules: PolicyRule[], verb: string, resource: string, group = ''): boolean => rules.some((r) => r.verbs.includes(verb) && (r.apiGroups ?? []).includes(group) && (r.resources ?? []).includes(resource));
  assert.equal(has(await rulesOf('view'), 'list', 'pods'), true);
  assert.equal(has(await rulesOf('view'), 'get', 'secrets'), false, 'view does not read secrets');
  assert.equal(has(await rulesOf('edit'), 'create', 'deployments', 'apps'), true);
  assert.equal(has(await rulesOf('admin'), 'create', 'rolebindings', g), true);
  assert.equal(has(await rulesOf('edit'), 'create', 'rolebindings', g), false);
  assert.deepEqual(rulesFor(auth.cache!, user, 'default').rules, [], 'no default binding grants a plain user anything');
});
