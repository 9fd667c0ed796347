/**
 * RBAC end to end: the real API server on real etcd with authorization RBAC,
 * a test-only authenticator (no credentials = the test admin in
 * system:masters), and the real kubectl 1.33 and 1.27 impersonating users
 * with --as.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startApiServer, type TestApiServer } from '../../../testutil/apiserver.ts';
import { installTestAuthenticator } from '../../../testutil/test-authn.ts';

const exec = promisify(execFile);
const bin = (minor: number): string => `/usr/lib/google-cloud-sdk/bin/kubectl.1.${minor}`;
const versions = [33, 27];
const missing = versions.map(bin).filter((b) => !existsSync(b));
const noEtcd = !['/usr/bin/etcd', '/usr/local/bin/etcd'].some((p) => existsSync(p));
const skip = missing.length > 0 ? `kubectl binaries missing: ${missing.join(', ')}` : noEtcd ? 'etcd binary not installed' : false;

let server: TestApiServer | undefined;
let dir = '';
let kubeconfig = '';

before(async () => {
  if (skip) return;
  server = await startApiServer({ authorization: 'RBAC', configureApp: (app) => installTestAuthenticator(app, { 'dave-token': { username: 'dave' } }) });
  dir = mkdtempSync(join(tmpdir(), 'skiff-rbac-'));
  kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, [
    'apiVersion: v1', 'kind: Config',
    'clusters:', '- name: c', '  cluster:', `    server: ${server.url}`,
    'contexts:', '- name: c', '  context:', '    cluster: c', '    user: u', '    namespace: default',
    'current-context: c', 'users:', '- name: u', '  user: {}', '',
  ].join('\n'));
});

after(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function kubectl(minor: number, ...args: string[]): Promise<{ out: string; code: number }> {
  try {
    const r = await exec(bin(minor), ['--kubeconfig', kubeconfig, ...args], { env: { ...process.env, HOME: dir, KUBECACHEDIR: join(dir, `cache-${minor}`) }, timeout: 60000 });
    return { out: r.stdout + r.stderr, code: 0 };
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string; code?: number };
    return { out: (x.stdout ?? '') + (x.stderr ?? ''), code: typeof x.code === 'number' ? x.code : 1 };
  }
}

async function apply(minor: number, yaml: string): Promise<{ out: string; code: number }> {
  const f = join(dir, `m-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(f, yaml);
  return kubectl(minor, 'create', '-f', f);
}

const binding = (ns: string, name: string, role: string, user: string): string => [
  'apiVersion: rbac.authorization.k8s.io/v1', 'kind: RoleBinding', `metadata: {name: ${name}, namespace: ${ns}}`,
  `roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ${role}}`,
  `subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: ${user}}]`, '',
].join('\n');

for (const minor of versions) {
  test(`kubectl 1.${minor}: auth can-i flips from no to yes after a RoleBinding to view`, { skip }, async () => {
    const user = `alice${minor}`;
    const before = await kubectl(minor, 'auth', 'can-i', 'list', 'pods', '--as', user);
    assert.equal(before.code, 1, before.out);
    assert.match(before.out, /^no/m);
    // kubectl ≥ 1.32 sends this RoleBinding as protobuf.
    const made = await kubectl(minor, 'create', 'rolebinding', `${user}-view`, '--clusterrole=view', `--user=${user}`);
    assert.equal(made.code, 0, made.out);
    // The authorizer reads a watch-fed cache: the answer turns once the binding's event has arrived.
    let after = await kubectl(minor, 'auth', 'can-i', 'list', 'pods', '--as', user);
    for (let i = 0; i < 50 && after.code !== 0; i++) after = await kubectl(minor, 'auth', 'can-i', 'list', 'pods', '--as', user);
    assert.equal(after.code, 0, after.out);
    assert.match(after.out, /^yes/m);
    const create = await kubectl(minor, 'auth', 'can-i', 'create', 'pods', '--as', user);
    assert.match(create.out, /^no/m);
    const otherNs = await kubectl(minor, 'auth', 'can-i', 'list', 'pods', '--as', user, '-n', 'kube-system');
    assert.match(otherNs.out, /^no/m);
    const list = await kubectl(minor, 'auth', 'can-i', '--list', '--as', user);
    assert.equal(list.code, 0, list.out);
    const podsLine = list.out.split('\n').find((l) => /^pods\s/.test(l));
    assert.ok(podsLine, list.out);
    assert.match(podsLine, /\[get list watch\]/);
    assert.match(list.out, /selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]/);
    assert.match(list.out, /deployments\.apps\s+\[\]\s+\[\]\s+\[get list watch\]/);
    // system:aggregated-metrics-reader aggregates into view: whoever may view pods may `kubectl top` them.
    assert.match(list.out, /pods\.metrics\.k8s\.io\s+\[\]\s+\[\]\s+\[get list watch\]/);
    const top = await kubectl(minor, 'auth', 'can-i', 'list', 'pods.metrics.k8s.io', '--as', user);
    assert.match(top.out, /^yes/m, top.out);
    const raw = await kubectl(minor, 'get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods', '--as', user);
    assert.equal(raw.code, 0, raw.out);
    assert.match(raw.out, /"kind":"PodMetricsList"/);
    const denied = await kubectl(minor, 'get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods', '--as', `nobody${minor}`);
    assert.notEqual(denied.code, 0, denied.out);
    assert.match(denied.out, /forbidden/i);
    assert.match(list.out, /\[\/api\/\*\]\s+\[\]\s+\[get\]/);
    const get = await kubectl(minor, 'get', 'pods', '--as', user);
    assert.equal(get.code, 0, get.out);
  });

  test(`kubectl 1.${minor}: a user with no binding gets kubectl's Forbidden error`, { skip }, async () => {
    const r = await kubectl(minor, 'get', 'pods', '--as', `bob${minor}`);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, new RegExp(`Error from server \\(Forbidden\\): pods is forbidden: User "bob${minor}" cannot list resource "pods" in API group "" in the namespace "default"`));
  });

  test(`kubectl 1.${minor}: escalation is refused, bind and system:masters are not`, { skip }, async () => {
    const user = `carol${minor}`;
    // carol may manage roles and bindings in default (admin), so she holds no cluster-admin rights.
    assert.equal((await apply(minor, binding('default', `${user}-admin`, 'admin', user))).code, 0);
    let ok = await kubectl(minor, 'auth', 'can-i', 'create', 'rolebindings', '--as', user);
    for (let i = 0; i < 50 && ok.code !== 0; i++) ok = await kubectl(minor, 'auth', 'can-i', 'create', 'rolebindings', '--as', user);
    assert.equal(ok.code, 0, ok.out);
    const f = join(dir, `${user}-esc.yaml`);
    writeFileSync(f, binding('default', `${user}-ca`, 'cluster-admin', user));
    const esc = await kubectl(minor, 'create', '-f', f, '--as', user);
    assert.equal(esc.code, 1, esc.out);
    assert.match(esc.out, new RegExp(`Error from server \\(Forbidden\\).*rolebindings.rbac.authorization.k8s.io "${user}-ca" is forbidden: user "${user}" \\(groups=\\["system:authenticated"\\]\\) is attempting to grant RBAC permissions not currently held`));
    const role = await kubectl(minor, 'create', 'role', `${user}-nodes`, '--verb=delete', '--resource=nodes', '--as', user);
    assert.equal(role.code, 1, role.out);
    assert.match(role.out, /is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\[""\], Resources:\["nodes"\], Verbs:\["delete"\]\}/);
    const none = await kubectl(minor, 'get', 'rolebinding', `${user}-ca`);
    assert.match(none.out, /NotFound/);
    // A role within what carol holds is fine; the admin (system:masters) binds anything.
    const within = await kubectl(minor, 'create', 'role', `${user}-pods`, '--verb=get', '--resource=pods', '--as', user);
    assert.equal(within.code, 0, within.out);
    assert.equal((await kubectl(minor, 'create', '-f', f)).code, 0);
  });
}

test('kubectl --as-group: a group binding applies to the impersonated groups; a non-admin may not impersonate', { skip }, async () => {
  const made = await kubectl(33, 'create', 'rolebinding', 'viewers', '--clusterrole=view', '--group=viewers');
  assert.equal(made.code, 0, made.out);
  let r = await kubectl(33, 'get', 'pods', '--as', 'dave', '--as-group', 'viewers');
  for (let i = 0; i < 50 && r.code !== 0; i++) r = await kubectl(33, 'get', 'pods', '--as', 'dave', '--as-group', 'viewers');
  assert.equal(r.code, 0, r.out);
  const whoami = await kubectl(33, 'auth', 'can-i', 'list', 'pods', '--as', 'dave');
  assert.match(whoami.out, /^no/m);
  // A plain user asking to impersonate someone else is refused before anything else.
  const refused = await fetch(`${server!.url}/api/v1/namespaces/default/pods`, { headers: { authorization: 'Bearer dave-token', 'impersonate-user': 'alice' } });
  assert.equal(refused.status, 403);
  assert.equal(((await refused.json()) as { message: string }).message, 'users "alice" is forbidden: User "dave" cannot impersonate resource "users" in API group "" at the cluster scope');
  const sa = await fetch(`${server!.url}/api/v1/namespaces/default/pods`, { headers: { 'impersonate-user': 'system:serviceaccount:default:x', 'impersonate-group': 'viewers' } });
  assert.equal(sa.status, 200, 'the admin may impersonate a service account with a group');
});

test('kubectl: the RBAC tables and the aggregated view role', { skip }, async () => {
  const crb = await kubectl(33, 'get', 'clusterrolebinding', 'cluster-admin', '-o', 'wide');
  assert.equal(crb.code, 0, crb.out);
  assert.match(crb.out, /^NAME\s+ROLE\s+AGE\s+USERS\s+GROUPS\s+SERVICEACCOUNTS/m);
  assert.match(crb.out, /^cluster-admin\s+ClusterRole\/cluster-admin\s+\S+\s+system:masters/m);
  const cr = await kubectl(33, 'get', 'clusterrole', 'view');
  assert.match(cr.out, /^NAME\s+CREATED AT\n+view\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/m);
  const view = await kubectl(33, 'get', 'clusterrole', 'view', '-o', 'jsonpath={.rules[*].resources}');
  assert.match(view.out, /"pods"/);
  assert.match(view.out, /"deployments"/);
});
