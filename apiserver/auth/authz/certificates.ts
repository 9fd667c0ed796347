/**
 * The certificate admission plugins of kube-apiserver
 * (plugin/pkg/admission/certificates/{approval,signing,subjectrestriction}),
 * as one validating plugin active with RBAC:
 * - CertificateApproval: an update of certificatesigningrequests/approval
 *   needs `approve` on `signers` (certificates.k8s.io) named the CSR's
 *   signerName or `<domain>/*`;
 * - CertificateSigning: an update of certificatesigningrequests/status that
 *   changes status.certificate needs `sign` on that signer likewise;
 * - CertificateSubjectRestriction: a CSR for kubernetes.io/kube-apiserver-client
 *   asking for the system:masters group is refused at create.
 * Refusals are 403 Forbidden with kube's messages.
 */
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1';
import { forbidden, type StatusError } from '../../api/errors.ts';
import type { AdmissionAttributes, AdmissionPlugin } from '../../registry/admission/chain.ts';
import { parseCSRPem } from '../../../deploy/pki/csr.ts';
import { resourceAttributes, type Authorizer } from './attributes.ts';

const group = 'certificates.k8s.io';

/** Whether `a.user` may `verb` the signer `signerName` (exact name, or the `<domain>/*` wildcard, as kube's IsAuthorizedForSignerName). */
function mayUseSigner(authorizer: Authorizer, a: AdmissionAttributes, verb: 'approve' | 'sign', signerName: string): boolean {
  if (!a.user) return false;
  const user = a.user;
  const ask = (name: string): boolean => authorizer.authorize(resourceAttributes(user, { verb, apiGroup: group, resource: 'signers', name })).decision === 'allow';
  const slash = signerName.indexOf('/');
  return ask(signerName) || (slash > 0 && ask(`${signerName.slice(0, slash)}/*`));
}

function deny(a: AdmissionAttributes, why: string): StatusError {
  return forbidden({ group, resource: a.resource, name: a.name }, why);
}

/** The plugin over `authorizer()` (read lazily: the union is built after the chain). */
export function certificatesAdmission(authorizer: () => Authorizer): AdmissionPlugin {
  return (a) => {
    if (a.group !== group || a.resource !== 'certificatesigningrequests') return undefined;
    const csr = a.object as CertificateSigningRequest;
    const signer = csr.spec?.signerName ?? '';
    if (a.operation === 'UPDATE' && a.subresource === 'approval') {
      if (!mayUseSigner(authorizer(), a, 'approve', signer)) return deny(a, `user not permitted to approve requests with signerName ${JSON.stringify(signer)}`);
      return undefined;
    }
    if (a.operation === 'UPDATE' && a.subresource === 'status') {
      const old = a.oldObject as CertificateSigningRequest | undefined;
      if ((old?.status?.certificate ?? '') === (csr.status?.certificate ?? '')) return undefined;
      if (!mayUseSigner(authorizer(), a, 'sign', signer)) return deny(a, `user not permitted to sign requests with signerName ${JSON.stringify(signer)}`);
      return undefined;
    }
    if (a.operation === 'CREATE' && !a.subresource && signer === 'kubernetes.io/kube-apiserver-client') {
      const pem = Buffer.from(csr.spec?.request ?? '', 'base64').toString('utf8');
      const p = parseCSRPem(pem);
      // An unparseable request is left to validation (422).
      if (!('error' in p) && p.facts.organizations.includes('system:masters')) {
        return deny(a, 'use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed');
      }
    }
    return undefined;
  };
}
