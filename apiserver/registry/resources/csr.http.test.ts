/**
 * certificates.k8s.io/v1 CertificateSigningRequests through HTTP on the
 * full server over real etcd: the requester is stamped from the user, kube's
 * validation (request, signature, usages, signerName, expirationSeconds,
 * conditions, certificate), and the write rules of the main resource, the
 * status and the approval subresources.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../server.ts';
import { startEtcd, type TestEtcd } from '../../../testutil/etcd.ts';
import { quietLogger } from '../../../testutil/log.ts';
import { etcdSkipReason } from '../../../testutil/real-api.ts';
import { injector } from '../../routes/inject.test-helper.ts';
import { createCSRPem } from '../../../deploy/pki/csr.ts';
import { generateKeyPair } from '../../../deploy/pki/keys.ts';

const skip = etcdSkipReason();
let etcd: TestEtcd | undefined;
let client: Etcd3 | undefined;
let app: FastifyInstance;
const req = injector(() => app);
const C = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
const CERT = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');
let request = '';

before(async () => {
  if (skip) return;
  etcd = await startEtcd();
  client = new Etcd3({ hosts: etcd.endpoint });
  app = buildServer({ etcd: client, serviceCIDR: '10.96.0.0/12', log: quietLogger('test') }).app;
  const keys = await generateKeyPair(globalThis.crypto);
  request = Buffer.from(await createCSRPem(globalThis.crypto, keys, { commonName: 'system:node:n1', organizations: ['system:nodes'] })).toString('base64');
});
after(async () => {
  await app?.close();
  client?.close();
  await etcd?.stop();
});

const body = (name: string, spec: Record<string, unknown> = {}): Record<string, unknown> => ({
  apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name },
  spec: { request, signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'], ...spec },
});

test('create stamps the requester and starts with an empty status', { skip }, async () => {
  const r = await req('POST', C, { ...body('a', { username: 'mallory', groups: ['system:masters-not'] }), status: { certificate: CERT } });
  assert.equal(r.code, 201, r.raw);
  assert.equal(r.body.spec.username as unknown, 'system:admin');
  assert.ok((r.body.spec.groups as unknown as string[]).includes('system:masters'));
  assert.deepEqual(r.body.status as unknown, {});
});

test('create validation: kube\'s rules, each a 422 on its field', { skip }, async () => {
  const keys = await generateKeyPair(globalThis.crypto);
  const good = await createCSRPem(globalThis.crypto, keys, { commonName: 'x', organizations: [] });
  // Flip one byte inside the base64 of the signature (near the end of the DER).
  const lines = good.trim().split('\n');
  const last = lines[lines.length - 2] ?? '';
  lines[lines.length - 2] = `${last.slice(0, 4)}${last[4] === 'A' ? 'B' : 'A'}${last.slice(5)}`;
  const tampered = Buffer.from(`${lines.join('\n')}\n`).toString('base64');
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['no request', { request: '' }, 'spec.request'],
    ['not a CSR', { request: CERT }, 'spec.request'],
    ['bad signature', { request: tampered }, 'spec.request'],
    ['no usages', { usages: [] }, 'spec.usages'],
    ['unknown usage', { usages: ['client auth', 'teleport'] }, 'spec.usages[1]'],
    ['duplicate usage', { usages: ['client auth', 'client auth'] }, 'spec.usages[1]'],
    ['no signer', { signerName: '' }, 'spec.signerName'],
    ['signer without domain', { signerName: 'kubelet' }, 'spec.signerName'],
    ['short expiration', { expirationSeconds: 599 }, 'spec.expirationSeconds'],
  ];
  let i = 0;
  for (const [what, spec, field] of cases) {
    const r = await req('POST', C, body(`bad-${i++}`, spec));
    assert.equal(r.code, 422, `${what}: ${r.raw}`);
    assert.ok(r.raw.includes(`"field":"${field}"`), `${what}: ${r.raw}`);
    if (what === 'bad signature') assert.match(r.raw, /signature does not verify/);
  }
  assert.equal((await req('GET', `${C}/bad-2`)).code, 404, 'a refused create writes nothing');
});

test('main update keeps spec and status; approval sets conditions only; status keeps the decision', { skip }, async () => {
  assert.equal((await req('POST', C, body('b'))).code, 201);
  const cur = (await req('GET', `${C}/b`)).body;
  const upd = await req('PUT', `${C}/b`, { ...cur, metadata: { ...cur.metadata, labels: { x: 'y' } }, spec: { ...cur.spec, usages: ['server auth'] }, status: { certificate: CERT } });
  assert.equal(upd.code, 200, upd.raw);
  assert.equal(upd.body.metadata.labels.x as unknown, 'y');
  assert.deepEqual(upd.body.spec.usages as unknown, ['digital signature', 'client auth']);
  assert.deepEqual(upd.body.status as unknown, {});

  const appr = await req('PUT', `${C}/b/approval`, { ...upd.body, status: { certificate: CERT, conditions: [{ type: 'Approved', status: 'True', reason: 'Test', message: 'ok' }] } });
  assert.equal(appr.code, 200, appr.raw);
  assert.equal(appr.body.status.certificate as unknown, undefined, 'approval cannot set the certificate');
  const cond = appr.body.status.conditions.find((c) => (c.type as unknown) === 'Approved');
  assert.ok(cond && typeof (cond.lastUpdateTime as unknown) === 'string' && typeof (cond.lastTransitionTime as unknown) === 'string');

  const st = await req('PUT', `${C}/b/status`, { ...appr.body, status: { certificate: CERT, conditions: [] } });
  assert.equal(st.code, 200, st.raw);
  assert.equal(st.body.status.certificate as unknown, CERT);
  assert.ok(st.body.status.conditions.find((c) => (c.type as unknown) === 'Approved'), 'status updates keep Approved');

  const table = await req('GET', `${C}/b`, undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
  assert.equal(table.body.rows.map((r) => r.cells)[0]?.[5] as unknown, 'Approved,Issued');

  const recert = await req('PUT', `${C}/b/status`, { ...st.body, status: { ...st.body.status, certificate: Buffer.from('-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n').toString('base64') } });
  assert.equal(recert.code, 422, 'the certificate cannot change once set');
  const undo = await req('PUT', `${C}/b/approval`, { ...st.body, status: { conditions: [] } });
  assert.equal(undo.code, 422, 'an approval cannot be taken back');
  const both = await req('PUT', `${C}/b/approval`, { ...st.body, status: { conditions: [...(st.body.status.conditions as unknown as object[]), { type: 'Denied', status: 'True' }] } });
  assert.equal(both.code, 422, 'Approved and Denied exclude each other');
  const patched = await req('PATCH', `${C}/b/approval`, { metadata: { labels: { p: 'q' } } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(patched.code, 200, patched.raw);
  assert.equal(patched.body.status.certificate as unknown, CERT);
});
