/** The CA check that runs before an agent trusts anything (k3s validateCACerts), and the CSR outcome reading. */
import { test } from 'node:test';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1';
import assert from 'node:assert/strict';
import { caHash } from '../join/token.ts';
import { checkServerCA } from './cacerts.ts';
import { csrOutcome, describeRequestError } from './request-cert.ts';
import { ApiError } from '../../apiserver/client/types.ts';

const CA = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';

test('checkServerCA: only the exact bytes the token hashed, and only a PEM bundle', () => {
  assert.deepEqual(checkServerCA(caHash(CA), Buffer.from(CA)), { ok: true });
  assert.deepEqual(checkServerCA(caHash(CA).toUpperCase(), Buffer.from(CA)), { ok: true });
  const other = checkServerCA(caHash(CA), Buffer.from(CA.replace('fake', 'othr')));
  assert.ok('error' in other && /does not match the token/.test(other.error));
  const html = '<html>not a CA</html>';
  const notPem = checkServerCA(caHash(html), Buffer.from(html));
  assert.ok('error' in notPem && /not a PEM/.test(notPem.error));
});

test('csrOutcome: certificate, denial, failure, or still pending', () => {
  const base: CertificateSigningRequest = { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'node-csr-x' }, spec: { request: '', signerName: 's', usages: [] } };
  assert.equal(csrOutcome(base), undefined);
  assert.equal(csrOutcome({ ...base, status: { conditions: [{ type: 'Approved', status: 'True' }] } }), undefined);
  assert.deepEqual(csrOutcome({ ...base, status: { certificate: Buffer.from(CA).toString('base64') } }), { certPem: CA });
  const denied = csrOutcome({ ...base, status: { conditions: [{ type: 'Denied', status: 'True', reason: 'NoWay' }] } });
  assert.ok(denied && 'error' in denied && /denied: NoWay/.test(denied.error));
  const failed = csrOutcome({ ...base, status: { conditions: [{ type: 'Approved', status: 'True' }, { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: 'bad usages' }] } });
  assert.ok(failed && 'error' in failed && /failed: SignerValidationFailure bad usages/.test(failed.error));
});

test('describeRequestError names a refused token and a forbidden request', () => {
  const status = (code: number, reason: string) => new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code, reason, message: reason });
  assert.match(describeRequestError(status(401, 'Unauthorized')), /refused the join token \(401/);
  assert.match(describeRequestError(status(403, 'Forbidden')), /may not request node certificates \(403/);
  assert.match(describeRequestError(new Error('ECONNREFUSED')), /cannot reach the server: ECONNREFUSED/);
});
