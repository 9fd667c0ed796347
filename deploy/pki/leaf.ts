/**
 * Signs one leaf cert from a `LeafSpec` with a CA: subject O=…/CN=…,
 * basicConstraints CA:false and keyUsage digitalSignature (both critical),
 * the spec's extended key usages, its SANs, subject and authority key ids.
 * Validity: from the CA's notBefore (client-go certutil's NewSignedCert, so
 * a peer with a slow clock accepts a fresh cert) to `now + validityMs`
 * (default 365 days, as k3s).
 */
import type { X509Certificate } from '@peculiar/x509';
import { x509, SIGNING_ALGORITHM, type CryptoProvider } from './x509.ts';
import type { CertAuthority } from './ca.ts';
import { usageOID } from './facts.ts';
import type { LeafSpec } from './specs.ts';
import { randomSerial, wholeSeconds } from './serial.ts';

/** Leaf lifetime: 365 days (k3s). */
export const LEAF_VALIDITY_MS = 365 * 24 * 60 * 60 * 1000;

/** Subject as a name list: O values first, then CN, as Go's pkix.Name orders them. Pure. */
export function leafSubject(spec: LeafSpec): Array<Record<string, string[]>> {
  return [...spec.organizations.map((o) => ({ O: [o] })), { CN: [spec.commonName] }];
}

/** Issues the cert for `spec` over `publicKey`, signed by `ca`. Throws on a malformed SAN. */
export async function issueLeaf(
  crypto: CryptoProvider, ca: CertAuthority, spec: LeafSpec, publicKey: CryptoKey, now: Date, validityMs = LEAF_VALIDITY_MS,
): Promise<X509Certificate> {
  const names = [
    ...spec.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...spec.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
  ];
  const caSki = ca.cert.getExtension(x509.SubjectKeyIdentifierExtension);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension(spec.usages.map(usageOID), false),
    await x509.SubjectKeyIdentifierExtension.create(publicKey, false, crypto),
  ];
  if (caSki) extensions.push(new x509.AuthorityKeyIdentifierExtension(caSki.keyId, false));
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
  const notBefore = wholeSeconds(ca.cert.notBefore < now ? ca.cert.notBefore : now);
  return x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(crypto),
    subject: leafSubject(spec),
    issuer: ca.cert.subjectName,
    notBefore,
    notAfter: wholeSeconds(new Date(now.getTime() + validityMs)),
    publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions,
  }, crypto);
}
