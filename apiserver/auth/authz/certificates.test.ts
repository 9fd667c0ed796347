/** The certificate admission checks (kube's CertificateApproval, CertificateSigning, CertificateSubjectRestriction) against a table authorizer. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1';
import type { AdmissionAttributes } from '../../registry/admission/chain.ts';
import { createCSRPem } from '../../../deploy/pki/csr.ts';
import { generateKeyPair } from '../../../deploy/pki/keys.ts';
import type { Attributes, Authorizer } from './attributes.ts';
import { certificatesAdmission } from './certificates.ts';

/** Allows exactly the `verb signers/name` strings in `grants`. */
const authorizer = (grants: string[]): Authorizer => ({
  authorize: (a: Attributes) => ({ decision: a.resource === 'signers' && grants.includes(`${a.verb} ${a.name}`) ? 'allow' : 'noOpinion', reason: '' }),
});
const csr = (signerName: string, status?: CertificateSigningRequest['status'], request = ''): CertificateSigningRequest => ({
  apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'c' }, spec: { request, signerName, usages: ['client auth'] }, ...(status ? { status } : {}),
});
const attrs = (operation: AdmissionAttributes['operation'], subresource: string | undefined, object: CertificateSigningRequest, oldObject?: CertificateSigningRequest): AdmissionAttributes => ({
  operation, group: 'certificates.k8s.io', version: 'v1', resource: 'certificatesigningrequests', kind: 'CertificateSigningRequest', subresource, name: 'c',
  object, oldObject, dryRun: false, user: { username: 'u', groups: [] },
});
const KUBELET = 'kubernetes.io/kube-apiserver-client-kubelet';

test('approval needs approve on the signer or its domain wildcard', async () => {
  const rows: Array<[string[], boolean]> = [[[], false], [[`approve ${KUBELET}`], true], [['approve kubernetes.io/*'], true], [[`sign ${KUBELET}`], false], [['approve example.com/*'], false]];
  for (const [grants, ok] of rows) {
    const r = await certificatesAdmission(() => authorizer(grants))(attrs('UPDATE', 'approval', csr(KUBELET), csr(KUBELET)));
    assert.equal(r === undefined, ok, grants.join(','));
    if (r) assert.match(r.message, /user not permitted to approve requests with signerName "kubernetes.io\/kube-apiserver-client-kubelet"/);
  }
});

test('status needs sign only when it changes the certificate', async () => {
  const plugin = (grants: string[]) => certificatesAdmission(() => authorizer(grants));
  const issued = csr(KUBELET, { certificate: 'AAAA' });
  assert.ok(await plugin([])(attrs('UPDATE', 'status', issued, csr(KUBELET))), 'setting the certificate without sign');
  assert.equal(await plugin([`sign ${KUBELET}`])(attrs('UPDATE', 'status', issued, csr(KUBELET))), undefined);
  assert.equal(await plugin([])(attrs('UPDATE', 'status', csr(KUBELET, { conditions: [{ type: 'Failed', status: 'True' }] }), csr(KUBELET))), undefined, 'a Failed condition needs no sign');
});

test('no system:masters through kube-apiserver-client', async () => {
  const keys = await generateKeyPair(globalThis.crypto);
  const req = async (o: string[]) => Buffer.from(await createCSRPem(globalThis.crypto, keys, { commonName: 'x', organizations: o })).toString('base64');
  const plugin = certificatesAdmission(() => authorizer([]));
  const masters = await plugin(attrs('CREATE', undefined, csr('kubernetes.io/kube-apiserver-client', undefined, await req(['system:masters']))));
  assert.match(masters?.message ?? '', /system:masters group is not allowed/);
  assert.equal(await plugin(attrs('CREATE', undefined, csr('kubernetes.io/kube-apiserver-client', undefined, await req(['devs'])))), undefined);
  assert.equal(await plugin(attrs('CREATE', undefined, csr(KUBELET, undefined, await req(['system:masters'])))), undefined, 'other signers judge their own subjects');
});
