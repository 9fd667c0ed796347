import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Secret, Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import type { HTTPIngressPath, Ingress, IngressClass, IngressSpec } from 'kubernetes-types/networking/v1';
import { skiffIngressClass } from '../../apiserver/api/ingress-class.ts';
import { byPrecedence, pathMatches, requestHost, requestPath, wildcardOf } from './match.ts';
import { buildRoutingTable, certFor, isOurs, lookup, type IngressState } from './table.ts';

const svc = (name: string, ports: Array<{ name?: string; port: number }>, ns = 'shop'): Service => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { clusterIP: '10.96.0.20', ports: ports.map((p) => ({ ...p, protocol: 'TCP' })) },
});
const slice = (service: string, ips: string[], ports: Array<{ name?: string; port: number }>, opts: { ns?: string; notReady?: string[] } = {}): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
  metadata: { name: `${service}-abc`, namespace: opts.ns ?? 'shop', labels: { 'kubernetes.io/service-name': service } },
  endpoints: [...ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })), ...(opts.notReady ?? []).map((ip) => ({ addresses: [ip], conditions: { ready: false } }))],
  ports: ports.map((p) => ({ ...p, protocol: 'TCP' })),
});
const backend = (name: string, port: number | string = 80) => ({ service: { name, port: typeof port === 'number' ? { number: port } : { name: port } } });
const p = (path: string, pathType: string, to: string, port: number | string = 80): HTTPIngressPath => ({ path, pathType, backend: backend(to, port) });
const ing = (name: string, spec: IngressSpec, opts: { ns?: string; created?: string; annotations?: Record<string, string> } = {}): Ingress => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
  metadata: { name, namespace: opts.ns ?? 'shop', creationTimestamp: opts.created ?? '2026-01-01T00:00:00Z', ...(opts.annotations ? { annotations: opts.annotations } : {}) },
  spec: { ingressClassName: 'skiff', ...spec },
});
const nginxClass: IngressClass = { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } };

/** Services web (80 → 8080), api (named http → 9000), docs (80 → 3000), each with one ready pod. */
function state(ingresses: Ingress[], extra: Partial<IngressState> = {}): IngressState {
  return {
    classes: [skiffIngressClass(), nginxClass],
    ingresses,
    services: [svc('web', [{ port: 80 }]), svc('api', [{ name: 'http', port: 8000 }]), svc('docs', [{ port: 80 }])],
    endpointSlices: [slice('web', ['10.244.1.5'], [{ port: 8080 }]), slice('api', ['10.244.2.7'], [{ name: 'http', port: 9000 }]), slice('docs', ['10.244.1.9'], [{ port: 3000 }])],
    secrets: [],
    ...extra,
  };
}

test('path matching: Exact, Prefix by elements, precedence (the Ingress spec examples)', () => {
  const cases: Array<[string, string, string, boolean]> = [
    ['Prefix', '/', '/anything/at/all', true],
    ['Exact', '/foo', '/foo', true],
    ['Exact', '/foo', '/bar', false],
    ['Exact', '/foo', '/foo/', false],
    ['Exact', '/foo/', '/foo', false],
    ['Prefix', '/foo', '/foo', true],
    ['Prefix', '/foo', '/foo/', true],
    ['Prefix', '/foo/', '/foo', true],
    ['Prefix', '/foo/', '/foo/', true],
    ['Prefix', '/aaa/bb', '/aaa/bbb', false],
    ['Prefix', '/aaa/bbb', '/aaa/bbb', true],
    ['Prefix', '/aaa/bbb/', '/aaa/bbb', true],
    ['Prefix', '/aaa/bbb', '/aaa/bbb/', true],
    ['Prefix', '/aaa/bbb', '/aaa/bbb/ccc', true],
    ['Prefix', '/aaa/bbb', '/aaa/bbbxyz', false],
  ];
  for (const [pathType, path, req, want] of cases) assert.equal(pathMatches({ path, pathType: pathType as 'Exact' | 'Prefix' }, req), want, `${pathType} ${path} vs ${req}`);
  const ordered = byPrecedence([{ path: '/', pathType: 'Prefix' }, { path: '/foo', pathType: 'Prefix' }, { path: '/foo', pathType: 'Exact' }, { path: '/foo/bar/', pathType: 'Prefix' }]);
  assert.deepEqual(ordered.map((r) => `${r.pathType} ${r.path}`), ['Prefix /foo/bar/', 'Exact /foo', 'Prefix /foo', 'Prefix /']);
  assert.deepEqual([wildcardOf('a.home.lan'), wildcardOf('lan'), wildcardOf('.x')], ['*.home.lan', undefined, undefined]);
  assert.deepEqual([requestHost('Web.Home.LAN:8080'), requestHost('web.home.lan.'), requestHost('[::1]:80'), requestHost(undefined)], ['web.home.lan', 'web.home.lan', '::1', '']);
  assert.deepEqual([requestPath('/a/b?x=1'), requestPath('/#frag'), requestPath('')], ['/a/b', '/', '/']);
});

test('routing table: hosts, wildcards, paths, default backend, 404 (table-driven)', () => {
  const t = buildRoutingTable(state([
    ing('shop', {
      defaultBackend: backend('docs'),
      rules: [
        { host: 'web.home.lan', http: { paths: [p('/', 'Prefix', 'web'), p('/api', 'Prefix', 'api', 'http'), p('/api/v1/exact', 'Exact', 'docs')] } },
        { host: '*.home.lan', http: { paths: [p('/', 'Prefix', 'docs')] } },
        { host: 'api.home.lan', http: { paths: [p('/v1', 'ImplementationSpecific', 'api', 'http')] } },
      ],
    }),
  ]));
  const cases: Array<[string, string, string | undefined]> = [
    ['web.home.lan', '/', '10.244.1.5:8080'],
    ['web.home.lan', '/cart/1', '10.244.1.5:8080'],
    ['web.home.lan', '/api', '10.244.2.7:9000'],
    ['web.home.lan', '/api/v1', '10.244.2.7:9000'],
    ['web.home.lan', '/apiary', '10.244.1.5:8080'],
    ['web.home.lan', '/api/v1/exact', '10.244.1.9:3000'],
    ['web.home.lan', '/api/v1/exact/more', '10.244.2.7:9000'],
    ['blog.home.lan', '/x', '10.244.1.9:3000'], // wildcard
    ['a.b.home.lan', '/x', '10.244.1.9:3000'], // not the wildcard: one label only → default backend (docs)
    ['api.home.lan', '/v1/users', '10.244.2.7:9000'], // ImplementationSpecific as Prefix
    ['api.home.lan', '/v2', '10.244.1.9:3000'], // host matched, no path: default backend
    ['other.lan', '/', '10.244.1.9:3000'],
  ];
  for (const [host, path, want] of cases) assert.deepEqual(lookup(t, host, path)?.backend.endpoints, want === undefined ? undefined : [want], `${host}${path}`);
  const noDefault = buildRoutingTable(state([ing('a', { rules: [{ host: 'web.home.lan', http: { paths: [p('/shop', 'Prefix', 'web')] } }] })]));
  assert.equal(lookup(noDefault, 'web.home.lan', '/'), undefined);
  assert.equal(lookup(noDefault, 'elsewhere', '/shop'), undefined);
  // A rule without a host serves every host without rules of its own.
  const anyHost = buildRoutingTable(state([ing('a', { rules: [{ http: { paths: [p('/', 'Prefix', 'web')] } }, { host: 'api.lan', http: { paths: [p('/', 'Prefix', 'api', 'http')] } }] })]));
  assert.deepEqual([lookup(anyHost, 'x.lan', '/')?.backend.service, lookup(anyHost, 'api.lan', '/')?.backend.service], ['web', 'api']);
});

test('backends: ports by number and name, only ready endpoints, unknown service or port yields no endpoints', () => {
  const t = buildRoutingTable(state([ing('a', {
    rules: [{ host: 'h', http: { paths: [p('/web', 'Prefix', 'web'), p('/bad-port', 'Prefix', 'web', 81), p('/gone', 'Prefix', 'missing'), p('/named', 'Prefix', 'api', 'http')] } }],
  })], {
    endpointSlices: [
      slice('web', ['10.244.1.5', '10.244.2.5'], [{ port: 8080 }], { notReady: ['10.244.3.5'] }),
      slice('web', ['10.244.2.5'], [{ port: 8080 }]),
      slice('web', ['10.9.9.9'], [{ port: 8080 }], { ns: 'other' }),
      slice('api', ['10.244.2.7'], [{ name: 'http', port: 9000 }, { name: 'metrics', port: 9100 }]),
    ],
  }));
  assert.deepEqual(lookup(t, 'h', '/web')?.backend.endpoints, ['10.244.1.5:8080', '10.244.2.5:8080']);
  assert.deepEqual(lookup(t, 'h', '/bad-port')?.backend.endpoints, []);
  assert.deepEqual(lookup(t, 'h', '/gone')?.backend, { namespace: 'shop', service: 'missing', port: '80', endpoints: [] });
  assert.deepEqual(lookup(t, 'h', '/named')?.backend.endpoints, ['10.244.2.7:9000']);
});

test('ownership: class skiff, the default class, other classes, the legacy annotation', () => {
  const classes = [skiffIngressClass(), nginxClass];
  const noClass: Ingress = { ...ing('a', {}), spec: { defaultBackend: backend('web') } };
  const cases: Array<[string, Ingress, IngressClass[], boolean]> = [
    ['class skiff', ing('a', {}), classes, true],
    ['class nginx', ing('a', { ingressClassName: 'nginx' }), classes, false],
    ['unknown class', ing('a', { ingressClassName: 'traefik' }), classes, false],
    ['no class, skiff is default', noClass, classes, true],
    ['no class, no default', noClass, [nginxClass], false],
    ['no class, nginx is default', noClass, [{ ...nginxClass, metadata: { name: 'nginx', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } } }, { ...skiffIngressClass(), metadata: { name: 'skiff' } }], false],
    ['legacy annotation skiff', { ...noClass, metadata: { ...noClass.metadata, annotations: { 'kubernetes.io/ingress.class': 'skiff' } } }, classes, true],
    ['legacy annotation nginx', { ...noClass, metadata: { ...noClass.metadata, annotations: { 'kubernetes.io/ingress.class': 'nginx' } } }, classes, false],
  ];
  for (const [name, obj, cls, want] of cases) assert.equal(isOurs(obj, cls), want, name);
  const t = buildRoutingTable(state([ing('mine', { defaultBackend: backend('web') }), ing('theirs', { ingressClassName: 'nginx', rules: [{ host: 'x', http: { paths: [p('/', 'Prefix', 'api', 'http')] } }] })]));
  assert.deepEqual(t.served, ['shop/mine']);
  assert.equal(lookup(t, 'x', '/')?.backend.service, 'web');
});

test('several Ingresses: paths merge per host, the oldest wins a duplicate path and the default backend', () => {
  const t = buildRoutingTable(state([
    ing('newer', { defaultBackend: backend('api', 'http'), rules: [{ host: 'h', http: { paths: [p('/', 'Prefix', 'api', 'http'), p('/docs', 'Prefix', 'docs')] } }] }, { created: '2026-01-02T00:00:00Z' }),
    ing('older', { defaultBackend: backend('web'), rules: [{ host: 'h', http: { paths: [p('/', 'Prefix', 'web')] } }] }, { created: '2026-01-01T00:00:00Z' }),
  ]));
  assert.deepEqual([lookup(t, 'h', '/')?.backend.service, lookup(t, 'h', '/docs/x')?.backend.service, lookup(t, 'z', '/')?.backend.service], ['web', 'docs', 'web']);
  assert.deepEqual(t.hosts.get('h')?.map((r) => `${r.path} ${r.ingress}`), ['/docs shop/newer', '/ shop/older']);
  assert.deepEqual(t.served, ['shop/older', 'shop/newer']);
});

test('TLS: certificates by host, wildcard and fallback from kubernetes.io/tls Secrets of the Ingress namespace', () => {
  const secret = (name: string, ns = 'shop', type = 'kubernetes.io/tls'): Secret => ({
    apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, type,
    data: { 'tls.crt': Buffer.from(`CERT ${name}`).toString('base64'), 'tls.key': Buffer.from(`KEY ${name}`).toString('base64') },
  });
  const t = buildRoutingTable(state([ing('a', {
    defaultBackend: backend('web'),
    tls: [
      { hosts: ['web.home.lan'], secretName: 'web-tls' },
      { hosts: ['*.home.lan'], secretName: 'wild-tls' },
      { hosts: ['opaque.lan'], secretName: 'opaque' },
      { hosts: ['elsewhere.lan'], secretName: 'other-ns' },
      { secretName: 'fallback-tls' },
    ],
  })], { secrets: [secret('web-tls'), secret('wild-tls'), secret('opaque', 'shop', 'Opaque'), secret('other-ns', 'other'), secret('fallback-tls')] }));
  const certOf = (name: string): string | undefined => certFor(t, name)?.cert;
  assert.deepEqual(
    ['web.home.lan', 'WEB.home.lan', 'blog.home.lan', 'opaque.lan', 'elsewhere.lan', 'unknown.lan'].map(certOf),
    ['CERT web-tls', 'CERT web-tls', 'CERT wild-tls', 'CERT fallback-tls', 'CERT fallback-tls', 'CERT fallback-tls'],
  );
  assert.deepEqual(certFor(t, 'web.home.lan'), { cert: 'CERT web-tls', key: 'KEY web-tls', secret: 'shop/web-tls' });
  const none = buildRoutingTable(state([ing('a', { defaultBackend: backend('web') })]));
  assert.equal(certFor(none, 'web.home.lan'), undefined);
});
