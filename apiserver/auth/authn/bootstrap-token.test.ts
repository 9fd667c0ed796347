import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapSecretFacts, bootstrapTokenAuthenticator, decideBootstrapToken, type BootstrapSecretFacts } from './bootstrap-token.ts';
import type { KubeObject } from '../../api/object.ts';

const NOW = Date.parse('2026-06-01T00:00:00Z');
const TOKEN = 'abcdef.0123456789abcdef';
const good = (data: Record<string, string> = {}, more: Partial<BootstrapSecretFacts> = {}): BootstrapSecretFacts => ({
  type: 'bootstrap.kubernetes.io/token', deleting: false,
  data: { 'token-id': 'abcdef', 'token-secret': '0123456789abcdef', 'usage-bootstrap-authentication': 'true', ...data }, ...more,
});

test('decideBootstrapToken table', () => {
  const user = (groups: string[]) => ({ kind: 'user', user: { username: 'system:bootstrap:abcdef', groups: [...groups, 'system:authenticated'] } });
  const cases: Array<{ name: string; token?: string; secret: BootstrapSecretFacts | undefined; want: unknown }> = [
    { name: 'good', secret: good(), want: user(['system:bootstrappers']) },
    { name: 'extra groups', secret: good({ 'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token' }), want: user(['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token']) },
    { name: 'not yet expired', secret: good({ expiration: '2026-06-02T00:00:00Z' }), want: user(['system:bootstrappers']) },
    { name: 'expired', secret: good({ expiration: '2026-05-31T00:00:00Z' }), want: 'none' },
    { name: 'bad expiration', secret: good({ expiration: 'soon' }), want: 'none' },
    { name: 'wrong secret', secret: good({ 'token-secret': 'ffffffffffffffff' }), want: 'none' },
    { name: 'wrong id in data', secret: good({ 'token-id': 'zzzzzz' }), want: 'none' },
    { name: 'no auth usage', secret: good({ 'usage-bootstrap-authentication': 'false' }), want: 'none' },
    { name: 'wrong type', secret: good({}, { type: 'Opaque' }), want: 'none' },
    { name: 'being deleted', secret: good({}, { deleting: true }), want: 'none' },
    { name: 'bad extra group', secret: good({ 'auth-extra-groups': 'system:masters' }), want: 'none' },
    { name: 'no secret', secret: undefined, want: 'none' },
    { name: 'malformed token', token: 'abcdef.short', secret: good(), want: 'none' },
  ];
  for (const c of cases) {
    const got = decideBootstrapToken(c.token ?? TOKEN, c.secret, NOW);
    if (c.want === 'none') assert.equal(got.kind, 'none', c.name);
    else assert.deepEqual({ kind: got.kind, user: (got as { user: unknown }).user }, c.want, c.name);
  }
});

test('bootstrapTokenAuthenticator reads kube-system/bootstrap-token-<id> and decodes its data', async () => {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bootstrap-token-abcdef', namespace: 'kube-system' }, type: 'bootstrap.kubernetes.io/token', data: { 'token-id': b64('abcdef'), 'token-secret': b64('0123456789abcdef'), 'usage-bootstrap-authentication': b64('true') } };
  const asked: string[] = [];
  const a = bootstrapTokenAuthenticator(async (r, ns, n) => { asked.push(`${r}/${ns}/${n}`); return n === 'bootstrap-token-abcdef' ? secret as KubeObject : undefined; }, () => NOW);
  const r = await a(TOKEN, []);
  assert.equal(r.kind, 'user');
  assert.deepEqual(asked, ['secrets/kube-system/bootstrap-token-abcdef']);
  assert.equal((await a('abcdef.ffffffffffffffff', [])).kind, 'none');
  assert.equal((await a('not-a-bootstrap-token', [])).kind, 'none');
  assert.equal(bootstrapSecretFacts(undefined), undefined);
});
