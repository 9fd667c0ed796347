/**
 * certificates.k8s.io/v1 certificatesigningrequests (cluster-scoped), after
 * Kubernetes pkg/registry/certificates/certificates/strategy.go:
 * - create: spec.username/uid/groups/extra are the requester's (whatever
 *   the body says), the status starts empty; the request must parse
 *   (csr-rules.ts) and carry a valid self-signature (checked before the write);
 * - update (main resource): only metadata changes; spec and status are kept;
 * - status: only the status changes, and the Approved/Denied conditions are
 *   kept from the stored object (the csrsigning controller sets
 *   status.certificate or a Failed condition here);
 * - approval (PUT …/approval): only the conditions change (the certificate
 *   is kept), as `kubectl certificate approve|deny` does.
 * New conditions get lastUpdateTime/lastTransitionTime (populateConditionTimestamps).
 */
import type { CertificateSigningRequest, CertificateSigningRequestCondition } from 'kubernetes-types/certificates/v1';
import { invalid } from '../../api/errors.ts';
import { rfc3339 } from '../../api/time.ts';
import type { UserInfo } from '../../api/user.ts';
import type { ResourceDef, SubresourceStrategy } from '../types.ts';
import { csrSignatureValid, parseCSRPem } from '../../../deploy/pki/csr.ts';
import { ageCell, column, standardVerbs } from './common.ts';
import { conditionCell, requestPem, validateCSR, validateCSRUpdate } from './csr-rules.ts';
import { fitsShape, list, map, obj, shapeCauses, type Shape } from './shape.ts';

type CSR = CertificateSigningRequest;

/** The fields the strategy and table read. */
export const csrShape: Shape = obj({
  spec: obj({ request: 'string', signerName: 'string', usages: list('string'), expirationSeconds: 'int32', username: 'string', uid: 'string', groups: list('string'), extra: map(list('string')) }),
  status: obj({ certificate: 'string', conditions: list(obj({ type: 'string', status: 'string', reason: 'string', message: 'string', lastUpdateTime: 'string', lastTransitionTime: 'string' })) }),
});

/** Stamps lastUpdateTime/lastTransitionTime on conditions that lack them, at `nowMs`. */
export function populateConditionTimestamps(csr: CSR, old: CSR | undefined, nowMs: number): void {
  const now = rfc3339(nowMs);
  for (const c of csr.status?.conditions ?? []) {
    c.lastUpdateTime ??= now;
    if (c.lastTransitionTime) continue;
    const before = old?.status?.conditions?.find((o) => o.type === c.type);
    c.lastTransitionTime = before && before.status === c.status && before.lastTransitionTime ? before.lastTransitionTime : now;
  }
}

/** Keeps the Approved and Denied conditions exactly as stored (preserveConditionInstances). */
function preserveDecisions(next: CSR, old: CSR): void {
  const isDecision = (c: CertificateSigningRequestCondition): boolean => c.type === 'Approved' || c.type === 'Denied';
  const others = (next.status?.conditions ?? []).filter((c) => !isDecision(c));
  const kept = (old.status?.conditions ?? []).filter(isDecision).map((c) => structuredClone(c));
  next.status = { ...(next.status ?? {}), conditions: [...kept, ...others] };
  if (next.status.conditions?.length === 0) delete next.status.conditions;
}

/** The requester as spec fields. */
function stampRequester(csr: CSR, user: UserInfo | undefined): void {
  const spec = csr.spec ?? ({ request: '', signerName: '', usages: [] } as CSR['spec']);
  delete spec.username; delete spec.uid; delete spec.groups; delete spec.extra;
  if (user) {
    spec.username = user.username;
    if (user.uid) spec.uid = user.uid;
    if (user.groups.length > 0) spec.groups = [...user.groups];
    if (user.extra && Object.keys(user.extra).length > 0) spec.extra = structuredClone(user.extra);
  }
  csr.spec = spec;
}

/** certificatesigningrequests/approval: conditions only (csrApprovalStrategy). */
export const approvalStrategy: SubresourceStrategy<CSR> = {
  prepareForUpdate(next, old) {
    next.spec = structuredClone(old.spec);
    const cert = old.status?.certificate;
    next.status = { ...(next.status ?? {}) };
    if (cert === undefined) delete next.status.certificate;
    else next.status.certificate = cert;
    populateConditionTimestamps(next, old, Date.now());
  },
  validateUpdate(next, old) {
    const name = next.metadata?.name ?? '';
    const shape = shapeCauses(next, csrShape);
    if (shape.length > 0) return invalid('CertificateSigningRequest', 'certificates.k8s.io', name, shape);
    const causes = fitsShape(old, csrShape) ? validateCSRUpdate(next, old) : validateCSR(next);
    return causes.length > 0 ? invalid('CertificateSigningRequest', 'certificates.k8s.io', name, causes) : undefined;
  },
};

/** The certificatesigningrequests resource definition. */
export function csrResource(): ResourceDef<CSR> {
  return {
    group: 'certificates.k8s.io', version: 'v1', resource: 'certificatesigningrequests', kind: 'CertificateSigningRequest', listKind: 'CertificateSigningRequestList',
    singular: 'certificatesigningrequest', namespaced: false, shortNames: ['csr'], categories: [], verbs: standardVerbs, subresources: ['approval', 'status'],
    subresourceStrategies: { approval: approvalStrategy },
    strategy: {
      prepareForCreate(csr, user) {
        stampRequester(csr, user);
        csr.status = {};
      },
      prepareForUpdate(next, old) {
        next.spec = structuredClone(old.spec);
        if (old.status === undefined) delete next.status;
        else next.status = structuredClone(old.status);
      },
      prepareForStatusUpdate(next, old) {
        preserveDecisions(next, old);
        populateConditionTimestamps(next, old, Date.now());
      },
      validate: validateCSR,
      validateUpdate: validateCSRUpdate,
      async beforeCreate(csr) {
        const pem = requestPem(csr) ?? '';
        const p = parseCSRPem(pem);
        const ok = !('error' in p) && await csrSignatureValid(p.csr, globalThis.crypto);
        if (!ok) {
          throw invalid('CertificateSigningRequest', 'certificates.k8s.io', csr.metadata?.name ?? '', [
            { reason: 'FieldValueInvalid', field: 'spec.request', message: 'Invalid value: "<request data>": x509: the request\'s signature does not verify' },
          ]);
        }
      },
      selectableFields: (csr) => ({ 'spec.signerName': csr.spec?.signerName ?? '' }),
    },
    table: {
      columns: [
        column('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.'),
        column('SignerName', 'Name of the signer'),
        column('Requestor', 'Name of the requestor'),
        column('RequestedDuration', 'Requested duration of the certificate'),
        column('Condition', 'State of the signing request'),
      ],
      cells: (csr, now) => {
        const exp = csr.spec?.expirationSeconds;
        return [ageCell(csr, now), csr.spec?.signerName ?? '', csr.spec?.username ?? '', exp === undefined ? '<none>' : `${Math.round(exp / 60)}m`, conditionCell(csr)];
      },
    },
  };
}
