import assert from 'node:assert/strict';
import { test } from 'node:test';
import { urlToHttpOptions } from 'node:url';
import { requestTarget } from './request-target.ts';

const bases = ['http://127.0.0.1:6443', 'https://127.0.0.1:6443/ignored/base/path', 'http://[::1]:8080', 'http://user:p%40ss@localhost', 'https://example.test'];
const paths = [
  '/api/v1/namespaces/default/pods',
  '/api/v1/namespaces/default/pods?labelSelector=app%3Dweb&limit=5',
  '/apis/apps/v1/namespaces/a-b/deployments/web/scale',
  '/api/v1/namespaces/default/pods/..',
  '/api/v1/namespaces/default/pods/.',
  '/api/v1/pods/%2e%2E/x',
  '/api/v1/pods/a b',
  "/api/v1/pods?x='y'",
  '/api/v1/pods/é',
  '//evil.test/api',
  '/api\\v1',
  '/api/v1/pods#frag',
  'api/v1/pods',
  '/api/v1/pods?fieldSelector=spec.nodeName%3D&watch=true',
];

test('requestTarget gives what node:http would take from new URL(path, base), for verbatim and normalised paths', () => {
  for (const b of bases) {
    for (const p of paths) {
      const o = urlToHttpOptions(new URL(p, b));
      const want: Record<string, unknown> = { protocol: o.protocol, hostname: o.hostname, path: o.path };
      if (o.port !== undefined) want.port = Number(o.port);
      if (o.auth !== undefined) want.auth = o.auth;
      assert.deepEqual({ ...requestTarget(new URL(b), p) }, want, `${b} + ${p}`);
    }
  }
});
