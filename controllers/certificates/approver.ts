/**
 * The csrapproving controller (kube-controller-manager's
 * pkg/controller/certificates/approver): watches CertificateSigningRequests
 * and approves, through certificatesigningrequests/approval, the pending
 * ones `planApproval` (decide.ts) accepts — kubelet client requests after a
 * SubjectAccessReview of the requester (selfnodeclient, then nodeclient),
 * and, as k3s, a node's own kubelet serving request. Keyed by CSR name;
 * level-based: a decided CSR is left alone. A request that was recognised
 * but whose reviews all said no is retried with backoff (kube returns an
 * error there too), so granting the RBAC later lets it through.
 * Deviation: kube PUTs …/approval (UpdateApproval); the client library has
 * no subresource PUT, so this merge-PATCHes the conditions with a
 * resourceVersion precondition. kube's certificate-controller role grants
 * only update there; Skiff's single controller-manager identity may patch
 * (policy-controllers.test.ts lists it as a call kube's role refuses).
 */
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1';
import type { Node } from 'kubernetes-types/core/v1';
import type { SubjectAccessReview } from 'kubernetes-types/authorization/v1';
import type { ReconcileResult } from '../../apiserver/client/controller.ts';
import type { Informer } from '../../apiserver/client/informer-types.ts';
import { CertificateSigningRequests, Nodes, SubjectAccessReviews } from '../../apiserver/client/resources.ts';
import { isConflict, isNotFound } from '../../apiserver/client/types.ts';
import { createWorkQueue } from '../../apiserver/client/workqueue.ts';
import { parseCSRPem, type CSRFacts } from '../../deploy/pki/csr.ts';
import type { ControllerDeps } from '../deps.ts';
import { runWhenSynced } from '../run.ts';
import { planApproval, SIGNER, type NodeFacts } from './decide.ts';

/** The parsed request of a CSR, or undefined when absent or unparseable. Pure. */
export function csrFacts(csr: CertificateSigningRequest): CSRFacts | undefined {
  const r = csr.spec?.request;
  if (!r) return undefined;
  const p = parseCSRPem(Buffer.from(r, 'base64').toString('utf8'));
  return 'error' in p ? undefined : p.facts;
}

/** The addresses of `node`. Pure. */
function nodeFacts(node: Node | undefined): NodeFacts | undefined {
  return node ? { addresses: (node.status?.addresses ?? []).map((a) => a.address) } : undefined;
}

/** The queue and reconcile of the approver, exposed for tests. */
export function createCSRApprover(deps: ControllerDeps) {
  const csrs: Informer<CertificateSigningRequest> = deps.informers.for<CertificateSigningRequest>(CertificateSigningRequests);
  const nodes: Informer<Node> = deps.informers.for<Node>(Nodes);
  const queue = createWorkQueue<string>({ metrics: deps.queueMetrics?.forQueue('csrapproving'), baseDelayMs: 500, maxDelayMs: 60_000 });
  const enqueue = (c: CertificateSigningRequest): void => { if (c.metadata?.name) queue.add(c.metadata.name); };
  csrs.addHandlers({ onAdd: enqueue, onUpdate: (_o, n) => enqueue(n) });

  const allowed = async (csr: CertificateSigningRequest, subresource: string): Promise<boolean> => {
    const spec = csr.spec;
    const sar: SubjectAccessReview = {
      apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
      spec: {
        user: spec?.username, groups: spec?.groups, uid: spec?.uid, extra: spec?.extra,
        resourceAttributes: { group: 'certificates.k8s.io', resource: 'certificatesigningrequests', subresource, verb: 'create' },
      },
    };
    const answer = await deps.client.create<SubjectAccessReview>(SubjectAccessReviews, sar);
    return answer.status?.allowed === true;
  };

  const approve = async (csr: CertificateSigningRequest, reason: string, message: string): Promise<void> => {
    const name = csr.metadata?.name ?? '';
    const conditions = [...(csr.status?.conditions ?? []), { type: 'Approved', status: 'True', reason, message }];
    try {
      await deps.client.patch(CertificateSigningRequests, name, 'merge', { metadata: { resourceVersion: csr.metadata?.resourceVersion }, status: { conditions } }, undefined, 'approval');
      deps.log.info('approved certificate signing request', { csr: name, signer: csr.spec?.signerName, requester: csr.spec?.username });
    } catch (e) {
      // Gone, or changed under us: the next event decides again.
      if (isNotFound(e) || isConflict(e)) return;
      throw e;
    }
  };

  const reconcile = async (name: string): Promise<ReconcileResult> => {
    const csr = csrs.get(name);
    if (!csr) return;
    const f = csrFacts(csr);
    const nodeName = f?.commonName.startsWith('system:node:') ? f.commonName.slice('system:node:'.length) : '';
    const plan = planApproval(csr, f, csr.spec?.signerName === SIGNER.kubeletServing && nodeName !== '' ? nodeFacts(nodes.get(nodeName)) : undefined);
    if (plan.kind === 'skip') return;
    if (plan.kind === 'approve') {
      await approve(csr, plan.reason, plan.message);
      return;
    }
    for (const check of plan.checks) {
      if (await allowed(csr, check.subresource)) {
        await approve(csr, 'AutoApproved', check.message);
        return;
      }
    }
    throw new Error(`recognized csr ${JSON.stringify(name)} as [${plan.checks.map((c) => c.subresource).join(' ')}] but subject access review was not approved`);
  };

  return { queue, reconcile };
}

/** Starts the approver: informers now, one worker once synced, until `signal` aborts. Never throws. */
export function startCSRApprovingController(deps: ControllerDeps, signal: AbortSignal): void {
  runWhenSynced(deps, 'csrapproving', createCSRApprover(deps), 1, signal);
}
