import { test } from 'node:test';
import assert from 'node:assert/strict';
import { componentPlans, listenPorts } from './components.ts';
import { credentialPaths } from './credentials.ts';
import { serverPaths, type ServerConfig } from './config.ts';
import { decideExternalEtcd, etcdConnection, type ExternalEtcdFlags } from './external-etcd.ts';

const cfg: ServerConfig = {
  dataDir: '/d', clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12', apiPort: 6443,
  nodeName: 'node-a', registryMirrors: [], etcdClientPort: 2479, etcdPeerPort: 2480,
};
const three = ['https://a:2379', 'https://b:2379', 'https://c:2379'];
const files = { etcdCafile: '/e/ca.crt', etcdCertfile: '/e/client.crt', etcdKeyfile: '/e/client.key' };

const cases: Array<[string, ExternalEtcdFlags, ReturnType<typeof decideExternalEtcd>]> = [
  ['no flags: the embedded etcd', {}, { external: undefined }],
  ['three https members with all three files', { etcdServers: three, ...files },
    { external: { endpoints: three, tls: { caFile: '/e/ca.crt', certFile: '/e/client.crt', keyFile: '/e/client.key' } } }],
  ['plain http members, no files', { etcdServers: ['http://a:2379'] }, { external: { endpoints: ['http://a:2379'] } }],
  ['files without servers', { etcdCafile: '/e/ca.crt' }, { error: '--etcd-cafile need --etcd-servers (the embedded etcd uses the cluster\'s own etcd PKI)' }],
  ['mixed schemes', { etcdServers: ['https://a:2379', 'http://b:2379'], ...files }, { error: '--etcd-servers must be all http:// or all https:// URLs' }],
  ['https without a key', { etcdServers: three, etcdCafile: '/e/ca.crt', etcdCertfile: '/e/client.crt' },
    { error: 'https:// --etcd-servers need --etcd-cafile, --etcd-certfile and --etcd-keyfile; missing --etcd-keyfile' }],
  ['https without any file', { etcdServers: three },
    { error: 'https:// --etcd-servers need --etcd-cafile, --etcd-certfile and --etcd-keyfile; missing --etcd-cafile, --etcd-certfile, --etcd-keyfile' }],
  ['files with http members', { etcdServers: ['http://a:2379'], etcdCertfile: '/e/c', etcdKeyfile: '/e/k' },
    { error: '--etcd-certfile, --etcd-keyfile need https:// --etcd-servers' }],
];
for (const [name, flags, want] of cases) {
  test(`decideExternalEtcd: ${name}`, () => assert.deepEqual(decideExternalEtcd(flags), want));
}

test('etcdConnection: the embedded member with the data dir\'s etcd PKI, or the external cluster as given and no child', () => {
  const emb = etcdConnection(cfg, serverPaths('/d'), '/usr/bin/etcd');
  assert.deepEqual(emb.endpoints, ['https://127.0.0.1:2479']);
  assert.deepEqual(emb.tls, { caFile: '/d/tls/etcd/server-ca.crt', certFile: '/d/tls/etcd/client.crt', keyFile: '/d/tls/etcd/client.key' });
  assert.equal(emb.embedded?.dataDir, '/d/etcd');
  assert.equal(emb.embedded?.binary, '/usr/bin/etcd');
  assert.equal(emb.embedded?.tls?.certFile, '/d/tls/etcd/server-client.crt');
  assert.equal(emb.embedded?.name, 'node-a');
  assert.equal(emb.embedded?.advertiseHost, undefined);
  // With the node IP it serves other servers there too; the local apiserver still dials loopback.
  const onNode = etcdConnection(cfg, serverPaths('/d'), '/usr/bin/etcd', '10.0.0.5');
  assert.equal(onNode.embedded?.advertiseHost, '10.0.0.5');
  assert.deepEqual(onNode.endpoints, ['https://127.0.0.1:2479']);
  const tls = { caFile: '/e/ca.crt', certFile: '/e/client.crt', keyFile: '/e/client.key' };
  assert.deepEqual(etcdConnection({ ...cfg, externalEtcd: { endpoints: three, tls } }, serverPaths('/d'), '/usr/bin/etcd'), { endpoints: three, tls });
  assert.deepEqual(etcdConnection({ ...cfg, externalEtcd: { endpoints: ['http://a:2379'] } }, serverPaths('/d'), '/usr/bin/etcd'), { endpoints: ['http://a:2379'] });
});

test('external etcd: no etcd ports are claimed; the apiserver gets every endpoint and the given files', () => {
  const tls = { caFile: '/e/ca.crt', certFile: '/e/client.crt', keyFile: '/e/client.key' };
  const ext: ServerConfig = { ...cfg, containerdSocket: '/run/c.sock', externalEtcd: { endpoints: three, tls } };
  assert.deepEqual(listenPorts(ext, ['apiserver']), [{ owner: 'apiserver', port: 6443 }]);
  const conn = etcdConnection(ext, serverPaths('/d'), '/usr/bin/etcd');
  const [api] = componentPlans(ext, serverPaths('/d'), { command: 'n', args: [] }, {
    containerdSocket: '/run/c.sock', nodeIP: '', creds: credentialPaths('/d', 'node-a'), etcd: { url: conn.endpoints.join(','), ...(conn.tls ? { tls: conn.tls } : {}) },
  });
  const at = (f: string): string => api.spec.args[api.spec.args.indexOf(f) + 1];
  assert.equal(at('--etcd-endpoints'), 'https://a:2379,https://b:2379,https://c:2379');
  assert.deepEqual(['--etcd-cafile', '--etcd-certfile', '--etcd-keyfile'].map(at), ['/e/ca.crt', '/e/client.crt', '/e/client.key']);
});
