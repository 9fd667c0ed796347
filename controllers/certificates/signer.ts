/**
 * The csrsigning controller (pkg/controller/certificates/signer): signs
 * approved CertificateSigningRequests of the kubelet client, kubelet
 * serving and kube-apiserver-client signers with the cluster CA
 * (`--cluster-signing-cert-file` / `--cluster-signing-key-file`), writing
 * status.certificate (PEM, base64 in JSON) through the status subresource;
 * a request that fails its signer's checks gets the condition
 * Failed/SignerValidationFailure instead. Certificates: the request's
 * subject and SANs, its usages as extended key usages, valid from the CA's
 * notBefore to now + min(expirationSeconds, 1 year) (deploy/pki issueLeaf).
 * Without a CA configured the controller does nothing (kube skips it too).
 */
import { readFileSync } from 'node:fs';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1';
import type { ReconcileResult } from '../../apiserver/client/controller.ts';
import type { Informer } from '../../apiserver/client/informer-types.ts';
import { CertificateSigningRequests } from '../../apiserver/client/resources.ts';
import { isConflict, isNotFound } from '../../apiserver/client/types.ts';
import { createWorkQueue } from '../../apiserver/client/workqueue.ts';
import type { CertAuthority } from '../../deploy/pki/ca.ts';
import { parseCSRPem } from '../../deploy/pki/csr.ts';
import { keyPairFromPem } from '../../deploy/pki/keys.ts';
import { issueLeaf } from '../../deploy/pki/leaf.ts';
import { x509 } from '../../deploy/pki/x509.ts';
import type { ControllerDeps } from '../deps.ts';
import { runWhenSynced } from '../run.ts';
import { planSigning } from './decide.ts';

/** Loads the signing CA from PEM files. Throws naming the file when either is unreadable. */
export async function loadSigningCA(certFile: string, keyFile: string): Promise<CertAuthority> {
  const certPem = readFileSync(certFile, 'utf8');
  const k = await keyPairFromPem(globalThis.crypto, readFileSync(keyFile, 'utf8'));
  if ('error' in k) throw new Error(`${keyFile}: signing key unreadable: ${k.error}`);
  return { cert: new x509.X509Certificate(certPem), keys: k.keys, certPem };
}

/** The queue and reconcile of the signer over `ca`, exposed for tests; `now` in ms. */
export function createCSRSigner(deps: ControllerDeps, ca: CertAuthority, now: () => number = Date.now) {
  const csrs: Informer<CertificateSigningRequest> = deps.informers.for<CertificateSigningRequest>(CertificateSigningRequests);
  const queue = createWorkQueue<string>({ metrics: deps.queueMetrics?.forQueue('csrsigning'), baseDelayMs: 200, maxDelayMs: 30_000 });
  const enqueue = (c: CertificateSigningRequest): void => { if (c.metadata?.name) queue.add(c.metadata.name); };
  csrs.addHandlers({ onAdd: enqueue, onUpdate: (_o, n) => enqueue(n) });

  const reconcile = async (name: string): Promise<ReconcileResult> => {
    const csr = csrs.get(name);
    if (!csr) return;
    const pem = Buffer.from(csr.spec?.request ?? '', 'base64').toString('utf8');
    const parsed = parseCSRPem(pem);
    const plan = planSigning(csr, 'error' in parsed ? undefined : parsed.facts);
    if (plan.kind === 'skip') return;
    const next = structuredClone(csr);
    next.status ??= {};
    if (plan.kind === 'fail' || 'error' in parsed) {
      const message = plan.kind === 'fail' ? plan.message : 'unable to parse csr';
      next.status.conditions = [...(next.status.conditions ?? []), { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message }];
    } else {
      const f = parsed.facts;
      const publicKey = await parsed.csr.publicKey.export(globalThis.crypto);
      const cert = await issueLeaf(globalThis.crypto, ca, {
        name: '', ca: 'cluster', commonName: f.commonName, organizations: f.organizations, dnsNames: f.dnsNames, ipAddresses: f.ipAddresses, usages: plan.usages,
      }, publicKey, new Date(now()), plan.validityMs);
      next.status.certificate = Buffer.from(cert.toString('pem'), 'utf8').toString('base64');
    }
    try {
      await deps.client.updateStatus(CertificateSigningRequests, next);
      deps.log.info(plan.kind === 'sign' ? 'signed certificate signing request' : 'certificate signing request failed validation', { csr: name, signer: csr.spec?.signerName });
    } catch (e) {
      if (isNotFound(e) || isConflict(e)) return;
      throw e;
    }
  };
  return { queue, reconcile };
}

/**
 * Starts the signer when `deps.config.clusterSigning` names the CA files:
 * loads them (a load failure is logged and the controller stays off), then
 * one worker once the informers synced, until `signal` aborts. Never throws.
 */
export function startCSRSigningController(deps: ControllerDeps, signal: AbortSignal): void {
  const files = deps.config.clusterSigning;
  if (!files) {
    deps.log.info('csrsigning: no --cluster-signing-cert-file/--cluster-signing-key-file; not signing');
    return;
  }
  // The key import is async; the informer factory starts informers created after its start too.
  loadSigningCA(files.certFile, files.keyFile).then((ca) => {
    if (!signal.aborted) runWhenSynced(deps, 'csrsigning', createCSRSigner(deps, ca), 1, signal);
  }).catch((e: unknown) => deps.log.error('csrsigning: cannot load the signing CA; not signing', { err: e }));
}
