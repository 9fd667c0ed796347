/**
 * The PKI's act step, run on every server start: load or create the two
 * CAs and the ServiceAccount signing key, then for each leaf the cluster
 * needs read what is on disk, ask `decideLeaf`, and (re)issue only what it
 * says. A second run with the same inputs and clock changes no file.
 * Nothing here logs key material.
 */
import type { X509Certificate } from '@peculiar/x509';
import { dirname } from 'node:path';
import { x509, type CryptoProvider } from './x509.ts';
import { loadOrCreateCA, type CertAuthority, type LoadedCA } from './ca.ts';
import { certFacts } from './facts.ts';
import { ensureFileMode, ensurePrivateDir, readIfExists, removeStaleTemps, writeFileAtomic } from './files.ts';
import { generateKeyPair, keyPairFromPem, privateKeyToPem, publicKeyDer } from './keys.ts';
import { issueLeaf, LEAF_VALIDITY_MS } from './leaf.ts';
import { etcdTLSDir, leafPaths, tlsDir } from './layout.ts';
import { decideLeaf, type IssuerFacts, type LeafOnDisk, type RenewalOptions } from './renewal.ts';
import { ensureServiceAccountKey, type ServiceAccountKeyReport } from './service-account-key.ts';
import { clusterLeafSpecs, type CAName, type ClusterIdentity, type LeafSpec } from './specs.ts';

/** Inputs of `ensurePKI`. */
export interface EnsurePKIOptions extends RenewalOptions {
  dataDir: string;
  cluster: ClusterIdentity;
  crypto: CryptoProvider;
  /** The clock, read once by the caller. */
  now: Date;
  /** Lifetime of newly issued leaves in ms; default 365 days. */
  leafValidityMs?: number;
}

/** What `ensurePKI` did. */
export interface PKIReport {
  cas: Record<CAName, LoadedCA['source']>;
  /** Leaves (re)issued, why, and whether their key is new. */
  issued: Array<{ name: string; reason: string; newKey: boolean }>;
  /** Leaves left as they were. */
  kept: string[];
  /** Files whose mode was not 0600 and was corrected. */
  fixedModes: string[];
  /** The ServiceAccount signing key `tls/service.key`: created, kept or (unusable) replaced. */
  serviceAccountKey: ServiceAccountKeyReport;
}

/** The loaded PKI: both CAs and the report of this run. */
export interface ClusterPKI {
  cas: Record<CAName, CertAuthority>;
  report: PKIReport;
}

/** What is on disk for one leaf, plus its key pair when readable. Throws only on I/O errors. */
async function readLeaf(crypto: CryptoProvider, dataDir: string, name: string): Promise<{ disk: LeafOnDisk; keys?: CryptoKeyPair }> {
  const p = leafPaths(dataDir, name);
  const keyPem = await readIfExists(p.key);
  const certPem = await readIfExists(p.cert);
  let keys: CryptoKeyPair | undefined;
  let key: LeafOnDisk['key'] = 'missing';
  if (keyPem !== undefined) {
    const k = await keyPairFromPem(crypto, keyPem);
    if ('keys' in k) {
      keys = k.keys;
      key = 'ok';
    } else key = 'invalid';
  }
  let cert: LeafOnDisk['cert'] = { missing: true };
  let parsed: X509Certificate | undefined;
  if (certPem !== undefined) {
    try {
      parsed = new x509.X509Certificate(certPem);
      cert = { facts: certFacts(parsed) };
    } catch (e) {
      cert = { invalid: e instanceof Error ? e.message : String(e) };
    }
  }
  const keyMatchesCert = parsed !== undefined && keys !== undefined
    && Buffer.from(parsed.publicKey.rawData).equals(await publicKeyDer(crypto, keys.publicKey));
  return { disk: { cert, key, keyMatchesCert }, keys };
}

/** The CA's identity as leaf certs name it. Pure. */
function issuerFacts(ca: CertAuthority): IssuerFacts {
  return { subject: ca.cert.subject, subjectKeyId: ca.cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId.toLowerCase() };
}

/**
 * Brings one leaf up to `spec`: decides, then (if needed) writes a new key
 * (only when none is usable) before the cert, both atomically. Returns the
 * decision's outcome for the report. Throws on I/O or signing errors.
 */
async function ensureLeaf(o: EnsurePKIOptions, ca: CertAuthority, spec: LeafSpec, report: PKIReport): Promise<void> {
  const { crypto, dataDir, now } = o;
  const p = leafPaths(dataDir, spec.name);
  await ensurePrivateDir(dirname(p.cert));
  const { disk, keys: found } = await readLeaf(crypto, dataDir, spec.name);
  const decision = decideLeaf(disk, spec, issuerFacts(ca), now, o);
  if (decision.action === 'keep') {
    report.kept.push(spec.name);
  } else {
    let keys = decision.reuseKey ? found : undefined;
    if (!keys) {
      keys = await generateKeyPair(crypto);
      await writeFileAtomic(p.key, await privateKeyToPem(crypto, keys.privateKey));
    }
    const cert = await issueLeaf(crypto, ca, spec, keys.publicKey, now, o.leafValidityMs ?? LEAF_VALIDITY_MS);
    await writeFileAtomic(p.cert, cert.toString('pem'));
    report.issued.push({ name: spec.name, reason: decision.reason, newKey: !decision.reuseKey });
  }
  for (const f of [p.key, p.cert]) if (await ensureFileMode(f)) report.fixedModes.push(f);
}

/**
 * Ensures the whole cluster PKI under `<dataDir>/tls/`: both CAs (created
 * once, never regenerated; see `loadOrCreateCA`) and every leaf of
 * `clusterLeafSpecs(cluster)` (issued, renewed within `renewWithinDays` of
 * expiry, or reissued when its subject, SANs, usages or CA changed), and
 * the ServiceAccount signing key `tls/service.key` (created once, kept
 * while usable; see `ensureServiceAccountKey`). Leftover temp files from a
 * crash are removed first. Idempotent: a second call with the same inputs
 * and `now` writes nothing. Throws on I/O errors,
 * on an unusable existing CA, and (before writing anything) on a malformed
 * service CIDR or node name.
 */
export async function ensurePKI(o: EnsurePKIOptions): Promise<ClusterPKI> {
  const specs = clusterLeafSpecs(o.cluster); // bad inputs throw before anything is written
  for (const d of [tlsDir(o.dataDir), etcdTLSDir(o.dataDir)]) {
    await ensurePrivateDir(d);
    await removeStaleTemps(d);
  }
  const cluster = await loadOrCreateCA(o.crypto, o.dataDir, 'cluster', o.now);
  const etcd = await loadOrCreateCA(o.crypto, o.dataDir, 'etcd', o.now);
  const cas: Record<CAName, CertAuthority> = { cluster: cluster.ca, etcd: etcd.ca };
  const serviceAccountKey = await ensureServiceAccountKey(o.crypto, o.dataDir);
  const report: PKIReport = { cas: { cluster: cluster.source, etcd: etcd.source }, issued: [], kept: [], fixedModes: [], serviceAccountKey };
  if (serviceAccountKey.fixedMode) report.fixedModes.push(serviceAccountKey.path);
  // The leaves are independent: issue them concurrently (WebCrypto signs off the main thread), then report in spec order.
  const parts = await Promise.all(specs.map(async (spec) => {
    const part: PKIReport = { ...report, issued: [], kept: [], fixedModes: [] };
    await ensureLeaf(o, cas[spec.ca], spec, part);
    return part;
  }));
  for (const part of parts) {
    report.issued.push(...part.issued);
    report.kept.push(...part.kept);
    report.fixedModes.push(...part.fixedModes);
  }
  return { cas, report };
}
