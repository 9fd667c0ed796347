import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAuthn } from '../../apiserver/auth/authn/config.ts';
import { parseJws, signJws } from '../../apiserver/auth/authn/jws.ts';
import { pemOrFile } from '../../apiserver/auth/authn/tls-material.ts';
import { ensurePKI, type EnsurePKIOptions } from './ensure.ts';
import { serviceAccountKeyPath } from './layout.ts';
import { decideServiceAccountKey, inspectServiceAccountKey, type ServiceAccountKeyOnDisk } from './service-account-key.ts';
import type { ClusterIdentity } from './specs.ts';

const crypto = globalThis.crypto;
const now = new Date('2026-03-01T12:00:00Z');
const cluster: ClusterIdentity = { hostname: 'srv1', serverIPs: ['192.168.1.5'], serviceCIDR: '10.43.0.0/16', nodes: [{ name: 'srv1', ips: ['192.168.1.5'] }] };
const opts = (dataDir: string): EnsurePKIOptions => ({ dataDir, cluster, crypto, now });

async function withDir(fn: (dataDir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-sakey-'));
  try {
    await fn(join(dir, 'data'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const pem = (o: { privateKey: { export(opts: { type: 'pkcs8' | 'sec1' | 'pkcs1'; format: 'pem' }): string | Buffer } }, type: 'pkcs8' | 'sec1' | 'pkcs1'): string =>
  String(o.privateKey.export({ type, format: 'pem' }));
const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ed = generateKeyPairSync('ed25519');

test('inspect + decide: usable keys are kept, anything the apiserver cannot sign with is re-created (reasons quote no key bytes)', () => {
  const cases: Array<{ name: string; text: string | undefined; disk: 'missing' | 'ok' | RegExp; action: 'keep' | RegExp }> = [
    { name: 'no file', text: undefined, disk: 'missing', action: /^key missing$/ },
    { name: 'P-256 PKCS#8 (what ensurePKI writes)', text: pem(p256, 'pkcs8'), disk: 'ok', action: 'keep' },
    { name: 'P-256 SEC1 (EC PRIVATE KEY)', text: pem(p256, 'sec1'), disk: 'ok', action: 'keep' },
    { name: 'RSA PKCS#1 (k3s-style operator key)', text: pem(rsa, 'pkcs1'), disk: 'ok', action: 'keep' },
    { name: 'P-384: no JWS algorithm here', text: pem(p384, 'pkcs8'), disk: /unsupported service account key type ec/, action: /^key unusable \(unsupported/ },
    { name: 'Ed25519', text: pem(ed, 'pkcs8'), disk: /unsupported service account key type ed25519/, action: /^key unusable/ },
    { name: 'a public key only', text: String(p256.publicKey.export({ type: 'spki', format: 'pem' })), disk: /^not a private key/, action: /^key unusable \(not a private key/ },
    { name: 'half a key (truncated by hand)', text: pem(p256, 'pkcs8').slice(0, 60), disk: /^not a private key/, action: /^key unusable/ },
    { name: 'empty file', text: '', disk: /^not a private key/, action: /^key unusable/ },
  ];
  for (const c of cases) {
    const disk: ServiceAccountKeyOnDisk = inspectServiceAccountKey(c.text);
    if (c.disk === 'missing') assert.deepEqual(disk, { missing: true }, c.name);
    else if (c.disk === 'ok') assert.deepEqual(disk, { ok: true }, c.name);
    else {
      assert.match('invalid' in disk ? disk.invalid : JSON.stringify(disk), c.disk, c.name);
      // The reason goes to logs: it must quote no line of the key.
      for (const line of (c.text ?? '').split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----'))) assert.ok(!JSON.stringify(disk).includes(line), c.name);
    }
    const d = decideServiceAccountKey(disk);
    if (c.action === 'keep') assert.deepEqual(d, { action: 'keep' }, c.name);
    else assert.match(d.action === 'create' ? d.reason : 'keep', c.action, c.name);
  }
});

test('first run creates tls/service.key: P-256, 0600, PKCS#8; the apiserver reads it (path or PEM) and signs ES256 with it', () => withDir(async (dataDir) => {
  const { report } = await ensurePKI(opts(dataDir));
  const path = serviceAccountKeyPath(dataDir);
  assert.equal(path, join(dataDir, 'tls', 'service.key'));
  assert.deepEqual(report.serviceAccountKey, { path, outcome: 'created', reason: 'key missing', fixedMode: false });
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  const text = await readFile(path, 'utf8');
  assert.match(text, /^-----BEGIN PRIVATE KEY-----\n/);
  assert.deepEqual(inspectServiceAccountKey(text), { ok: true });
  for (const given of [path, text]) {
    const authn = buildAuthn({ serviceAccountKeyPem: pemOrFile(given), get: async () => undefined, now: () => now.getTime() });
    assert.equal(authn.signingKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.equal(parseJws(signJws(authn.signingKey, { sub: 'x' }))?.header.alg, 'ES256');
  }
}));

test('later runs keep the key byte for byte and leave the file alone; a loose mode is tightened, not a reason for a new key', () => withDir(async (dataDir) => {
  await ensurePKI(opts(dataDir));
  const path = serviceAccountKeyPath(dataDir);
  const before = await readFile(path, 'utf8');
  const mtime = (await stat(path)).mtimeMs;
  const { report } = await ensurePKI(opts(dataDir));
  assert.deepEqual(report.serviceAccountKey, { path, outcome: 'kept', fixedMode: false });
  assert.equal(await readFile(path, 'utf8'), before);
  assert.equal((await stat(path)).mtimeMs, mtime);
  await chmod(path, 0o644);
  const again = await ensurePKI(opts(dataDir));
  assert.deepEqual(again.report.serviceAccountKey, { path, outcome: 'kept', fixedMode: true });
  assert.deepEqual(again.report.fixedModes, [path]);
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.equal(await readFile(path, 'utf8'), before);
}));

test('an operator RSA key is kept; a corrupt key is replaced (and reported); a deleted key is re-created', () => withDir(async (dataDir) => {
  await ensurePKI(opts(dataDir));
  const path = serviceAccountKeyPath(dataDir);
  const rsaPem = pem(rsa, 'pkcs1');
  await writeFile(path, rsaPem, { mode: 0o600 });
  assert.equal((await ensurePKI(opts(dataDir))).report.serviceAccountKey.outcome, 'kept');
  assert.equal(await readFile(path, 'utf8'), rsaPem);

  await writeFile(path, 'not a key at all\n', { mode: 0o600 });
  const replaced = (await ensurePKI(opts(dataDir))).report.serviceAccountKey;
  assert.equal(replaced.outcome, 'replaced');
  assert.match(replaced.reason ?? '', /^key unusable \(not a private key/);
  const fresh = await readFile(path, 'utf8');
  assert.deepEqual(inspectServiceAccountKey(fresh), { ok: true });
  assert.equal((await stat(path)).mode & 0o777, 0o600);

  await unlink(path);
  const recreated = (await ensurePKI(opts(dataDir))).report.serviceAccountKey;
  assert.deepEqual([recreated.outcome, recreated.reason], ['created', 'key missing']);
  assert.notEqual(await readFile(path, 'utf8'), fresh);
}));
