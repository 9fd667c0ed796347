/**
 * The cluster CA and the etcd CA: created once (ECDSA P-256, 10 years,
 * CN `skiff-server-ca@<unix-seconds>` / `skiff-etcd-server-ca@<unix-seconds>`
 * in k3s's `k3s-server-ca@<unix>` style), loaded on every later start and
 * never regenerated: a CA on disk that cannot be used is an error, not a
 * reason to mint a new one (that would orphan every cert and kubeconfig
 * already handed out).
 */
import type { X509Certificate } from '@peculiar/x509';
import { x509, SIGNING_ALGORITHM, type CryptoProvider } from './x509.ts';
import { generateKeyPair, keyPairFromPem, privateKeyToPem, publicKeyDer } from './keys.ts';
import { ensureFileMode, ensurePrivateDir, readIfExists, writeFileAtomic } from './files.ts';
import { caPaths } from './layout.ts';
import type { CAName } from './specs.ts';
import { randomSerial, wholeSeconds } from './serial.ts';
import { dirname } from 'node:path';

/** CA lifetime: 10 years of 365 days (client-go certutil's NewSelfSignedCACert). */
export const CA_VALIDITY_MS = 10 * 365 * 24 * 60 * 60 * 1000;

/** A usable CA: its cert and both halves of its key, plus the PEM text on disk. */
export interface CertAuthority {
  cert: X509Certificate;
  keys: CryptoKeyPair;
  certPem: string;
}

/** The CN prefix of each CA; the creation time in Unix seconds follows '@'. */
export const CA_CN_PREFIX: Record<CAName, string> = {
  cluster: 'skiff-server-ca',
  etcd: 'skiff-etcd-server-ca',
};

/**
 * Self-signs a CA cert for `keys`: basicConstraints CA (critical), keyUsage
 * digitalSignature+keyCertSign+cRLSign (critical), a subject key id.
 * `now` is truncated to whole seconds (X.509 time precision).
 */
export async function createCACert(crypto: CryptoProvider, keys: CryptoKeyPair, commonName: string, now: Date): Promise<X509Certificate> {
  const notBefore = wholeSeconds(now);
  return x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(crypto),
    name: [{ CN: [commonName] }],
    notBefore,
    notAfter: new Date(notBefore.getTime() + CA_VALIDITY_MS),
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
    ],
  }, crypto);
}

/** Outcome of `loadOrCreateCA`. */
export interface LoadedCA {
  ca: CertAuthority;
  /** 'created': both files were new; 'loaded': both existed; 'recovered': only the key existed (crash between the two writes) and a cert was made for it. */
  source: 'created' | 'loaded' | 'recovered';
}

/** Parses a CA cert + key from PEM and checks they belong together and the cert is a CA. Throws with the path on failure. */
async function parseCA(crypto: CryptoProvider, certPem: string, keyPem: string, where: string): Promise<CertAuthority> {
  const k = await keyPairFromPem(crypto, keyPem);
  if ('error' in k) throw new Error(`${where}: CA key unreadable: ${k.error}`);
  let cert: X509Certificate;
  try {
    cert = new x509.X509Certificate(certPem);
  } catch (e) {
    throw new Error(`${where}: CA cert unreadable: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!cert.getExtension(x509.BasicConstraintsExtension)?.ca) throw new Error(`${where}: not a CA cert`);
  if (!Buffer.from(cert.publicKey.rawData).equals(await publicKeyDer(crypto, k.keys.publicKey))) {
    throw new Error(`${where}: CA cert and key do not match`);
  }
  return { cert, keys: k.keys, certPem };
}

/**
 * Loads the CA `name` from `<dataDir>/tls/`, or creates it if neither file
 * exists. Writes the key before the cert (both atomic, 0600, dirs 0700); a
 * key without a cert (crash in between) gets a fresh cert for the same key,
 * since no leaf can have been signed yet. Throws (and writes nothing) when
 * the cert exists without its key, either file is unreadable, or they do not
 * match: the operator must repair it, Skiff never replaces an existing CA.
 */
export async function loadOrCreateCA(crypto: CryptoProvider, dataDir: string, name: CAName, now: Date): Promise<LoadedCA> {
  const paths = caPaths(dataDir, name);
  await ensurePrivateDir(dirname(paths.cert));
  const certPem = await readIfExists(paths.cert);
  const keyPem = await readIfExists(paths.key);
  if (certPem !== undefined && keyPem !== undefined) {
    const ca = await parseCA(crypto, certPem, keyPem, paths.cert);
    await ensureFileMode(paths.cert);
    await ensureFileMode(paths.key);
    return { ca, source: 'loaded' };
  }
  if (certPem !== undefined) throw new Error(`${paths.cert}: CA cert exists but its key ${paths.key} is missing; refusing to create a new CA`);
  let keys: CryptoKeyPair;
  let source: LoadedCA['source'];
  if (keyPem !== undefined) {
    const k = await keyPairFromPem(crypto, keyPem);
    if ('error' in k) throw new Error(`${paths.key}: CA key unreadable: ${k.error}`);
    keys = k.keys;
    source = 'recovered';
  } else {
    keys = await generateKeyPair(crypto);
    await writeFileAtomic(paths.key, await privateKeyToPem(crypto, keys.privateKey));
    source = 'created';
  }
  const cn = `${CA_CN_PREFIX[name]}@${Math.floor(now.getTime() / 1000)}`;
  const cert = await createCACert(crypto, keys, cn, now);
  const pem = cert.toString('pem');
  await writeFileAtomic(paths.cert, pem);
  return { ca: { cert, keys, certPem: pem }, source };
}
