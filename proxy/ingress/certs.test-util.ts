/**
 * Test helper: a throwaway CA and server certificates for Ingress TLS tests
 * (deploy/pki's ECDSA P-256 issuing), as PEM and as the kubernetes.io/tls
 * Secret an Ingress names.
 */
import { webcrypto } from 'node:crypto';
import type { Secret } from 'kubernetes-types/core/v1';
import { createCACert, type CertAuthority } from '../../deploy/pki/ca.ts';
import { generateKeyPair, privateKeyToPem } from '../../deploy/pki/keys.ts';
import { issueLeaf } from '../../deploy/pki/leaf.ts';
import type { CryptoProvider } from '../../deploy/pki/x509.ts';

const crypto = webcrypto as unknown as CryptoProvider;

/** A new CA (CN `ingress-test-ca`). */
export async function testCA(): Promise<CertAuthority> {
  const keys = await generateKeyPair(crypto);
  const cert = await createCACert(crypto, keys, 'ingress-test-ca', new Date());
  return { cert, keys, certPem: cert.toString('pem') };
}

/** A serving certificate for `hosts` (DNS SANs, CN the first) signed by `ca`, PEM. */
export async function serverCert(ca: CertAuthority, hosts: string[]): Promise<{ cert: string; key: string }> {
  const keys = await generateKeyPair(crypto);
  const leaf = await issueLeaf(crypto, ca, {
    name: 'ingress', ca: 'cluster', commonName: hosts[0] ?? 'ingress', organizations: [], dnsNames: hosts, ipAddresses: [], usages: ['serverAuth'],
  }, keys.publicKey, new Date());
  return { cert: leaf.toString('pem'), key: await privateKeyToPem(crypto, keys.privateKey) };
}

/** The kubernetes.io/tls Secret holding a pair. */
export function tlsSecret(namespace: string, name: string, pair: { cert: string; key: string }): Secret {
  return {
    apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, type: 'kubernetes.io/tls',
    data: { 'tls.crt': Buffer.from(pair.cert).toString('base64'), 'tls.key': Buffer.from(pair.key).toString('base64') },
  };
}
