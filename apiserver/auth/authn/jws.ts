/**
 * Compact JWS (RFC 7515) signing and verification for ServiceAccount
 * tokens with Node's crypto: ES256 for P-256 EC keys (signatures in the
 * IEEE P1363 r||s form JWS requires) and RS256 for RSA keys. The `kid` is
 * base64url(SHA-256(SPKI DER)), as Kubernetes' serviceaccount.keyIDFromPublicKey.
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/** A JWS algorithm Skiff signs with. */
export type JwsAlg = 'ES256' | 'RS256';

/** The algorithm for a key, or an error message for an unsupported key. Pure. */
export function algorithmOf(key: KeyObject): JwsAlg | { error: string } {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  return { error: `unsupported service account key type ${key.asymmetricKeyType ?? 'unknown'}` };
}

/** The key id of a public key (base64url of the SHA-256 of its SPKI DER). */
export function keyId(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url');
}

const b64url = (v: unknown): string => Buffer.from(JSON.stringify(v), 'utf8').toString('base64url');

/** Signs `claims` with `privateKey` into a compact JWS. Throws on an unsupported key. */
export function signJws(privateKey: KeyObject, claims: Record<string, unknown>): string {
  const alg = algorithmOf(privateKey);
  if (typeof alg !== 'string') throw new Error(alg.error);
  const header = { alg, kid: keyId(createPublicKey(privateKey)) };
  const input = `${b64url(header)}.${b64url(claims)}`;
  const sig = sign('sha256', Buffer.from(input), alg === 'ES256' ? { key: privateKey, dsaEncoding: 'ieee-p1363' } : privateKey);
  return `${input}.${sig.toString('base64url')}`;
}

/** The parts of a compact JWS, or undefined when `token` is not one (three base64url parts, JSON header and payload). Pure. */
export function parseJws(token: string): { header: Record<string, unknown>; claims: Record<string, unknown>; input: string; signature: Buffer } | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as unknown;
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
    if (!isRecord(header) || !isRecord(claims)) return undefined;
    return { header, claims, input: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2], 'base64url') };
  } catch {
    return undefined;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The claims of `token` when one of `publicKeys` verifies its signature
 * with the header's algorithm; an error message otherwise ("invalid
 * signature", "malformed token"). Never throws.
 */
export function verifyJws(token: string, publicKeys: KeyObject[]): { claims: Record<string, unknown> } | { error: string } {
  const p = parseJws(token);
  if (!p) return { error: 'malformed token' };
  for (const key of publicKeys) {
    const alg = algorithmOf(key);
    if (typeof alg !== 'string' || alg !== p.header.alg) continue;
    try {
      const ok = verify('sha256', Buffer.from(p.input), alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key, p.signature);
      if (ok) return { claims: p.claims };
    } catch {
      // a signature of the wrong length: not this key
    }
  }
  return { error: 'invalid signature' };
}
