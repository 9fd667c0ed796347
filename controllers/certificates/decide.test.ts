/** Table tests of the CSR approval and signing decisions (kube sarapprove.go / signer, plus Skiff's k3s-like serving rule). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1';
import type { CSRFacts } from '../../deploy/pki/csr.ts';
import { csrState, planApproval, planSigning, SIGNER, SIGNING_DURATION_MS } from './decide.ts';

const facts = (over: Partial<CSRFacts> = {}): CSRFacts => ({ commonName: 'system:node:n1', organizations: ['system:nodes'], dnsNames: [], ipAddresses: [], emails: [], uris: [], ...over });
const csr = (signerName: string, usages: string[], over: { username?: string; status?: CertificateSigningRequest['status']; expirationSeconds?: number } = {}): CertificateSigningRequest => ({
  apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'c' },
  spec: { request: 'x', signerName, usages, username: over.username ?? 'system:bootstrap:abcdef', ...(over.expirationSeconds !== undefined ? { expirationSeconds: over.expirationSeconds } : {}) },
  ...(over.status ? { status: over.status } : {}),
});
const clientUsages = ['digital signature', 'client auth'];
const servingUsages = ['digital signature', 'server auth'];
const approved = { conditions: [{ type: 'Approved', status: 'True' }] };

test('csrState reads conditions and the certificate', () => {
  assert.equal(csrState(csr(SIGNER.kubeletClient, clientUsages)), 'pending');
  assert.equal(csrState(csr(SIGNER.kubeletClient, clientUsages, { status: approved })), 'approved');
  assert.equal(csrState(csr(SIGNER.kubeletClient, clientUsages, { status: { conditions: [{ type: 'Denied', status: 'True' }] } })), 'denied');
  assert.equal(csrState(csr(SIGNER.kubeletClient, clientUsages, { status: { conditions: [{ type: 'Approved', status: 'True' }, { type: 'Failed', status: 'True' }] } })), 'failed');
  assert.equal(csrState(csr(SIGNER.kubeletClient, clientUsages, { status: { ...approved, certificate: 'AAAA' } })), 'issued');
});

test('planApproval', () => {
  const rows: Array<{ name: string; c: CertificateSigningRequest; f?: CSRFacts; node?: { addresses: string[] }; want: string }> = [
    { name: 'bootstrap token asks for a node client cert → nodeclient review', c: csr(SIGNER.kubeletClient, clientUsages), f: facts(), want: 'review:nodeclient' },
    { name: 'a node renews its own client cert → selfnodeclient, then nodeclient', c: csr(SIGNER.kubeletClient, clientUsages, { username: 'system:node:n1' }), f: facts(), want: 'review:selfnodeclient,nodeclient' },
    { name: 'with key encipherment (RSA) too', c: csr(SIGNER.kubeletClient, ['digital signature', 'key encipherment', 'client auth']), f: facts(), want: 'review:nodeclient' },
    { name: 'not system:nodes', c: csr(SIGNER.kubeletClient, clientUsages), f: facts({ organizations: ['system:masters'] }), want: 'skip' },
    { name: 'extra organization', c: csr(SIGNER.kubeletClient, clientUsages), f: facts({ organizations: ['system:nodes', 'system:masters'] }), want: 'skip' },
    { name: 'CN not a node', c: csr(SIGNER.kubeletClient, clientUsages), f: facts({ commonName: 'admin' }), want: 'skip' },
    { name: 'client cert with a SAN', c: csr(SIGNER.kubeletClient, clientUsages), f: facts({ dnsNames: ['n1'] }), want: 'skip' },
    { name: 'client cert asking server auth', c: csr(SIGNER.kubeletClient, ['digital signature', 'client auth', 'server auth']), f: facts(), want: 'skip' },
    { name: 'already approved', c: csr(SIGNER.kubeletClient, clientUsages, { status: approved }), f: facts(), want: 'skip' },
    { name: 'unparseable request', c: csr(SIGNER.kubeletClient, clientUsages), want: 'skip' },
    { name: 'kube-apiserver-client for a node name is not auto-approved', c: csr(SIGNER.apiserverClient, clientUsages), f: facts(), want: 'skip' },
    { name: 'kube-proxy client cert → kubeproxyclient review', c: csr(SIGNER.apiserverClient, clientUsages), f: facts({ commonName: 'system:kube-proxy', organizations: [] }), want: 'review:kubeproxyclient' },
    { name: 'cluster DNS client cert → skiffdnsclient review', c: csr(SIGNER.apiserverClient, clientUsages), f: facts({ commonName: 'system:skiff-dns', organizations: [] }), want: 'review:skiffdnsclient' },
    { name: 'cluster DNS with a group', c: csr(SIGNER.apiserverClient, clientUsages), f: facts({ commonName: 'system:skiff-dns', organizations: ['system:masters'] }), want: 'skip' },
    { name: 'kube-proxy with a group', c: csr(SIGNER.apiserverClient, clientUsages), f: facts({ commonName: 'system:kube-proxy', organizations: ['system:masters'] }), want: 'skip' },
    { name: 'kube-proxy with a SAN', c: csr(SIGNER.apiserverClient, clientUsages), f: facts({ commonName: 'system:kube-proxy', organizations: [], dnsNames: ['x'] }), want: 'skip' },
    { name: 'kube-proxy asking server auth', c: csr(SIGNER.apiserverClient, ['client auth', 'server auth']), f: facts({ commonName: 'system:kube-proxy', organizations: [] }), want: 'skip' },
    { name: 'admin via kube-apiserver-client', c: csr(SIGNER.apiserverClient, clientUsages), f: facts({ commonName: 'system:admin', organizations: [] }), want: 'skip' },
    { name: 'a node\'s own serving cert (no Node yet)', c: csr(SIGNER.kubeletServing, servingUsages, { username: 'system:node:n1' }), f: facts({ dnsNames: ['n1', 'localhost'], ipAddresses: ['10.0.0.5', '127.0.0.1'] }), want: 'approve' },
    { name: 'serving cert whose IPs are the Node\'s', c: csr(SIGNER.kubeletServing, servingUsages, { username: 'system:node:n1' }), f: facts({ dnsNames: ['n1'], ipAddresses: ['10.0.0.5'] }), node: { addresses: ['10.0.0.5', 'n1'] }, want: 'approve' },
    { name: 'serving cert claiming another IP than the Node\'s', c: csr(SIGNER.kubeletServing, servingUsages, { username: 'system:node:n1' }), f: facts({ ipAddresses: ['10.0.0.9'] }), node: { addresses: ['10.0.0.5'] }, want: 'skip' },
    { name: 'serving cert asked by a bootstrap token', c: csr(SIGNER.kubeletServing, servingUsages), f: facts({ dnsNames: ['n1'] }), want: 'skip' },
    { name: 'serving cert for another node', c: csr(SIGNER.kubeletServing, servingUsages, { username: 'system:node:n2' }), f: facts({ dnsNames: ['n1'] }), want: 'skip' },
    { name: 'serving cert with a foreign DNS name', c: csr(SIGNER.kubeletServing, servingUsages, { username: 'system:node:n1' }), f: facts({ dnsNames: ['n1', 'kubernetes.default'] }), want: 'skip' },
    { name: 'serving cert without any SAN', c: csr(SIGNER.kubeletServing, servingUsages, { username: 'system:node:n1' }), f: facts(), want: 'skip' },
    { name: 'serving cert with client auth', c: csr(SIGNER.kubeletServing, ['digital signature', 'server auth', 'client auth'], { username: 'system:node:n1' }), f: facts({ dnsNames: ['n1'] }), want: 'skip' },
    { name: 'some other signer', c: csr('example.com/signer', clientUsages), f: facts(), want: 'skip' },
  ];
  for (const r of rows) {
    const p = planApproval(r.c, r.f, r.node);
    const got = p.kind === 'review' ? `review:${p.checks.map((c) => c.subresource).join(',')}` : p.kind;
    assert.equal(got, r.want, r.name);
  }
});

test('planSigning', () => {
  const rows: Array<{ name: string; c: CertificateSigningRequest; f?: CSRFacts; want: string }> = [
    { name: 'approved kubelet client', c: csr(SIGNER.kubeletClient, clientUsages, { status: approved }), f: facts(), want: 'sign:clientAuth' },
    { name: 'approved kubelet serving', c: csr(SIGNER.kubeletServing, servingUsages, { status: approved }), f: facts({ dnsNames: ['n1'] }), want: 'sign:serverAuth' },
    { name: 'approved apiserver client', c: csr(SIGNER.apiserverClient, ['client auth'], { status: approved }), f: facts({ organizations: [], commonName: 'alice' }), want: 'sign:clientAuth' },
    { name: 'pending', c: csr(SIGNER.kubeletClient, clientUsages), f: facts(), want: 'skip' },
    { name: 'denied', c: csr(SIGNER.kubeletClient, clientUsages, { status: { conditions: [{ type: 'Denied', status: 'True' }] } }), f: facts(), want: 'skip' },
    { name: 'already issued', c: csr(SIGNER.kubeletClient, clientUsages, { status: { ...approved, certificate: 'AAAA' } }), f: facts(), want: 'skip' },
    { name: 'approved but not a kubelet client request', c: csr(SIGNER.kubeletClient, clientUsages, { status: approved }), f: facts({ organizations: ['system:masters'] }), want: 'fail' },
    { name: 'approved apiserver client asking server auth', c: csr(SIGNER.apiserverClient, ['client auth', 'server auth'], { status: approved }), f: facts(), want: 'fail' },
    { name: 'approved, request unparseable', c: csr(SIGNER.kubeletClient, clientUsages, { status: approved }), want: 'fail' },
    { name: 'approved for a signer Skiff does not run', c: csr('example.com/signer', clientUsages, { status: approved }), f: facts(), want: 'skip' },
  ];
  for (const r of rows) {
    const p = planSigning(r.c, r.f);
    const got = p.kind === 'sign' ? `sign:${p.usages.join(',')}` : p.kind;
    assert.equal(got, r.want, r.name);
  }
});

test('planSigning caps the lifetime at the signing duration and honours a shorter expirationSeconds', () => {
  const one = planSigning(csr(SIGNER.kubeletClient, clientUsages, { status: approved }), facts());
  assert.ok(one.kind === 'sign' && one.validityMs === SIGNING_DURATION_MS);
  const short = planSigning(csr(SIGNER.kubeletClient, clientUsages, { status: approved, expirationSeconds: 3600 }), facts());
  assert.ok(short.kind === 'sign' && short.validityMs === 3_600_000);
  const long = planSigning(csr(SIGNER.kubeletClient, clientUsages, { status: approved, expirationSeconds: 10 * 365 * 86400 }), facts());
  assert.ok(long.kind === 'sign' && long.validityMs === SIGNING_DURATION_MS);
});
