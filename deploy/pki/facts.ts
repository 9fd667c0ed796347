/**
 * The facts of a parsed cert that Skiff's decisions look at, extracted once
 * into plain data (so decide functions are pure and table-testable without
 * building certs), plus canonical forms for comparing SAN and usage lists.
 */
import ipaddr from 'ipaddr.js';
import type { X509Certificate } from '@peculiar/x509';
import { x509 } from './x509.ts';
import type { Usage } from './specs.ts';

/** What a cert says about itself. Times are Dates; key ids lowercase hex. */
export interface CertFacts {
  commonName: string;
  organizations: string[];
  /** RFC 2253-style issuer DN, as the library prints it. */
  issuer: string;
  subject: string;
  isCA: boolean;
  /** Canonical (see `canonicalNames`). */
  dnsNames: string[];
  /** Canonical (see `canonicalIPs`). */
  ipAddresses: string[];
  /** Sorted; unknown OIDs kept as dotted strings. */
  extKeyUsages: string[];
  notBefore: Date;
  notAfter: Date;
  subjectKeyId?: string;
  authorityKeyId?: string;
}

const USAGE_OIDS: Record<Usage, string> = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
};

/** The OID of an extended key usage. Pure. */
export function usageOID(u: Usage): string {
  return USAGE_OIDS[u];
}

/** Usages as names where known ('serverAuth'), sorted, deduplicated. Pure. */
export function canonicalUsages(oidsOrNames: string[]): string[] {
  const byOid = new Map(Object.entries(USAGE_OIDS).map(([k, v]) => [v, k]));
  return [...new Set(oidsOrNames.map((u) => byOid.get(u) ?? u))].sort();
}

/** DNS names lowercased, sorted, deduplicated. Pure. */
export function canonicalNames(names: string[]): string[] {
  return [...new Set(names.map((n) => n.toLowerCase()))].sort();
}

/** IPs in ipaddr.js's normal form (IPv4-mapped IPv6 unwrapped), sorted, deduplicated; unparseable kept verbatim. Pure. */
export function canonicalIPs(ips: string[]): string[] {
  const norm = (ip: string): string => {
    if (!ipaddr.isValid(ip)) return ip;
    return ipaddr.process(ip).toString();
  };
  return [...new Set(ips.map(norm))].sort();
}

/** Extracts `CertFacts` from a parsed cert. Does not verify anything. */
export function certFacts(cert: X509Certificate): CertFacts {
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const names = san?.names.toJSON() ?? [];
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension);
  const aki = cert.getExtension(x509.AuthorityKeyIdentifierExtension);
  return {
    commonName: cert.subjectName.getField('CN')[0] ?? '',
    organizations: cert.subjectName.getField('O'),
    issuer: cert.issuer,
    subject: cert.subject,
    isCA: bc?.ca ?? false,
    dnsNames: canonicalNames(names.filter((n) => n.type === 'dns').map((n) => n.value)),
    ipAddresses: canonicalIPs(names.filter((n) => n.type === 'ip').map((n) => n.value)),
    extKeyUsages: canonicalUsages((eku?.usages ?? []).map(String)),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    subjectKeyId: ski?.keyId.toLowerCase(),
    authorityKeyId: aki?.keyId?.toLowerCase(),
  };
}
