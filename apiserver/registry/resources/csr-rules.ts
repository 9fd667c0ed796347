/**
 * Validation of certificates.k8s.io/v1 CertificateSigningRequests, after
 * Kubernetes pkg/apis/certificates/validation (ValidateCertificateSigningRequestCreate
 * / ...Update / ...StatusUpdate / ...ApprovalUpdate): a parseable PKCS#10
 * request, known and unique usages, a `<domain>/<path>` signerName,
 * expirationSeconds ≥ 600, well-formed conditions (Approved and Denied
 * exclusive, each at most once, status True), a PEM certificate of
 * CERTIFICATE blocks, and on updates: the certificate and the
 * Approved/Denied conditions cannot be changed back. The request's
 * signature is checked separately (async, csr.ts). Pure.
 */
import type { CertificateSigningRequest, CertificateSigningRequestCondition } from 'kubernetes-types/certificates/v1';
import type { FieldCause } from '../../api/errors.ts';
import { dns1123SubdomainErrors, duplicate, forbidden, invalidValue, required, unsupported } from '../../api/validation.ts';
import { parseCSRPem } from '../../../deploy/pki/csr.ts';

/** The key usages of certificates/v1 (KeyUsage constants). */
export const KEY_USAGES = [
  'signing', 'digital signature', 'content commitment', 'key encipherment', 'key agreement', 'data encipherment', 'cert sign', 'crl sign',
  'encipher only', 'decipher only', 'any', 'server auth', 'client auth', 'code signing', 'email protection', 's/mime', 'ipsec end system',
  'ipsec tunnel', 'ipsec user', 'timestamping', 'ocsp signing', 'microsoft sgc', 'netscape sgc',
] as const;

const EXCLUSIVE = new Set(['Approved', 'Denied', 'Failed']);

/** spec.request decoded from base64 to PEM text; undefined when absent. Pure. */
export function requestPem(csr: CertificateSigningRequest): string | undefined {
  const r = csr.spec?.request;
  return typeof r === 'string' && r !== '' ? Buffer.from(r, 'base64').toString('utf8') : undefined;
}

/** kube's validateSignerName: `<fully qualified domain>/<path>`. */
function signerNameCauses(name: string | undefined): FieldCause[] {
  const f = 'spec.signerName';
  if (!name) return [required(f)];
  const slash = name.indexOf('/');
  if (slash < 0) return [invalidValue(f, name, "must be a fully qualified domain and path of the form 'example.com/signer-name'")];
  const domain = name.slice(0, slash);
  const path = name.slice(slash + 1);
  const out: FieldCause[] = [];
  if (!domain.includes('.') || dns1123SubdomainErrors(domain).length > 0) out.push(invalidValue(f, name, 'the domain portion must be a fully qualified domain name'));
  if (path === '' || path.length > 571 || !/^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$/.test(path)) out.push(invalidValue(f, name, 'the path portion must be a valid path segment'));
  return out;
}

/** Condition checks (validateConditions): type required, Approved/Denied/Failed once each, Approved xor Denied, their status True. */
function conditionCauses(conds: CertificateSigningRequestCondition[]): FieldCause[] {
  const out: FieldCause[] = [];
  const seen = new Set<string>();
  conds.forEach((c, i) => {
    const f = `status.conditions[${i}]`;
    if (!c.type) out.push(required(`${f}.type`));
    if (!['True', 'False', 'Unknown'].includes(c.status ?? '')) out.push(unsupported(`${f}.status`, c.status ?? '', ['True', 'False', 'Unknown']));
    if ((c.type === 'Approved' || c.type === 'Denied') && c.status !== 'True') out.push(unsupported(`${f}.status`, c.status ?? '', ['True']));
    if (EXCLUSIVE.has(c.type)) {
      if (seen.has(c.type)) out.push(duplicate(`${f}.type`, c.type));
      seen.add(c.type);
    }
  });
  if (seen.has('Approved') && seen.has('Denied')) out.push(invalidValue('status.conditions', 'Approved', 'Approved and Denied conditions are mutually exclusive'));
  return out;
}

/** status.certificate: PEM text holding only CERTIFICATE blocks, at least one (validateCertificate). */
function certificateCauses(cert: string | undefined): FieldCause[] {
  if (cert === undefined || cert === '') return [];
  const pem = Buffer.from(cert, 'base64').toString('utf8');
  const types = [...pem.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----/g)].map((m) => m[1]);
  if (types.length === 0) return [invalidValue('status.certificate', '<certificate data>', 'must contain at least one CERTIFICATE PEM block')];
  if (types.some((t) => t !== 'CERTIFICATE')) return [invalidValue('status.certificate', '<certificate data>', 'only CERTIFICATE PEM blocks are allowed')];
  return [];
}

/** Create validation. */
export function validateCSR(csr: CertificateSigningRequest): FieldCause[] {
  const out: FieldCause[] = [];
  const pem = requestPem(csr);
  if (pem === undefined) out.push(required('spec.request'));
  else {
    const p = parseCSRPem(pem);
    if ('error' in p) out.push(invalidValue('spec.request', '<request data>', p.error));
  }
  const usages = csr.spec?.usages ?? [];
  if (usages.length === 0) out.push(required('spec.usages', 'usages must be provided'));
  const seen = new Set<string>();
  usages.forEach((u, i) => {
    if (!(KEY_USAGES as readonly string[]).includes(u)) out.push(unsupported(`spec.usages[${i}]`, u, KEY_USAGES));
    if (seen.has(u)) out.push(duplicate(`spec.usages[${i}]`, u));
    seen.add(u);
  });
  out.push(...signerNameCauses(csr.spec?.signerName));
  const exp = csr.spec?.expirationSeconds;
  if (exp !== undefined && exp < 600) out.push(invalidValue('spec.expirationSeconds', exp, 'may not specify a duration less than 600 seconds (10 minutes)'));
  out.push(...conditionCauses(csr.status?.conditions ?? []));
  out.push(...certificateCauses(csr.status?.certificate));
  return out;
}

/** The types of the Approved/Denied conditions of `csr`. Pure. */
export function decisionTypes(csr: CertificateSigningRequest): string[] {
  return (csr.status?.conditions ?? []).map((c) => c.type).filter((t) => t === 'Approved' || t === 'Denied');
}

/** Update validation (any path): create rules, the certificate may only go from unset to set, and an Approved/Denied condition is never removed. */
export function validateCSRUpdate(next: CertificateSigningRequest, old: CertificateSigningRequest): FieldCause[] {
  const out = validateCSR(next);
  const oldCert = old.status?.certificate ?? '';
  if (oldCert !== '' && (next.status?.certificate ?? '') !== oldCert) out.push(forbidden('status.certificate', 'updates may not modify existing certificate content'));
  const now = decisionTypes(next);
  for (const t of decisionTypes(old)) if (!now.includes(t)) out.push(forbidden('status.conditions', `updates may not remove a condition of type ${JSON.stringify(t)}`));
  return out;
}

/** "Approved,Issued" / "Pending" … as kubectl's CONDITION column. Pure. */
export function conditionCell(csr: CertificateSigningRequest): string {
  const types = [...new Set((csr.status?.conditions ?? []).filter((c) => c.status === 'True' || c.status === undefined).map((c) => c.type))];
  const shown: string[] = types.filter((t) => t === 'Approved' || t === 'Denied' || t === 'Failed');
  if (csr.status?.certificate) shown.push('Issued');
  return shown.length === 0 ? 'Pending' : shown.join(',');
}
