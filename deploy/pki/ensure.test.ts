import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { x509 } from './x509.ts';
import { ensurePKI, type EnsurePKIOptions } from './ensure.ts';
import { CA_VALIDITY_MS } from './ca.ts';
import { certFacts } from './facts.ts';
import { LEAF_VALIDITY_MS } from './leaf.ts';
import { caPaths, leafPaths, tlsDir } from './layout.ts';
import { CERT, clusterLeafSpecs, type ClusterIdentity } from './specs.ts';

const crypto = globalThis.crypto;
const now = new Date('2026-03-01T12:00:00Z');
const DAY = 24 * 60 * 60 * 1000;
/** A moment inside every new cert's validity (the library treats notBefore itself as not yet valid). */
const inside = new Date(now.getTime() + 60_000);
const cluster: ClusterIdentity = {
  hostname: 'srv1', serverIPs: ['192.168.1.5'], serviceCIDR: '10.43.0.0/16', nodes: [{ name: 'srv1', ips: ['192.168.1.5'] }],
};

async function withDir(fn: (dataDir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-pki-'));
  try {
    await fn(join(dir, 'data'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const opts = (dataDir: string, over: Partial<EnsurePKIOptions> = {}): EnsurePKIOptions => ({ dataDir, cluster, crypto, now, ...over });

async function readCert(path: string): Promise<x509.X509Certificate> {
  return new x509.X509Certificate(await readFile(path, 'utf8'));
}

/** Every file under tls/ with its content and mtime, to prove a run changed nothing. */
async function snapshot(dataDir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.set(relative(dataDir, p), `${(await stat(p)).mtimeMs}:${await readFile(p, 'utf8')}`);
    }
  };
  await walk(tlsDir(dataDir));
  return out;
}

test('first run creates both CAs: self-signed, CA:true, keyCertSign+cRLSign, 10 years, k3s-style CN', () => withDir(async (dataDir) => {
  const { report } = await ensurePKI(opts(dataDir));
  assert.deepEqual(report.cas, { cluster: 'created', etcd: 'created' });
  for (const [name, cn] of [['cluster', 'skiff-server-ca'], ['etcd', 'skiff-etcd-server-ca']] as const) {
    const ca = await readCert(caPaths(dataDir, name).cert);
    assert.equal(ca.subjectName.getField('CN')[0], `${cn}@${Math.floor(now.getTime() / 1000)}`);
    assert.equal(ca.subject, ca.issuer);
    assert.ok(await ca.verify({ publicKey: ca.publicKey, date: inside }, crypto));
    assert.equal(ca.getExtension(x509.BasicConstraintsExtension)?.ca, true);
    assert.equal(ca.getExtension(x509.BasicConstraintsExtension)?.critical, true);
    const ku = ca.getExtension(x509.KeyUsagesExtension)?.usages ?? 0;
    assert.ok(ku & x509.KeyUsageFlags.keyCertSign && ku & x509.KeyUsageFlags.cRLSign);
    assert.equal(ca.notAfter.getTime() - ca.notBefore.getTime(), CA_VALIDITY_MS);
    assert.equal((ca.publicKey.algorithm as EcKeyAlgorithm).namedCurve, 'P-256');
  }
}));

test('every leaf parses back with its spec: subject, SANs, usages, 1-year validity, signed by its CA and not by the other', () => withDir(async (dataDir) => {
  await ensurePKI(opts(dataDir));
  const cas = { cluster: await readCert(caPaths(dataDir, 'cluster').cert), etcd: await readCert(caPaths(dataDir, 'etcd').cert) };
  const specs = clusterLeafSpecs(cluster);
  assert.equal(specs.length, 12);
  for (const spec of specs) {
    const cert = await readCert(leafPaths(dataDir, spec.name).cert);
    const f = certFacts(cert);
    assert.equal(f.commonName, spec.commonName, spec.name);
    assert.deepEqual(f.organizations, spec.organizations, spec.name);
    assert.equal(f.isCA, false, spec.name);
    assert.deepEqual(f.extKeyUsages, [...spec.usages].sort(), spec.name);
    assert.deepEqual(f.dnsNames, [...spec.dnsNames].sort(), spec.name);
    assert.deepEqual(f.ipAddresses, [...spec.ipAddresses].sort(), spec.name);
    assert.ok(f.notBefore <= now, spec.name);
    assert.equal(f.notAfter.getTime(), now.getTime() + LEAF_VALIDITY_MS, spec.name);
    const own = cas[spec.ca];
    const other = cas[spec.ca === 'cluster' ? 'etcd' : 'cluster'];
    assert.equal(f.issuer, own.subject, spec.name);
    assert.ok(await cert.verify({ publicKey: own.publicKey, date: inside }, crypto), spec.name);
    assert.equal(await cert.verify({ publicKey: other.publicKey, signatureOnly: true }, crypto), false, spec.name);
    const chain = await new x509.X509ChainBuilder({ certificates: [cas.cluster, cas.etcd] }).build(cert, crypto);
    assert.equal(chain.length, 2, spec.name);
  }
  const api = certFacts(await readCert(leafPaths(dataDir, CERT.apiserverServing).cert));
  assert.deepEqual(api.ipAddresses, ['10.43.0.1', '127.0.0.1', '192.168.1.5']);
  assert.ok(api.dnsNames.includes('kubernetes.default.svc.cluster.local'));
  const admin = await readCert(leafPaths(dataDir, CERT.admin).cert);
  assert.equal(admin.subject, 'O=system:masters, CN=system:admin'); // encoding order: O before CN, as Go's pkix.Name
}));

test('files are 0600, directories 0700, names as k3s', () => withDir(async (dataDir) => {
  await ensurePKI(opts(dataDir));
  const files = await snapshot(dataDir);
  for (const want of ['tls/server-ca.crt', 'tls/server-ca.key', 'tls/client-admin.crt', 'tls/client-admin.key', 'tls/serving-kube-apiserver.crt',
    'tls/client-kubelet-srv1.key', 'tls/service.key', 'tls/etcd/server-ca.crt', 'tls/etcd/server-client.crt', 'tls/etcd/peer-server-client.key', 'tls/etcd/client.crt']) {
    assert.ok(files.has(want), want);
  }
  for (const f of files.keys()) assert.equal((await stat(join(dataDir, f))).mode & 0o777, 0o600, f);
  for (const d of ['tls', 'tls/etcd']) assert.equal((await stat(join(dataDir, d))).mode & 0o777, 0o700, d);
  assert.ok([...files.keys()].every((f) => !f.includes('.tmp-')));
}));

test('a second run with the same inputs changes no file; loose modes are tightened', () => withDir(async (dataDir) => {
  await ensurePKI(opts(dataDir));
  const before = await snapshot(dataDir);
  const { report } = await ensurePKI(opts(dataDir));
  assert.deepEqual(report.cas, { cluster: 'loaded', etcd: 'loaded' });
  assert.deepEqual(report.issued, []);
  assert.equal(report.kept.length, 12);
  assert.deepEqual(await snapshot(dataDir), before);
  await chmod(leafPaths(dataDir, CERT.admin).key, 0o644);
  await chmod(tlsDir(dataDir), 0o755);
  const again = await ensurePKI(opts(dataDir));
  assert.deepEqual(again.report.fixedModes, [leafPaths(dataDir, CERT.admin).key]);
  assert.equal((await stat(leafPaths(dataDir, CERT.admin).key)).mode & 0o777, 0o600);
  assert.equal((await stat(tlsDir(dataDir))).mode & 0o777, 0o700);
}));

test('near expiry: certs issued with a short validity are renewed on the next start, keeping their keys', () => withDir(async (dataDir) => {
  await ensurePKI(opts(dataDir, { leafValidityMs: 10 * DAY }));
  const keyBefore = await readFile(leafPaths(dataDir, CERT.admin).key, 'utf8');
  const certBefore = await readFile(leafPaths(dataDir, CERT.admin).cert, 'utf8');
  const caBefore = await readFile(caPaths(dataDir, 'cluster').cert, 'utf8');
  const later = new Date(now.getTime() + DAY);
  const { report } = await ensurePKI(opts(dataDir, { now: later }));
  assert.equal(report.issued.length, 12);
  assert.ok(report.issued.every((i) => i.reason.startsWith('expires ') && !i.newKey));
  assert.equal(await readFile(leafPaths(dataDir, CERT.admin).key, 'utf8'), keyBefore);
  assert.notEqual(await readFile(leafPaths(dataDir, CERT.admin).cert, 'utf8'), certBefore);
  assert.equal(await readFile(caPaths(dataDir, 'cluster').cert, 'utf8'), caBefore);
  const renewed = await readCert(leafPaths(dataDir, CERT.admin).cert);
  assert.equal(renewed.notAfter.getTime(), later.getTime() + LEAF_VALIDITY_MS);
  assert.deepEqual((await ensurePKI(opts(dataDir, { now: later }))).report.issued, []);
}));

test('a new server IP reissues exactly the certs whose SANs carry it', () => withDir(async (dataDir) => {
  await ensurePKI(opts(dataDir));
  const { report } = await ensurePKI(opts(dataDir, { cluster: { ...cluster, serverIPs: ['192.168.1.5', '10.0.0.9'] } }));
  assert.deepEqual(report.issued.map((i) => i.name).sort(), [CERT.apiserverServing, CERT.etcdPeer, CERT.etcdServer].sort());
  assert.ok(report.issued.every((i) => i.reason.startsWith('IP SANs changed') && !i.newKey));
  const api = certFacts(await readCert(leafPaths(dataDir, CERT.apiserverServing).cert));
  assert.ok(api.ipAddresses.includes('10.0.0.9'));
}));

test('a lost leaf key gets a new key and cert; a lost cert is reissued over the old key', () => withDir(async (dataDir) => {
  await ensurePKI(opts(dataDir));
  const schedKey = await readFile(leafPaths(dataDir, CERT.scheduler).key, 'utf8');
  await unlink(leafPaths(dataDir, CERT.admin).key);
  await unlink(leafPaths(dataDir, CERT.scheduler).cert);
  const { report } = await ensurePKI(opts(dataDir));
  assert.deepEqual(report.issued, [
    { name: CERT.admin, reason: 'key missing', newKey: true },
    { name: CERT.scheduler, reason: 'cert missing', newKey: false },
  ]);
  assert.equal(await readFile(leafPaths(dataDir, CERT.scheduler).key, 'utf8'), schedKey);
}));

test('an existing CA is never regenerated: cert without key, or a mismatched key, is an error and writes nothing', () => withDir(async (dataDir) => {
  await ensurePKI(opts(dataDir));
  const caKey = await readFile(caPaths(dataDir, 'cluster').key, 'utf8');
  await unlink(caPaths(dataDir, 'cluster').key);
  const before = await snapshot(dataDir);
  await assert.rejects(ensurePKI(opts(dataDir)), /CA cert exists but its key .* is missing/);
  assert.deepEqual(await snapshot(dataDir), before);
  await writeFile(caPaths(dataDir, 'cluster').key, await readFile(caPaths(dataDir, 'etcd').key, 'utf8'), { mode: 0o600 });
  await assert.rejects(ensurePKI(opts(dataDir)), /CA cert and key do not match/);
  await writeFile(caPaths(dataDir, 'cluster').key, caKey, { mode: 0o600 });
  assert.deepEqual((await ensurePKI(opts(dataDir))).report.issued, []);
}));

test('crash leftovers: a CA key without its cert gets a cert for the same key, which still verifies the leaves; temp files are removed', () => withDir(async (dataDir) => {
  await ensurePKI(opts(dataDir));
  const caKey = await readFile(caPaths(dataDir, 'etcd').key, 'utf8');
  await unlink(caPaths(dataDir, 'etcd').cert);
  await writeFile(join(tlsDir(dataDir), `client-admin.key.tmp-123-0badc0de`), 'half a key');
  const { report } = await ensurePKI(opts(dataDir));
  assert.equal(report.cas.etcd, 'recovered');
  assert.equal(await readFile(caPaths(dataDir, 'etcd').key, 'utf8'), caKey);
  assert.deepEqual(report.issued, []);
  const ca = await readCert(caPaths(dataDir, 'etcd').cert);
  assert.ok(await (await readCert(leafPaths(dataDir, CERT.etcdClient).cert)).verify({ publicKey: ca.publicKey, date: inside }, crypto));
  const files = await snapshot(dataDir);
  assert.ok([...files.keys()].every((f) => !f.includes('.tmp-')));
}));

test('bad inputs (service CIDR, node name) throw before anything is written', () => withDir(async (dataDir) => {
  await assert.rejects(ensurePKI(opts(dataDir, { cluster: { ...cluster, serviceCIDR: '10.96.0.0/99' } })));
  await assert.rejects(ensurePKI(opts(dataDir, { cluster: { ...cluster, nodes: [{ name: '../etc', ips: [] }] } })), /DNS-1123/);
  await assert.rejects(stat(tlsDir(dataDir)), { code: 'ENOENT' });
}));
