import { test } from 'node:test';
import assert from 'node:assert/strict';
import { base32, endpointChainName, serviceChainName, servicePortName } from './chains.ts';

test('base32 matches RFC 4648 test vectors (unpadded)', () => {
  const cases: Array<[string, string]> = [
    ['', ''], ['f', 'MY'], ['fo', 'MZXQ'], ['foo', 'MZXW6'], ['foob', 'MZXW6YQ'], ['fooba', 'MZXW6YTB'], ['foobar', 'MZXW6YTBOI'],
  ];
  for (const [input, want] of cases) assert.equal(base32(new TextEncoder().encode(input)), want, input);
});

test('chain names equal the ones kube-proxy generates', () => {
  // Values from kube-proxy's own iptables proxier tests.
  assert.equal(serviceChainName('ns1/svc1:p80', 'tcp'), 'KUBE-SVC-XPGD46QRK7WJZT7O');
  assert.equal(endpointChainName('ns1/svc1:p80', 'tcp', '10.180.0.1:80'), 'KUBE-SEP-SXIVWICOYRO3J4NJ');
});

test('servicePortName omits an empty port name', () => {
  assert.equal(servicePortName('default', 'web', 'http'), 'default/web:http');
  assert.equal(servicePortName('default', 'web', ''), 'default/web');
  assert.equal(servicePortName('default', 'web', undefined), 'default/web');
});
