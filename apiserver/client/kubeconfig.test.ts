import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { connectionFor, resolveKubeconfig } from './kubeconfig.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

function config(cluster: Record<string, string>, user: Record<string, string>, current = 'c'): string {
  return stringify({
    apiVersion: 'v1', kind: 'Config',
    clusters: [{ name: 'other', cluster: { server: 'https://wrong:1' } }, { name: 'k', cluster }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
    'current-context': current,
  });
}

const files: Record<string, string> = { '/etc/k/ca.crt': 'CA-FILE', '/abs/cert.pem': 'CERT-FILE', '/etc/k/key.pem': 'KEY-FILE', '/etc/k/tok': 'tok-from-file\n' };
const readFile = (p: string): string => {
  const v = files[p];
  if (v === undefined) throw new Error(`ENOENT ${p}`);
  return v;
};

test('resolveKubeconfig: embedded data, file paths (relative to the kubeconfig dir) and tokens', () => {
  const cases: Array<{ name: string; cluster: Record<string, string>; user: Record<string, string>; want: object }> = [
    {
      name: 'embedded *-data',
      cluster: { server: 'https://127.0.0.1:6443/', 'certificate-authority-data': b64('CA') },
      user: { 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY') },
      want: { baseUrl: 'https://127.0.0.1:6443', ca: 'CA', cert: 'CERT', key: 'KEY' },
    },
    {
      name: 'files, relative and absolute',
      cluster: { server: 'https://h:6443', 'certificate-authority': 'ca.crt' },
      user: { 'client-certificate': '/abs/cert.pem', 'client-key': 'key.pem' },
      want: { baseUrl: 'https://h:6443', ca: 'CA-FILE', cert: 'CERT-FILE', key: 'KEY-FILE' },
    },
    { name: 'token', cluster: { server: 'http://h:1' }, user: { token: 't0k' }, want: { baseUrl: 'http://h:1', token: 't0k' } },
    { name: 'tokenFile, trimmed', cluster: { server: 'http://h:1' }, user: { tokenFile: 'tok' }, want: { baseUrl: 'http://h:1', token: 'tok-from-file' } },
    { name: 'no credentials', cluster: { server: 'http://h:1' }, user: {}, want: { baseUrl: 'http://h:1' } },
  ];
  for (const c of cases) assert.deepEqual(resolveKubeconfig(config(c.cluster, c.user), '/etc/k', readFile), c.want, c.name);
});

test('resolveKubeconfig: broken configs throw errors that name the problem', () => {
  const cases: Array<{ text: string; re: RegExp }> = [
    { text: 'a: [', re: /not valid YAML/ },
    { text: stringify({ kind: 'Config' }), re: /no current-context/ },
    { text: config({ server: 'https://h' }, {}, 'missing'), re: /no context "missing"/ },
    { text: config({ 'certificate-authority-data': b64('CA') }, {}), re: /has no server/ },
    { text: config({ server: 'https://h', 'certificate-authority': 'nope.crt' }, {}), re: /ENOENT \/etc\/k\/nope\.crt/ },
  ];
  for (const c of cases) assert.throws(() => resolveKubeconfig(c.text, '/etc/k', readFile), c.re);
});

test('connectionFor: kubeconfig wins over apiUrl; apiUrl alone is a plain connection; neither throws', () => {
  assert.deepEqual(connectionFor({ apiUrl: 'http://127.0.0.1:6443' }), { baseUrl: 'http://127.0.0.1:6443' });
  assert.throws(() => connectionFor({}), /--kubeconfig or --api-url/);
  assert.throws(() => connectionFor({ apiUrl: 'http://x', kubeconfig: '/nonexistent/k.kubeconfig' }), /cannot use kubeconfig \/nonexistent\/k\.kubeconfig/);
});
