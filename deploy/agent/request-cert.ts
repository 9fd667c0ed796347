/**
 * One certificate through the CSR API, as the kubelet's bootstrap
 * (k8s.io/client-go/util/certificate/csr RequestCertificate +
 * WaitForCertificate): create a CertificateSigningRequest
 * (certificates.k8s.io/v1, generateName `node-csr-`), then poll it until the
 * controller-manager has approved and signed it. Denied, Failed and a
 * timeout are errors as values; so are the API's 401 (bad token) and 403.
 */
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1';
import type { ApiClient } from '../../apiserver/client/types.ts';
import { ApiError } from '../../apiserver/client/types.ts';
import { CertificateSigningRequests } from '../../apiserver/client/resources.ts';

/** What to ask for. */
export interface CertificateRequest {
  /** The PKCS#10 request, PEM. */
  csrPem: string;
  signerName: string;
  usages: string[];
}

/** How long to wait (ms) and how often to look (ms). */
export interface WaitOptions {
  timeoutMs: number;
  pollMs: number;
  /** Resolves after `ms` (injectable for tests; default setTimeout). */
  sleep?: (ms: number) => Promise<void>;
}

/** The operator-facing text of an API failure while requesting. Pure. */
export function describeRequestError(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.code === 401) return 'the server refused the join token (401 Unauthorized): check --token against the server\'s <data-dir>/agent-token (or its <data-dir>/token)';
    if (e.code === 403) return `the join token may not request node certificates (403 Forbidden: ${e.message})`;
    return `the server answered ${e.code} ${e.reason}: ${e.message}`;
  }
  return `cannot reach the server: ${e instanceof Error ? e.message : String(e)}`;
}

/** The issued certificate PEM of `csr`, or the reason it will never come, or undefined while pending. Pure. */
export function csrOutcome(csr: CertificateSigningRequest): { certPem: string } | { error: string } | undefined {
  if (csr.status?.certificate) return { certPem: Buffer.from(csr.status.certificate, 'base64').toString('utf8') };
  for (const c of csr.status?.conditions ?? []) {
    if (c.status === 'False') continue;
    if (c.type === 'Denied') return { error: `certificate signing request ${csr.metadata?.name ?? ''} was denied: ${c.reason ?? ''} ${c.message ?? ''}`.trim() };
    if (c.type === 'Failed') return { error: `certificate signing request ${csr.metadata?.name ?? ''} failed: ${c.reason ?? ''} ${c.message ?? ''}`.trim() };
  }
  return undefined;
}

/** Requests one certificate (see the file doc). Resolves the certificate PEM or an error value; never throws. */
export async function requestCertificate(client: ApiClient, r: CertificateRequest, w: WaitOptions): Promise<{ certPem: string } | { error: string }> {
  const sleep = w.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let created: CertificateSigningRequest;
  try {
    created = await client.create<CertificateSigningRequest>(CertificateSigningRequests, {
      apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest',
      metadata: { generateName: 'node-csr-' },
      spec: { request: Buffer.from(r.csrPem, 'utf8').toString('base64'), signerName: r.signerName, usages: r.usages },
    });
  } catch (e) {
    return { error: describeRequestError(e) };
  }
  const name = created.metadata?.name ?? '';
  const deadline = Date.now() + w.timeoutMs;
  let cur = created;
  for (;;) {
    const out = csrOutcome(cur);
    if (out) return out;
    if (Date.now() >= deadline) {
      return { error: `certificate signing request ${name} was not approved and signed within ${Math.round(w.timeoutMs / 1000)}s (is the controller-manager running with --cluster-signing-cert-file?)` };
    }
    await sleep(w.pollMs);
    try {
      cur = await client.get<CertificateSigningRequest>(CertificateSigningRequests, name);
    } catch (e) {
      return { error: describeRequestError(e) };
    }
  }
}
