import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planServing, type KubeletServingFlags } from './config.ts';

test('planServing: plain HTTP by default; TLS and the auth filter only as configured; inconsistent flags are errors', () => {
  const tls = { tlsCertFile: '/t/s.crt', tlsPrivateKeyFile: '/t/s.key' };
  const table: Array<[string, KubeletServingFlags, ReturnType<typeof planServing>]> = [
    ['nothing', {}, {}],
    ['TLS only: served openly over TLS', tls, { tls: { certFile: '/t/s.crt', keyFile: '/t/s.key' } }],
    ['client CA: authenticated, AlwaysAllow', { ...tls, clientCAFile: '/t/ca.crt' },
      { tls: { certFile: '/t/s.crt', keyFile: '/t/s.key', clientCAFile: '/t/ca.crt' }, auth: { mode: 'AlwaysAllow', tokenWebhook: false } }],
    ['client CA + Webhook', { ...tls, clientCAFile: '/t/ca.crt', authorizationMode: 'Webhook' },
      { tls: { certFile: '/t/s.crt', keyFile: '/t/s.key', clientCAFile: '/t/ca.crt' }, auth: { mode: 'Webhook', tokenWebhook: false } }],
    ['explicit AlwaysAllow alone changes nothing', { authorizationMode: 'AlwaysAllow' }, {}],
    ['token webhook over plain HTTP', { authenticationTokenWebhook: true }, { auth: { mode: 'AlwaysAllow', tokenWebhook: true } }],
    ['cert without key', { tlsCertFile: '/t/s.crt' }, { error: '--tls-cert-file and --tls-private-key-file must be given together' }],
    ['key without cert', { tlsPrivateKeyFile: '/t/s.key' }, { error: '--tls-cert-file and --tls-private-key-file must be given together' }],
    ['client CA without TLS', { clientCAFile: '/t/ca.crt' }, { error: '--client-ca-file needs --tls-cert-file and --tls-private-key-file' }],
  ];
  for (const [name, flags, want] of table) assert.deepEqual(planServing(flags), want, name);
});
