/**
 * Pure decisions about leaf certs: is one due for renewal, and what to do
 * with the cert and key found on disk given the cert we want. k3s's rule
 * (docs "k3s certificate"): leaf certs are valid 365 days, and any that are
 * expired or within 90 days of expiring are renewed every time it starts;
 * the apiserver cert is also reissued when the SANs it needs change.
 */
import { canonicalIPs, canonicalNames, canonicalUsages, type CertFacts } from './facts.ts';
import type { LeafSpec } from './specs.ts';

/** k3s's renewal window: renew leaf certs expiring within this many days. */
export const DEFAULT_RENEW_WITHIN_DAYS = 90;

const DAY_MS = 24 * 60 * 60 * 1000;

/** Renewal options. */
export interface RenewalOptions {
  /** Renew when `notAfter - now` is below this many days. Default 90. */
  renewWithinDays?: number;
}

/**
 * True when `cert` expires within `renewWithinDays` of `now` (or already
 * has), or is not yet valid at `now` (a clock that went back: the cert
 * would be refused by every peer). Pure.
 */
export function needsRenewal(cert: { notBefore: Date; notAfter: Date }, now: Date, opts: RenewalOptions = {}): boolean {
  const within = (opts.renewWithinDays ?? DEFAULT_RENEW_WITHIN_DAYS) * DAY_MS;
  if (cert.notBefore.getTime() > now.getTime()) return true;
  return cert.notAfter.getTime() - now.getTime() < within;
}

/** What the act step found on disk for one leaf. */
export interface LeafOnDisk {
  /** Parsed cert facts, or why there are none. */
  cert: { facts: CertFacts } | { missing: true } | { invalid: string };
  /** The key file: usable, missing, or unreadable. */
  key: 'ok' | 'missing' | 'invalid';
  /** Whether the cert's public key is the key file's (false when either is absent). */
  keyMatchesCert: boolean;
}

/** The signing CA's identity, as leaf certs refer to it. */
export interface IssuerFacts {
  subject: string;
  subjectKeyId?: string;
}

/** The plan for one leaf: keep it, or (re)issue it, keeping the key on disk or generating one. */
export type LeafDecision =
  | { action: 'keep' }
  | { action: 'issue'; reason: string; reuseKey: boolean };

/** Sorted-list equality. Pure. */
function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Why a cert on disk differs from what `spec` asks, or undefined if it
 * matches: issuer (another CA), CN, O, SANs, usages. Pure.
 */
export function specMismatch(f: CertFacts, spec: LeafSpec, issuer: IssuerFacts): string | undefined {
  if (f.issuer !== issuer.subject) return `issued by ${f.issuer}, not ${issuer.subject}`;
  if (issuer.subjectKeyId && f.authorityKeyId && f.authorityKeyId !== issuer.subjectKeyId) return 'signed by another key of the CA name';
  if (f.isCA) return 'is a CA cert';
  if (f.commonName !== spec.commonName) return `CN ${f.commonName} != ${spec.commonName}`;
  if (!sameList([...f.organizations].sort(), [...spec.organizations].sort())) return `O [${f.organizations.join(',')}] != [${spec.organizations.join(',')}]`;
  if (!sameList(f.dnsNames, canonicalNames(spec.dnsNames))) return `DNS SANs changed (${f.dnsNames.join(',')} -> ${canonicalNames(spec.dnsNames).join(',')})`;
  if (!sameList(f.ipAddresses, canonicalIPs(spec.ipAddresses))) return `IP SANs changed (${f.ipAddresses.join(',')} -> ${canonicalIPs(spec.ipAddresses).join(',')})`;
  if (!sameList(f.extKeyUsages, canonicalUsages(spec.usages))) return `usages [${f.extKeyUsages.join(',')}] != [${canonicalUsages(spec.usages).join(',')}]`;
  return undefined;
}

/**
 * Decides what to do with one leaf. The key is kept whenever it is readable
 * (as k3s's `LoadOrGenerateKeyFile`): renewal answers expiry and changed
 * SANs, not key compromise, and keeping the key means a crash between
 * writing key and cert can never leave a pair that does not match. A
 * missing or unreadable key is replaced by a new one. Pure.
 */
export function decideLeaf(disk: LeafOnDisk, spec: LeafSpec, issuer: IssuerFacts, now: Date, opts: RenewalOptions = {}): LeafDecision {
  const reuseKey = disk.key === 'ok';
  if (disk.key === 'missing') return { action: 'issue', reason: 'key missing', reuseKey };
  if (disk.key === 'invalid') return { action: 'issue', reason: 'key unreadable', reuseKey };
  if ('missing' in disk.cert) return { action: 'issue', reason: 'cert missing', reuseKey };
  if ('invalid' in disk.cert) return { action: 'issue', reason: `cert unreadable: ${disk.cert.invalid}`, reuseKey };
  if (!disk.keyMatchesCert) return { action: 'issue', reason: 'cert does not match key', reuseKey };
  const mismatch = specMismatch(disk.cert.facts, spec, issuer);
  if (mismatch) return { action: 'issue', reason: mismatch, reuseKey };
  if (needsRenewal(disk.cert.facts, now, opts)) return { action: 'issue', reason: `expires ${disk.cert.facts.notAfter.toISOString()}`, reuseKey };
  return { action: 'keep' };
}
