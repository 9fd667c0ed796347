/**
 * The pure rules of the CSR controllers, after Kubernetes:
 * - the kubelet client and serving request checks
 *   (pkg/apis/certificates/helpers.go ValidateKubeletClientCSR /
 *   ValidateKubeletServingCSR): O exactly [system:nodes], CN system:node:<n>,
 *   the allowed SANs and the exact usage sets;
 * - csrapproving (pkg/controller/certificates/approver/sarapprove.go): a
 *   pending kubernetes.io/kube-apiserver-client-kubelet request is approved
 *   after a SubjectAccessReview of `create certificatesigningrequests/selfnodeclient`
 *   (CN is the requester) or `…/nodeclient`;
 * - Skiff addition, k3s-like (k3s signs kubelet serving certs server-side for
 *   token holders): a kubernetes.io/kubelet-serving request is approved when a
 *   node asks for its own name (requester == CN == system:node:<n>), its DNS
 *   SANs are only <n> and localhost, and (once its Node exists) its IP SANs
 *   are the Node's addresses or loopback. Kube never auto-approves these;
 * - Skiff addition, k3s-like (k3s hands every agent a kube-proxy client
 *   cert): a kubernetes.io/kube-apiserver-client request for exactly
 *   CN system:kube-proxy (no O, no SANs, client auth) is approved after a
 *   SubjectAccessReview of `create certificatesigningrequests/kubeproxyclient`
 *   (granted to the join-token group by apiserver/auth/authz/policy-join.ts);
 *   the same for CN system:skiff-dns (the cluster DNS server) with
 *   `…/skiffdnsclient`;
 * - csrsigning (pkg/controller/certificates/signer): approved, unsigned,
 *   not failed requests of the kubelet client, kubelet serving and
 *   kube-apiserver-client signers are signed with the cluster CA for
 *   min(expirationSeconds, the signing duration); one that fails its
 *   signer's checks gets a Failed condition (reason SignerValidationFailure).
 */
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1';
import type { CSRFacts } from '../../deploy/pki/csr.ts';
import type { Usage } from '../../deploy/pki/specs.ts';

/** Kube's signer names. */
export const SIGNER = {
  apiserverClient: 'kubernetes.io/kube-apiserver-client',
  kubeletClient: 'kubernetes.io/kube-apiserver-client-kubelet',
  kubeletServing: 'kubernetes.io/kubelet-serving',
} as const;

const NODE_PREFIX = 'system:node:';
/** The proxy's user (deploy/pki clusterLeafSpecs). */
export const PROXY_USER = 'system:kube-proxy';
/** The cluster DNS server's user (deploy/pki clusterLeafSpecs). */
export const DNS_USER = 'system:skiff-dns';
/** kube-apiserver-client identities approved for join-token holders, with the virtual subresource each is reviewed against. */
const AGENT_CLIENTS: ReadonlyMap<string, { subresource: 'kubeproxyclient' | 'skiffdnsclient'; message: string }> = new Map([
  [PROXY_USER, { subresource: 'kubeproxyclient', message: 'Auto approving kube-proxy client certificate after SubjectAccessReview (Skiff, as k3s).' }],
  [DNS_USER, { subresource: 'skiffdnsclient', message: 'Auto approving cluster DNS client certificate after SubjectAccessReview (Skiff).' }],
] as const);
const sameSet = (a: readonly string[], b: readonly string[]): boolean => new Set(a).size === a.length && a.length === b.length && b.every((x) => a.includes(x));

/** Where a CSR stands. */
export type CSRState = 'pending' | 'approved' | 'denied' | 'failed' | 'issued';

/** The state from the conditions and certificate (kube's GetCertApprovalCondition + HasTrueCondition Failed). Pure. */
export function csrState(csr: CertificateSigningRequest): CSRState {
  const has = (t: string): boolean => (csr.status?.conditions ?? []).some((c) => c.type === t && c.status !== 'False');
  if (csr.status?.certificate) return 'issued';
  if (has('Denied')) return 'denied';
  if (has('Failed')) return 'failed';
  if (has('Approved')) return 'approved';
  return 'pending';
}

/** Problems of a kubelet client request (empty: valid). Pure. */
export function kubeletClientProblems(f: CSRFacts, usages: readonly string[]): string[] {
  const out: string[] = [];
  if (!sameSet(f.organizations, ['system:nodes'])) out.push('subject organization is not system:nodes');
  if (f.dnsNames.length > 0) out.push('DNS subjectAltNames are not allowed');
  if (f.emails.length > 0) out.push('Email subjectAltNames are not allowed');
  if (f.ipAddresses.length > 0) out.push('IP subjectAltNames are not allowed');
  if (f.uris.length > 0) out.push('URI subjectAltNames are not allowed');
  if (!f.commonName.startsWith(NODE_PREFIX)) out.push('subject common name does not begin with system:node:');
  if (!sameSet(usages, ['digital signature', 'client auth']) && !sameSet(usages, ['digital signature', 'key encipherment', 'client auth'])) {
    out.push('usages did not match [digital signature client auth] or [digital signature key encipherment client auth]');
  }
  return out;
}

/** Problems of a kubelet serving request (empty: valid). Pure. */
export function kubeletServingProblems(f: CSRFacts, usages: readonly string[]): string[] {
  const out: string[] = [];
  if (!sameSet(f.organizations, ['system:nodes'])) out.push('subject organization is not system:nodes');
  if (f.dnsNames.length === 0 && f.ipAddresses.length === 0) out.push('DNS or IP subjectAltName is required');
  if (f.emails.length > 0) out.push('Email subjectAltNames are not allowed');
  if (f.uris.length > 0) out.push('URI subjectAltNames are not allowed');
  if (!f.commonName.startsWith(NODE_PREFIX)) out.push('subject common name does not begin with system:node:');
  if (!sameSet(usages, ['digital signature', 'server auth']) && !sameSet(usages, ['digital signature', 'key encipherment', 'server auth'])) {
    out.push('usages did not match [digital signature server auth] or [digital signature key encipherment server auth]');
  }
  return out;
}

/** Problems of a kube-apiserver-client request: usages within {digital signature, key encipherment, client auth} with client auth. Pure. */
export function apiserverClientProblems(_f: CSRFacts, usages: readonly string[]): string[] {
  const allowed = ['digital signature', 'key encipherment', 'client auth'];
  if (!usages.includes('client auth') || usages.some((u) => !allowed.includes(u))) return ['usages must include client auth and only digital signature, key encipherment, client auth'];
  return [];
}

/** What the approver does with one CSR. */
export type ApprovalPlan =
  | { kind: 'skip'; why: string }
  /** Ask SubjectAccessReviews of `create certificatesigningrequests/<subresource>` in order; approve with the first allowed one's message. */
  | { kind: 'review'; checks: Array<{ subresource: 'selfnodeclient' | 'nodeclient' | 'kubeproxyclient' | 'skiffdnsclient'; message: string }> }
  | { kind: 'approve'; reason: string; message: string };

/** The Node facts the serving rule reads: its addresses; undefined when there is no Node yet. */
export interface NodeFacts {
  addresses: string[];
}

/**
 * Decides the approver's step for `csr` with parsed request `f` (undefined:
 * unparseable) and the Node named by its CN (`node`, for serving requests).
 * Pure.
 */
export function planApproval(csr: CertificateSigningRequest, f: CSRFacts | undefined, node?: NodeFacts): ApprovalPlan {
  if (csrState(csr) !== 'pending') return { kind: 'skip', why: 'already decided' };
  if (!f) return { kind: 'skip', why: 'request does not parse' };
  const usages = csr.spec?.usages ?? [];
  const signer = csr.spec?.signerName;
  if (signer === SIGNER.kubeletClient) {
    if (kubeletClientProblems(f, usages).length > 0) return { kind: 'skip', why: 'not a kubelet client request' };
    const checks: Array<{ subresource: 'selfnodeclient' | 'nodeclient' | 'kubeproxyclient'; message: string }> = [];
    if (f.commonName === csr.spec?.username) checks.push({ subresource: 'selfnodeclient', message: 'Auto approving self kubelet client certificate after SubjectAccessReview.' });
    checks.push({ subresource: 'nodeclient', message: 'Auto approving kubelet client certificate after SubjectAccessReview.' });
    return { kind: 'review', checks };
  }
  if (signer === SIGNER.kubeletServing) {
    if (kubeletServingProblems(f, usages).length > 0) return { kind: 'skip', why: 'not a kubelet serving request' };
    if (csr.spec?.username !== f.commonName) return { kind: 'skip', why: 'serving certificates are approved only for the node itself' };
    const nodeName = f.commonName.slice(NODE_PREFIX.length);
    if (f.dnsNames.some((d) => d !== nodeName && d !== 'localhost')) return { kind: 'skip', why: 'DNS names other than the node name and localhost' };
    if (node) {
      const ok = new Set([...node.addresses, '127.0.0.1', '::1']);
      if (f.ipAddresses.some((ip) => !ok.has(ip))) return { kind: 'skip', why: 'IP addresses that are not the node\'s' };
    }
    return { kind: 'approve', reason: 'AutoApproved', message: 'Auto approving kubelet serving certificate of the node itself (Skiff, as k3s).' };
  }
  if (signer === SIGNER.apiserverClient) {
    const agentClient = AGENT_CLIENTS.get(f.commonName);
    const bare = f.organizations.length === 0 && f.dnsNames.length + f.ipAddresses.length + f.emails.length + f.uris.length === 0;
    if (!agentClient || !bare || apiserverClientProblems(f, usages).length > 0) return { kind: 'skip', why: 'kube-apiserver-client requests are approved only for system:kube-proxy and system:skiff-dns' };
    return { kind: 'review', checks: [{ subresource: agentClient.subresource, message: agentClient.message }] };
  }
  return { kind: 'skip', why: 'signer not auto-approved' };
}

/** What the signer does with one CSR. */
export type SigningPlan =
  | { kind: 'skip'; why: string }
  | { kind: 'fail'; message: string }
  | { kind: 'sign'; usages: Usage[]; validityMs: number };

/** Default and maximum certificate lifetime: 1 year (kube --cluster-signing-duration 8760h). */
export const SIGNING_DURATION_MS = 365 * 24 * 3600 * 1000;

/** Decides the signer's step for `csr` with parsed request `f`; `maxMs` caps the lifetime (default 1 year). Pure. */
export function planSigning(csr: CertificateSigningRequest, f: CSRFacts | undefined, maxMs = SIGNING_DURATION_MS): SigningPlan {
  if (csrState(csr) !== 'approved') return { kind: 'skip', why: 'not approved or already done' };
  const signer = csr.spec?.signerName;
  const usages = csr.spec?.usages ?? [];
  const rules: Record<string, (f: CSRFacts, u: readonly string[]) => string[]> = {
    [SIGNER.kubeletClient]: kubeletClientProblems,
    [SIGNER.kubeletServing]: kubeletServingProblems,
    [SIGNER.apiserverClient]: apiserverClientProblems,
  };
  const check = signer === undefined ? undefined : rules[signer];
  if (!check) return { kind: 'skip', why: 'signer not served' };
  if (!f) return { kind: 'fail', message: 'unable to parse csr' };
  const problems = check(f, usages);
  if (problems.length > 0) return { kind: 'fail', message: problems.join(', ') };
  const eku: Usage[] = [];
  if (usages.includes('server auth')) eku.push('serverAuth');
  if (usages.includes('client auth')) eku.push('clientAuth');
  const asked = csr.spec?.expirationSeconds;
  const validityMs = asked === undefined ? maxMs : Math.min(asked * 1000, maxMs);
  return { kind: 'sign', usages: eku, validityMs };
}
