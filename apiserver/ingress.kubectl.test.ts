/**
 * Ingress and IngressClass with the real kubectl (1.33 and 1.28) against a
 * real API server on real etcd: the bootstrap IngressClass, `kubectl create
 * ingress` (the default class filled in at admission), apply of a manifest,
 * the tables of `kubectl get`, and kube's validation messages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useKubectl, type KubectlResult } from '../testutil/kubectl.ts';

const k = useKubectl([33, 28], 'ingress-kubectl');
const skip = k.skip;
const kubectl = (minor: number, ...args: string[]): Promise<KubectlResult> => k.run(minor, args);
const columns = (line: string): string[] => line.trim().split(/\s{2,}/);

test('kubectl: ingressclass skiff, create and apply ingresses, tables, validation', { skip }, async () => {
  let r = await kubectl(33, 'get', 'ingressclass');
  assert.equal(r.code, 0, r.out);
  const lines = r.out.trim().split('\n');
  assert.deepEqual(columns(lines[0]!), ['NAME', 'CONTROLLER', 'PARAMETERS', 'AGE']);
  assert.deepEqual(columns(lines[1]!).slice(0, 3), ['skiff', 'skiff.io/ingress', '<none>']);

  for (const [minor, name] of [[33, 'web'], [28, 'web-old']] as const) {
    r = await kubectl(minor, 'create', 'ingress', name, '--rule=web.home.lan/=web:80,tls=web-tls', '--rule=*.home.lan/api*=api:http');
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, new RegExp(`ingress.networking.k8s.io/${name} created`));
    r = await kubectl(minor, 'get', 'ingress', name, '-o', 'jsonpath={.spec.ingressClassName} {.spec.rules[1].http.paths[0].pathType} {.spec.rules[1].http.paths[0].backend.service.port.name}');
    assert.equal(r.out, 'skiff Prefix http', `${minor}: the default class at admission`);
  }

  const file = join(k.dir(), 'ing.yaml');
  writeFileSync(file, [
    'apiVersion: networking.k8s.io/v1', 'kind: Ingress', 'metadata: {name: blog}', 'spec:',
    '  ingressClassName: skiff', '  defaultBackend: {service: {name: blog, port: {number: 80}}}',
    '  rules:', '  - host: blog.home.lan', '    http:', '      paths:', '      - {path: /, pathType: Exact, backend: {service: {name: blog, port: {number: 80}}}}', '',
  ].join('\n'));
  r = await kubectl(33, 'apply', '-f', file);
  assert.equal(r.code, 0, r.out);
  r = await kubectl(33, 'get', 'ing');
  assert.equal(r.code, 0, r.out);
  const rows = r.out.trim().split('\n');
  assert.deepEqual(columns(rows[0]!), ['NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE']);
  const row = (n: string): string[] => columns(rows.find((l) => l.startsWith(`${n} `)) ?? '');
  assert.deepEqual(row('web').slice(0, 4), ['web', 'skiff', 'web.home.lan,*.home.lan', '80, 443']);
  assert.deepEqual(row('blog').slice(0, 4), ['blog', 'skiff', 'blog.home.lan', '80']);

  writeFileSync(file, [
    'apiVersion: networking.k8s.io/v1', 'kind: Ingress', 'metadata: {name: bad}', 'spec:',
    '  rules:', '  - host: 10.0.0.1', '    http:', '      paths:', '      - {path: api, pathType: Prefix, backend: {service: {name: api, port: {number: 80, name: http}}}}', '',
  ].join('\n'));
  r = await kubectl(33, 'apply', '-f', file);
  assert.notEqual(r.code, 0);
  assert.match(r.out, /spec\.rules\[0\]\.host: Invalid value: "10\.0\.0\.1": must be a DNS name, not an IP address/);
  assert.match(r.out, /spec\.rules\[0\]\.http\.paths\[0\]\.path: Invalid value: "api": must be an absolute path/);
  assert.match(r.out, /spec\.rules\[0\]\.http\.paths\[0\]\.backend: Invalid value: "": cannot set both port name & port number/);
});
