import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Secret, ServiceAccount } from 'kubernetes-types/core/v1';
import { legacyClaims } from '../../apiserver/auth/authn/sa-claims.ts';
import { decideTokenSecret, SA_NAME_ANNOTATION, SA_TOKEN_SECRET_TYPE, SA_UID_ANNOTATION, type TokenSecretAction } from './decide.ts';

const PEM = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
const b64 = (s: string): string => Buffer.from(s).toString('base64');
/** A stand-in signer: the claims, visibly. */
const sign = (c: Record<string, unknown>): string => `signed:${JSON.stringify(c)}`;
const sa = (uid = 'sa-uid-1'): ServiceAccount => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'build', namespace: 'team', uid } });
const secret = (o: { data?: Record<string, string>; annotations?: Record<string, string>; type?: string; deleting?: boolean } = {}): Secret => ({
  apiVersion: 'v1', kind: 'Secret', type: o.type ?? SA_TOKEN_SECRET_TYPE,
  metadata: {
    name: 'build-token', namespace: 'team', uid: 'secret-uid', resourceVersion: '5',
    annotations: o.annotations ?? { [SA_NAME_ANNOTATION]: 'build' }, ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
  },
  ...(o.data ? { data: o.data } : {}),
});
const token = b64(sign(legacyClaims('team', 'build', 'sa-uid-1', 'build-token')));
const full = { token, namespace: b64('team'), 'ca.crt': b64(PEM) };
const annotated = { [SA_NAME_ANNOTATION]: 'build', [SA_UID_ANNOTATION]: 'sa-uid-1' };
const populated = (data: Record<string, string>, annotations: Record<string, string> = annotated): TokenSecretAction => ({ kind: 'populate', secret: secret({ data, annotations }) });

test('decideTokenSecret (Kubernetes tokens_controller syncSecret / generateTokenIfNeeded)', () => {
  const cases: Array<{ name: string; secret?: Secret; sa?: ServiceAccount; ca?: string; want: TokenSecretAction }> = [
    { name: 'empty secret: token, namespace, ca.crt and the uid annotation', secret: secret(), sa: sa(), want: populated(full) },
    { name: 'complete: nothing', secret: secret({ data: full, annotations: annotated }), sa: sa(), want: { kind: 'none' } },
    { name: 'complete without the uid annotation: nothing (kube sets it only when filling)', secret: secret({ data: full }), sa: sa(), want: { kind: 'none' } },
    { name: 'only the namespace missing: the token is kept', secret: secret({ data: { token: 'b2xk', 'ca.crt': b64(PEM) } }), sa: sa(), want: populated({ token: 'b2xk', 'ca.crt': b64(PEM), namespace: b64('team') }) },
    { name: 'empty token: signed anew', secret: secret({ data: { ...full, token: '' }, annotations: annotated }), sa: sa(), want: populated(full) },
    { name: 'stale CA: replaced', secret: secret({ data: { ...full, 'ca.crt': b64('old') }, annotations: annotated }), sa: sa(), want: populated(full) },
    { name: 'no CA configured: ca.crt left alone', secret: secret({ data: { token, namespace: b64('team') } }), sa: sa(), ca: '', want: { kind: 'none' } },
    { name: 'no CA configured, empty secret: no ca.crt key', secret: secret(), sa: sa(), ca: '', want: populated({ token, namespace: b64('team') }) },
    { name: 'other data and annotations kept', secret: secret({ annotations: { [SA_NAME_ANNOTATION]: 'build', mine: 'x' }, data: { extra: 'eQ==' } }), sa: sa(), want: populated({ extra: 'eQ==', ...full }, { ...annotated, mine: 'x' }) },
    { name: 'SA missing: delete with the secret uid', secret: secret({ data: full }), want: { kind: 'delete', uid: 'secret-uid', reason: 'service account team/build does not exist' } },
    { name: 'SA recreated (uid differs): delete', secret: secret({ data: full, annotations: annotated }), sa: sa('sa-uid-2'), want: { kind: 'delete', uid: 'secret-uid', reason: 'service account team/build has uid sa-uid-2, the secret names sa-uid-1' } },
    { name: 'another type: nothing', secret: secret({ type: 'Opaque' }), want: { kind: 'none' } },
    { name: 'no SA name annotation: nothing', secret: secret({ annotations: {} }), want: { kind: 'none' } },
    { name: 'being deleted: nothing', secret: secret({ deleting: true }), want: { kind: 'none' } },
    { name: 'gone: nothing', sa: sa(), want: { kind: 'none' } },
  ];
  for (const c of cases) assert.deepEqual(decideTokenSecret(c.secret, c.sa, c.ca ?? PEM, sign), c.want, c.name);
});

test('decideTokenSecret does not touch its input', () => {
  const s = secret();
  const before = structuredClone(s);
  decideTokenSecret(s, sa(), PEM, sign);
  assert.deepEqual(s, before);
});
