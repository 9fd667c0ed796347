/**
 * The ServiceAccount token signing key, `<data-dir>/tls/service.key` (k3s's
 * name: pkg/daemons/control/deps genServiceAccount). Created once as an
 * ECDSA P-256 PKCS#8 key (the apiserver signs ES256 with it; RS256 when an
 * operator put an RSA key there) and then kept for the life of the cluster:
 * every token ever issued is signed with it, so regenerating it would make
 * all of them invalid. Only a missing file, or one the apiserver could not
 * sign with (unparseable, or a key type it does not support), is replaced;
 * such a file cannot have signed any token that still verifies. Nothing here
 * logs or reports key material.
 */
import { createPrivateKey } from 'node:crypto';
import { dirname } from 'node:path';
import { algorithmOf } from '../../apiserver/auth/authn/jws.ts';
import { ensureFileMode, ensurePrivateDir, readIfExists, writeFileAtomic } from './files.ts';
import { generateKeyPair, privateKeyToPem } from './keys.ts';
import { serviceAccountKeyPath } from './layout.ts';
import type { CryptoProvider } from './x509.ts';

/** What is at the key's path: nothing, a key the apiserver can sign with, or something else (why, without key bytes). */
export type ServiceAccountKeyOnDisk = { missing: true } | { ok: true } | { invalid: string };

/** What to do with the key: keep it, or write a new one (and why). */
export type ServiceAccountKeyDecision = { action: 'keep' } | { action: 'create'; reason: string };

/**
 * Classifies the key file's text (undefined: no file) the way the apiserver
 * will read it: Node's createPrivateKey (PKCS#8, SEC1 or PKCS#1 PEM), then
 * jws.ts's algorithmOf (P-256 EC or RSA). Never throws.
 */
export function inspectServiceAccountKey(pem: string | undefined): ServiceAccountKeyOnDisk {
  if (pem === undefined) return { missing: true };
  try {
    const alg = algorithmOf(createPrivateKey(pem));
    return typeof alg === 'string' ? { ok: true } : { invalid: alg.error };
  } catch (e) {
    return { invalid: `not a private key: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** Keep a usable key; create one when there is none or it is unusable. Pure. */
export function decideServiceAccountKey(disk: ServiceAccountKeyOnDisk): ServiceAccountKeyDecision {
  if ('ok' in disk) return { action: 'keep' };
  if ('missing' in disk) return { action: 'create', reason: 'key missing' };
  return { action: 'create', reason: `key unusable (${disk.invalid})` };
}

/** What `ensureServiceAccountKey` did. */
export interface ServiceAccountKeyReport {
  /** `<data-dir>/tls/service.key`. */
  path: string;
  /** 'created': there was none; 'kept': the key on disk is used as is; 'replaced': an unusable file was overwritten. */
  outcome: 'created' | 'kept' | 'replaced';
  /** Why a key was written (absent when kept). */
  reason?: string;
  /** Whether the file's mode was not 0600 and was corrected. */
  fixedMode: boolean;
}

/**
 * Ensures `<dataDir>/tls/service.key` holds a signing key: reads it,
 * decides, and (only when told to) writes a fresh P-256 key atomically with
 * mode 0600 (tls/ 0700); then forces 0600 on the file. Idempotent: a second
 * call writes nothing. Throws on I/O errors.
 */
export async function ensureServiceAccountKey(crypto: CryptoProvider, dataDir: string): Promise<ServiceAccountKeyReport> {
  const path = serviceAccountKeyPath(dataDir);
  await ensurePrivateDir(dirname(path));
  const disk = inspectServiceAccountKey(await readIfExists(path));
  const decision = decideServiceAccountKey(disk);
  let report: ServiceAccountKeyReport;
  if (decision.action === 'keep') {
    report = { path, outcome: 'kept', fixedMode: false };
  } else {
    const keys = await generateKeyPair(crypto);
    await writeFileAtomic(path, await privateKeyToPem(crypto, keys.privateKey));
    report = { path, outcome: 'missing' in disk ? 'created' : 'replaced', reason: decision.reason, fixedMode: false };
  }
  report.fixedMode = await ensureFileMode(path);
  return report;
}
