/**
 * The join token, in k3s's secure format (k3s pkg/clientaccess/token.go):
 * `K10<ca-hash>::<id>.<secret>`, where `<ca-hash>` is the hex SHA-256 of the
 * cluster CA bundle exactly as the server serves it at /cacerts (for a
 * single self-signed CA, k3s hashes the PEM file's bytes; Skiff's cluster
 * CA is always one cert), and `<id>.<secret>` is a Kubernetes bootstrap
 * token (kubeadm BootstrapTokenString: id [a-z0-9]{6}, secret [a-z0-9]{16}).
 *
 * Deviation from k3s: a token without a CA hash (k3s's "short" token) or with
 * username:password credentials is refused, so an agent never trusts a
 * server it cannot verify. Pure, except `newBootstrapToken` (randomness injected).
 */
import { createHash } from 'node:crypto';

/** The fixed prefix of the secure format. */
export const TOKEN_PREFIX = 'K10';
/** Length of the hex CA hash (SHA-256). */
const HASH_LEN = 64;
const BOOTSTRAP = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const HEX = /^[0-9a-f]{64}$/;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A parsed join token. */
export interface JoinToken {
  /** Lower-case hex SHA-256 of the server's CA bundle. */
  caHash: string;
  /** Bootstrap token id (6 chars); names Secret kube-system/bootstrap-token-<id>. */
  id: string;
  /** Bootstrap token secret (16 chars). */
  secret: string;
}

/** The bearer token `<id>.<secret>` of a join token. Pure. */
export function bearerOf(t: Pick<JoinToken, 'id' | 'secret'>): string {
  return `${t.id}.${t.secret}`;
}

/** Hex SHA-256 of the CA bundle's bytes (k3s hashCA for a single-cert bundle). Pure. */
export function caHash(caPem: string | Uint8Array): string {
  return createHash('sha256').update(typeof caPem === 'string' ? Buffer.from(caPem, 'utf8') : caPem).digest('hex');
}

/** The token text for `caPem` and a bootstrap token (k3s FormatTokenBytes). Pure. */
export function formatJoinToken(caPem: string | Uint8Array, t: Pick<JoinToken, 'id' | 'secret'>): string {
  return `${TOKEN_PREFIX}${caHash(caPem)}::${bearerOf(t)}`;
}

/**
 * Parses a join token (surrounding whitespace ignored). Errors as values,
 * with a message fit for the operator that never repeats the secret.
 * Pure.
 */
export function parseJoinToken(text: string): JoinToken | { error: string } {
  const s = text.trim();
  if (s === '') return { error: 'the token is empty' };
  if (!s.startsWith(TOKEN_PREFIX)) {
    return { error: `the token does not start with ${TOKEN_PREFIX}: use the full token from the server's <data-dir>/token (it carries the CA hash the agent checks)` };
  }
  const rest = s.slice(TOKEN_PREFIX.length);
  const sep = rest.indexOf('::');
  if (sep < 0) return { error: 'the token has no "::" between the CA hash and the credentials' };
  const hash = rest.slice(0, sep).toLowerCase();
  const creds = rest.slice(sep + 2);
  if (hash.length === 0) return { error: 'the token has no CA hash: use the full token from the server\'s <data-dir>/token' };
  if (hash.length !== HASH_LEN || !HEX.test(hash)) return { error: `the token's CA hash must be ${HASH_LEN} hex digits (SHA-256)` };
  const m = BOOTSTRAP.exec(creds);
  if (!m) return { error: 'the token\'s credentials are not a bootstrap token <id>.<secret> (6 and 16 of a-z, 0-9)' };
  return { caHash: hash, id: m[1] ?? '', secret: m[2] ?? '' };
}

/**
 * A fresh bootstrap token: 6 + 16 characters of [a-z0-9], each drawn
 * uniformly by `randomInt(36)` (node:crypto's randomInt in production, as
 * kubeadm's GenerateBootstrapToken draws from crypto/rand).
 */
export function newBootstrapToken(randomInt: (max: number) => number): { id: string; secret: string } {
  const draw = (n: number): string => Array.from({ length: n }, () => ALPHABET[randomInt(ALPHABET.length)] ?? 'a').join('');
  return { id: draw(6), secret: draw(16) };
}
