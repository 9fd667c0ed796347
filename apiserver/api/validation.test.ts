import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  dns1035LabelErrors, dns1123LabelErrors, dns1123SubdomainErrors, formatValue, labelValueErrors, portNameErrors,
  qualifiedNameErrors, required, unsupported, validateLabels, validatePortNumber, validateProtocol,
} from './validation.ts';

test('DNS-1123 subdomain', () => {
  const ok = ['a', 'example.com', 'web-1', 'a.b-c.d', 'x'.repeat(253)];
  const bad = ['', 'Web', '-a', 'a-', 'a_b', 'a..b', '.a', 'x'.repeat(254)];
  for (const v of ok) assert.deepEqual(dns1123SubdomainErrors(v), [], v);
  for (const v of bad) assert.ok(dns1123SubdomainErrors(v).length > 0, v);
  assert.match(dns1123SubdomainErrors('Web')[0]!, /^a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '\.', and must start and end with an alphanumeric character \(e\.g\. 'example\.com', regex used for validation is/);
  assert.deepEqual(dns1123SubdomainErrors('x'.repeat(254))[0], 'must be no more than 253 characters');
});

test('DNS-1123 label and DNS-1035 label', () => {
  assert.deepEqual(dns1123LabelErrors('nginx'), []);
  assert.deepEqual(dns1123LabelErrors('123-abc'), []);
  assert.ok(dns1123LabelErrors('a.b').length === 1);
  assert.deepEqual(dns1123LabelErrors('x'.repeat(64))[0], 'must be no more than 63 characters');
  assert.match(dns1123LabelErrors('A')[0]!, /^a lowercase RFC 1123 label must consist of/);
  assert.deepEqual(dns1035LabelErrors('my-svc'), []);
  assert.match(dns1035LabelErrors('1svc')[0]!, /^a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character/);
});

test('qualified names and label values', () => {
  const okKeys = ['app', 'app.kubernetes.io/name', 'a_b.c-d', 'K8s'];
  for (const k of okKeys) assert.deepEqual(qualifiedNameErrors(k), [], k);
  assert.deepEqual(qualifiedNameErrors('/x'), ['prefix part must be non-empty']);
  assert.deepEqual(qualifiedNameErrors('ex.com/'), ['name part must be non-empty']);
  assert.match(qualifiedNameErrors('-bad')[0]!, /^name part must consist of alphanumeric characters/);
  assert.match(qualifiedNameErrors('Bad_Prefix/x')[0]!, /^prefix part a lowercase RFC 1123 subdomain/);
  assert.ok(qualifiedNameErrors('a/b/c').length === 1);
  assert.deepEqual(labelValueErrors(''), []);
  assert.deepEqual(labelValueErrors('v1.2_x'), []);
  assert.ok(labelValueErrors('bad value').length === 1);
  assert.deepEqual(labelValueErrors('x'.repeat(64))[0], 'must be no more than 63 characters');
});

test('validateLabels reports key and value with Kubernetes wording', () => {
  const causes = validateLabels('metadata.labels', { 'good': 'ok', 'bad key!': 'v', k: 'bad value' });
  assert.equal(causes.length, 2);
  assert.equal(causes[0]!.field, 'metadata.labels');
  assert.equal(causes[0]!.reason, 'FieldValueInvalid');
  assert.match(causes[0]!.message, /^Invalid value: "bad key!": name part must consist/);
  assert.match(causes[1]!.message, /^Invalid value: "bad value": a valid label must be an empty string/);
});

test('ports, protocols, port names', () => {
  assert.deepEqual(validatePortNumber('p', 80), []);
  assert.equal(validatePortNumber('p', 0)[0]!.message, 'Invalid value: 0: must be between 1 and 65535, inclusive');
  assert.equal(validatePortNumber('p', 65536).length, 1);
  assert.equal(validatePortNumber('p', '80').length, 1);
  assert.deepEqual(validateProtocol('x', 'UDP'), []);
  assert.equal(validateProtocol('x', 'HTTP')[0]!.message, 'Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"');
  assert.deepEqual(portNameErrors('http'), []);
  assert.deepEqual(portNameErrors('http-alt2'), []);
  assert.ok(portNameErrors('a--b').includes('must not contain consecutive hyphens'));
  assert.ok(portNameErrors('1234').includes('must contain at least one letter (a-z)'));
  assert.ok(portNameErrors('averyveryverylongname').includes('must be no more than 15 characters'));
});

test('cause helpers format like Kubernetes', () => {
  assert.deepEqual(required('spec.containers'), { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers' });
  assert.equal(unsupported('spec.type', 'Foo', ['A', 'B']).message, 'Unsupported value: "Foo": supported values: "A", "B"');
  assert.equal(formatValue(['10.96.0.10']), '["10.96.0.10"]');
  assert.equal(formatValue(-1), '-1');
});
