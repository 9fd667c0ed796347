import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { findLeaks, keyNeedles, tokenNeedles } from './leaks.ts';

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const body = pem.split('\n').filter((l) => l !== '' && !l.startsWith('-----')).join('');
const token = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6YTpiIn0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbi1mb3ItdGhlLXRlc3Q';

test('keyNeedles: one needle per long body line plus the base64-of-PEM slice; none for a certificate', () => {
  const needles = keyNeedles('k', pem);
  assert.ok(needles.length >= 2);
  assert.ok(needles.every((n) => n.value.length >= 24));
  assert.equal(keyNeedles('c', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').length, 0);
});

test('findLeaks: the ways a key or token can show up in a log, and clean text', () => {
  const needles = [...keyNeedles('sa key', pem), ...tokenNeedles('pod token', token)];
  const table: Array<[string, string, string[]]> = [
    ['clean', 'level=info msg="serving on :6443"\nGET /api 200', []],
    ['PEM marker', `x\n${pem}`, ['the text "PRIVATE KEY"']],
    ['key base64 on one line', `{"key":"${body}"}`, ['sa key line 1']],
    ['key as kubeconfig data', `client-key-data: ${Buffer.from(pem).toString('base64')}`, ['sa key as base64 PEM']],
    ['whole token', `Authorization: Bearer ${token}`, ['pod token', 'pod token (signature part)']],
    ['token signature only', `sig=${token.split('.')[2]}`, ['pod token (signature part)']],
    ['token header and claims only (no secret)', token.split('.').slice(0, 2).join('.'), []],
  ];
  for (const [name, text, want] of table) {
    const got = [...new Set(findLeaks(text, needles).map((l) => l.label))];
    for (const w of want) assert.ok(got.includes(w), `${name}: expected ${w} in ${JSON.stringify(got)}`);
    if (want.length === 0) assert.deepEqual(got, [], name);
  }
});

test('findLeaks reports 1-based line numbers and ignores short needles', () => {
  assert.deepEqual(findLeaks('a\nb short\nc', [{ label: 's', value: 'short' }]), []);
  assert.deepEqual(findLeaks('a\nhere 0123456789abcdefghijklmnop', [{ label: 'n', value: '0123456789abcdefghijklmnop' }]), [{ label: 'n', line: 2 }]);
});
