import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Secret } from 'kubernetes-types/core/v1';
import { Secrets } from '../../apiserver/client/resources.ts';
import { FakeClient } from '../../apiserver/testing/fake-client.ts';
import type { RoleBinding } from 'kubernetes-types/rbac/v1';
import { NODE_TOKEN_GROUP, SERVER_TOKEN_GROUP, tokenGroups } from './bootstrap-secret.ts';
import type { EmbeddedBootstrapData } from './server-bootstrap.ts';
import {
  ensureServerBootstrapSecret, openServerBootstrapSecret, readServerBootstrapSecret, RoleBindings, serverBootstrapRole, serverBootstrapRoleBinding, serverBootstrapSecret,
  SERVER_BOOTSTRAP_ROLE, SERVER_BOOTSTRAP_SECRET,
} from './server-bootstrap-secret.ts';

const pem = (what: string): string => `-----BEGIN ${what}-----\nX\n-----END ${what}-----\n`;
const data: EmbeddedBootstrapData = {
  'server-ca.crt': pem('CERTIFICATE'), 'server-ca.key': pem('PRIVATE KEY'), 'service.key': pem('PRIVATE KEY'),
  'etcd/server-ca.crt': `${pem('CERTIFICATE')}etcd`, 'etcd/server-ca.key': `${pem('PRIVATE KEY')}etcd`,
};
const pass = 'abcdef.0123456789abcdef';
const urls = ['https://10.0.0.1:2479'];

test('the Role grants only get on the one Secret, bound only to the server token group, which the agent token lacks', () => {
  assert.deepEqual(serverBootstrapRole().rules, [{ apiGroups: [''], resources: ['secrets'], resourceNames: [SERVER_BOOTSTRAP_SECRET], verbs: ['get'] }]);
  assert.equal(serverBootstrapRole().metadata?.namespace, 'kube-system');
  const subjects = serverBootstrapRoleBinding().subjects ?? [];
  assert.deepEqual(subjects, [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: SERVER_TOKEN_GROUP }]);
  const bound = (groups: string[]): boolean => subjects.some((x) => x.kind === 'Group' && groups.includes(x.name));
  assert.equal(bound(tokenGroups('agent')), false, 'the agent token reaches no subject');
  assert.equal(bound(tokenGroups('server')), true);
});

test('an older binding naming the node group is rewritten to the server token group', async () => {
  const c = new FakeClient();
  const old: RoleBinding = { ...serverBootstrapRoleBinding(), subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: NODE_TOKEN_GROUP }] };
  await c.create<RoleBinding>(RoleBindings, old, 'kube-system');
  await ensureServerBootstrapSecret(c, data, urls, pass, randomBytes);
  assert.deepEqual((await c.get<RoleBinding>(RoleBindings, SERVER_BOOTSTRAP_ROLE, 'kube-system')).subjects, serverBootstrapRoleBinding().subjects);
});

test('the agent token travels sealed in the Secret; a changed agent token re-stores it', async () => {
  const c = new FakeClient();
  const agent = 'zyxwvu.abcdefghij012345';
  assert.deepEqual(await ensureServerBootstrapSecret(c, data, urls, pass, randomBytes, agent), { stored: true });
  const s = await c.get<Secret>(Secrets, SERVER_BOOTSTRAP_SECRET, 'kube-system');
  assert.ok(!JSON.stringify(s).includes('abcdefghij012345'), 'not in clear text');
  assert.deepEqual(await openServerBootstrapSecret(c, pass), { data, etcdClientURLs: urls, agentToken: agent });
  assert.deepEqual(await ensureServerBootstrapSecret(c, data, urls, pass, randomBytes, agent), { stored: false });
  assert.deepEqual(await ensureServerBootstrapSecret(c, data, urls, pass, randomBytes, 'zyxwvu.abcdefghij012346'), { stored: true });
  assert.equal((await openServerBootstrapSecret(c, pass) as { agentToken?: string }).agentToken, 'zyxwvu.abcdefghij012346');
});

test('readServerBootstrapSecret: both fields back; a Secret without them is an error value', () => {
  assert.deepEqual(readServerBootstrapSecret(serverBootstrapSecret('{"v":1}', ['https://a:2479', 'https://b:2479'])), { sealed: '{"v":1}', etcdClientURLs: ['https://a:2479', 'https://b:2479'] });
  assert.deepEqual(readServerBootstrapSecret({ apiVersion: 'v1', kind: 'Secret', metadata: { name: SERVER_BOOTSTRAP_SECRET } }),
    { error: 'Secret kube-system/skiff-server-bootstrap lacks its sealed data or etcd client URLs' });
});

test('ensure, then open: the five files and the URLs come back; the Secret holds no PEM; a second ensure writes nothing', async () => {
  const c = new FakeClient();
  assert.equal(await openServerBootstrapSecret(c, pass), undefined, 'nothing published yet');
  assert.deepEqual(await ensureServerBootstrapSecret(c, data, urls, pass, randomBytes), { stored: true });
  const s = await c.get<Secret>(Secrets, SERVER_BOOTSTRAP_SECRET, 'kube-system');
  assert.ok(!Buffer.from(s.data?.sealed ?? '', 'base64').toString('utf8').includes('BEGIN'));
  assert.deepEqual(await openServerBootstrapSecret(c, pass), { data, etcdClientURLs: urls });
  const writes = c.actions.filter((a) => a.verb === 'create' || a.verb === 'update').length;
  assert.deepEqual(await ensureServerBootstrapSecret(c, data, urls, pass, randomBytes), { stored: false });
  assert.equal(c.actions.filter((a) => a.verb === 'create' || a.verb === 'update').length, writes);
});

test('ensure rewrites the Secret when the member URLs changed; another token cannot open it', async () => {
  const c = new FakeClient();
  await ensureServerBootstrapSecret(c, data, urls, pass, randomBytes);
  const two = [...urls, 'https://10.0.0.2:2479'];
  assert.deepEqual(await ensureServerBootstrapSecret(c, data, two, pass, randomBytes), { stored: true });
  assert.deepEqual((await openServerBootstrapSecret(c, pass) as { etcdClientURLs: string[] }).etcdClientURLs, two);
  const wrong = await openServerBootstrapSecret(c, 'abcdef.0123456789abcdeg');
  assert.ok(wrong && 'error' in wrong);
  assert.match(wrong.error, /the token does not match/);
});
