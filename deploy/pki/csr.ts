/**
 * PKCS#10 certificate signing requests: made by a joining agent (its key
 * never leaves it) and read by the apiserver's CSR validation and the
 * controller-manager's approver and signer. Only what Kubernetes' CSR rules
 * read is extracted: subject CN and O, and the SANs by kind
 * (k8s.io/api/certificates ParseCSR + x509.CertificateRequest fields).
 */
import type { Pkcs10CertificateRequest } from '@peculiar/x509';
import { x509, SIGNING_ALGORITHM, type CryptoProvider } from './x509.ts';

/** The PEM block type Kubernetes requires in spec.request. */
export const CSR_PEM_TYPE = 'CERTIFICATE REQUEST';

/** What a CSR asks for. */
export interface CSRFacts {
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  emails: string[];
  uris: string[];
}

/** A parsed CSR and its facts. */
export interface ParsedCSR {
  csr: Pkcs10CertificateRequest;
  facts: CSRFacts;
}

/** The facts of a parsed request. Pure. */
function factsOf(csr: Pkcs10CertificateRequest): CSRFacts {
  const f: CSRFacts = {
    commonName: csr.subjectName.getField('CN')[0] ?? '',
    organizations: csr.subjectName.getField('O'),
    dnsNames: [], ipAddresses: [], emails: [], uris: [],
  };
  for (const ext of csr.extensions) {
    if (!(ext instanceof x509.SubjectAlternativeNameExtension)) continue;
    for (const n of ext.names.items) {
      if (n.type === 'dns') f.dnsNames.push(n.value);
      else if (n.type === 'ip') f.ipAddresses.push(n.value);
      else if (n.type === 'email') f.emails.push(n.value);
      else if (n.type === 'url') f.uris.push(n.value);
    }
  }
  return f;
}

/**
 * Parses PEM text holding exactly one `CERTIFICATE REQUEST` block as the
 * first block (Kubernetes ParseCSR: "PEM block type must be CERTIFICATE
 * REQUEST"). Errors as values with kube's wording. Does not check the signature.
 */
export function parseCSRPem(pem: string): ParsedCSR | { error: string } {
  const begin = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem);
  if (!begin) return { error: 'PEM block type must be CERTIFICATE REQUEST' };
  if (begin[1] !== CSR_PEM_TYPE) return { error: 'PEM block type must be CERTIFICATE REQUEST' };
  try {
    const der = x509.PemConverter.decodeFirst(pem);
    const csr = new x509.Pkcs10CertificateRequest(der);
    return { csr, facts: factsOf(csr) };
  } catch (e) {
    return { error: `x509: malformed certificate request: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** Whether the request's self-signature is valid (x509.CertificateRequest.CheckSignature). Resolves false on any failure. */
export async function csrSignatureValid(csr: Pkcs10CertificateRequest, crypto: CryptoProvider): Promise<boolean> {
  try {
    return await csr.verify(crypto);
  } catch {
    return false;
  }
}

/** What to ask for. */
export interface CSRSubject {
  commonName: string;
  organizations: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
}

/** Makes a PEM PKCS#10 request for `subject`, signed with `keys` (ECDSA P-256, SHA-256). */
export async function createCSRPem(crypto: CryptoProvider, keys: CryptoKeyPair, subject: CSRSubject): Promise<string> {
  const names = [
    ...(subject.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(subject.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [...subject.organizations.map((o) => ({ O: [o] })), { CN: [subject.commonName] }],
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names, false)] : [],
  }, crypto);
  return csr.toString('pem');
}
