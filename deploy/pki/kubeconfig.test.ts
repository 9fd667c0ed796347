import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { buildCertKubeconfig, loopbackServer, writeCertKubeconfig } from './kubeconfig.ts';

const o = { server: loopbackServer(6443), caPem: 'CA PEM\n', certPem: 'CERT PEM\n', keyPem: 'KEY PEM\n' };

test('the kubeconfig points at https loopback with CA, cert and key embedded as base64', () => {
  const k = buildCertKubeconfig(o) as {
    clusters: Array<{ name: string; cluster: Record<string, string> }>;
    users: Array<{ name: string; user: Record<string, string> }>;
    contexts: Array<{ name: string; context: { cluster: string; user: string } }>;
    'current-context': string;
  };
  assert.equal(k.clusters[0].cluster.server, 'https://127.0.0.1:6443');
  const dec = (s: string): string => Buffer.from(s, 'base64').toString('utf8');
  assert.equal(dec(k.clusters[0].cluster['certificate-authority-data']), 'CA PEM\n');
  assert.equal(dec(k.users[0].user['client-certificate-data']), 'CERT PEM\n');
  assert.equal(dec(k.users[0].user['client-key-data']), 'KEY PEM\n');
  assert.deepEqual(k.contexts[0], { name: 'skiff', context: { cluster: 'skiff', user: 'admin' } });
  assert.equal(k['current-context'], 'skiff');
});

test('written as YAML with mode 0600, and reads back to the same object', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-kc-'));
  try {
    const p = join(dir, 'admin.kubeconfig');
    await writeCertKubeconfig(p, o);
    assert.equal((await stat(p)).mode & 0o777, 0o600);
    assert.deepEqual(parse(await readFile(p, 'utf8')), buildCertKubeconfig(o));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
