/**
 * ECDSA P-256 key pairs and their PEM form (PKCS#8 "PRIVATE KEY", which Go's
 * crypto/tls, OpenSSL and Node all read). Encoding goes through WebCrypto and
 * @peculiar/x509's PEM converter; nothing here touches ASN.1 by hand.
 */
import { x509, KEY_ALGORITHM, type CryptoProvider } from './x509.ts';

/** Generates a fresh extractable ECDSA P-256 key pair. */
export async function generateKeyPair(crypto: CryptoProvider): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
}

/** The private key as PEM text (PKCS#8, tag PRIVATE KEY). Throws if the key is not extractable. */
export async function privateKeyToPem(crypto: CryptoProvider, key: CryptoKey): Promise<string> {
  const der = await crypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

/**
 * Reads a PKCS#8 PEM ECDSA P-256 private key back into a key pair (the public
 * half derived through JWK). Errors as values: a missing PEM block, another
 * algorithm or curve, or bad DER give `{ error }`.
 */
export async function keyPairFromPem(crypto: CryptoProvider, pem: string): Promise<{ keys: CryptoKeyPair } | { error: string }> {
  try {
    const der = x509.PemConverter.decodeFirst(pem);
    const privateKey = await crypto.subtle.importKey('pkcs8', der, KEY_ALGORITHM, true, ['sign']);
    const jwk = await crypto.subtle.exportKey('jwk', privateKey);
    const publicJwk: JsonWebKey = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, ext: true };
    const publicKey = await crypto.subtle.importKey('jwk', publicJwk, KEY_ALGORITHM, true, ['verify']);
    return { keys: { privateKey, publicKey } };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/** The public key as SubjectPublicKeyInfo DER bytes, to compare with a cert's key. */
export async function publicKeyDer(crypto: CryptoProvider, key: CryptoKey): Promise<Buffer> {
  return Buffer.from(await crypto.subtle.exportKey('spki', key));
}
