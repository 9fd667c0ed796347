import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HTTPIngressPath, Ingress, IngressClass, IngressSpec } from 'kubernetes-types/networking/v1';
import { FakeClient } from '../../testing/fake-client.ts';
import { IngressClasses, Ingresses } from '../../client/resources.ts';
import { ApiError } from '../../client/types.ts';
import { skiffIngressClass } from '../../api/ingress-class.ts';
import { formatAddress, formatHosts, ingressClassesResource, ingressesResource } from './ingress.ts';
import { validateIngressClass, validateIngressClassUpdate, validateIngressCreate, validateIngressUpdate, wildcardSubdomainErrors } from './ingress-validation.ts';

const ing = (spec: IngressSpec, extra: Partial<Ingress> = {}): Ingress => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'ns' }, spec, ...extra,
});
const svc = (name: string, port: { name?: string; number?: number } = { number: 80 }) => ({ service: { name, port } });
const path = (p: Partial<HTTPIngressPath>): HTTPIngressPath => ({ path: '/', pathType: 'Prefix', backend: svc('web'), ...p });
const rule = (host: string | undefined, ...paths: HTTPIngressPath[]) => ({ ...(host !== undefined ? { host } : {}), http: { paths } });
const causes = (c: Array<{ field?: string; message: string }>): Array<[string, string]> => c.map((x) => [x.field ?? '', x.message]);

test('Ingress validation causes (kube ValidateIngressCreate)', () => {
  const subdomainMsg = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
  const cases: Array<[string, Ingress, Array<[string, string]>]> = [
    ['one rule', ing({ rules: [rule('web.home.lan', path({}))] }), []],
    ['default backend only', ing({ defaultBackend: svc('web') }), []],
    ['wildcard host', ing({ rules: [rule('*.home.lan', path({}))] }), []],
    ['ImplementationSpecific without a path', ing({ rules: [rule(undefined, { pathType: 'ImplementationSpecific', backend: svc('web') })] }), []],
    ['named port', ing({ defaultBackend: svc('web', { name: 'http' }) }), []],
    ['resource backend', ing({ defaultBackend: { resource: { apiGroup: 'k8s.example.com', kind: 'StorageBucket', name: 'static' } } }), []],
    ['neither rules nor default', ing({}), [['spec.rules', 'Invalid value: []: either `defaultBackend` or `rules` must be specified']]],
    ['pathType missing', ing({ rules: [rule('a.lan', { path: '/', backend: svc('web') } as HTTPIngressPath)] }), [['spec.rules[0].http.paths[0].pathType', 'Required value: pathType must be specified']]],
    ['pathType unknown', ing({ rules: [rule('a.lan', path({ pathType: 'Regex' }))] }), [['spec.rules[0].http.paths[0].pathType', 'Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"']]],
    ['relative Prefix path', ing({ rules: [rule('a.lan', path({ path: 'api' }))] }), [['spec.rules[0].http.paths[0].path', 'Invalid value: "api": must be an absolute path']]],
    ['Exact path with //', ing({ rules: [rule('a.lan', path({ path: '/a//b', pathType: 'Exact' }))] }), [['spec.rules[0].http.paths[0].path', "Invalid value: \"/a//b\": must not contain '//'"]]],
    ['Prefix path ending in /..', ing({ rules: [rule('a.lan', path({ path: '/a/..' }))] }), [['spec.rules[0].http.paths[0].path', "Invalid value: \"/a/..\": cannot end with '/..'"]]],
    ['relative ImplementationSpecific path', ing({ rules: [rule('a.lan', path({ path: 'x', pathType: 'ImplementationSpecific' }))] }), [['spec.rules[0].http.paths[0].path', 'Invalid value: "x": must be an absolute path']]],
    ['http without paths', ing({ rules: [{ host: 'a.lan', http: { paths: [] } }] }), [['spec.rules[0].http.paths', 'Required value']]],
    ['IP host', ing({ rules: [rule('10.0.0.1', path({}))] }), [['spec.rules[0].host', 'Invalid value: "10.0.0.1": must be a DNS name, not an IP address']]],
    ['upper-case host', ing({ rules: [rule('Web.lan', path({}))] }), [['spec.rules[0].host', `Invalid value: "Web.lan": ${subdomainMsg}`]]],
    ['bad wildcard', ing({ rules: [rule('a.*.lan', path({}))] }), [['spec.rules[0].host', `Invalid value: "a.*.lan": ${wildcardSubdomainErrors('a.*.lan')[0]}`]]],
    ['both backends', ing({ defaultBackend: { ...svc('web'), resource: { kind: 'K', name: 'n' } } }), [['spec.defaultBackend', 'Invalid value: "": cannot set both resource and service backends']]],
    ['no backend', ing({ defaultBackend: {} }), [['spec.defaultBackend', 'Invalid value: "": resource or service backend is required']]],
    ['port name and number', ing({ defaultBackend: svc('web', { name: 'http', number: 80 }) }), [['spec.defaultBackend', 'Invalid value: "": cannot set both port name & port number']]],
    ['no port', ing({ defaultBackend: svc('web', {}) }), [['spec.defaultBackend', 'Required value: port name or number is required']]],
    ['port number out of range', ing({ defaultBackend: svc('web', { number: 70000 }) }), [['spec.defaultBackend.service.port.number', 'Invalid value: 70000: must be between 1 and 65535, inclusive']]],
    ['bad port name', ing({ defaultBackend: svc('web', { name: 'HTTP' }) }), [['spec.defaultBackend.service.port.name', 'Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)'], ['spec.defaultBackend.service.port.name', 'Invalid value: "HTTP": must contain at least one letter (a-z)']]],
    ['service name missing', ing({ defaultBackend: { service: { name: '', port: { number: 80 } } } }), [['spec.defaultBackend.service.name', 'Required value']]],
    ['resource without kind', ing({ defaultBackend: { resource: { kind: '', name: 'x' } } }), [['spec.defaultBackend.resource.kind', 'Required value']]],
    ['TLS wildcard host and secret', ing({ defaultBackend: svc('web'), tls: [{ hosts: ['*.home.lan'], secretName: 'home-tls' }] }), []],
    ['TLS bad secret', ing({ defaultBackend: svc('web'), tls: [{ hosts: ['a.lan'], secretName: 'Bad_Name' }] }), [['spec.tls[0].secretName', `Invalid value: "Bad_Name": ${subdomainMsg}`]]],
    ['TLS bad host', ing({ defaultBackend: svc('web'), tls: [{ hosts: ['a_b.lan'] }] }), [['spec.tls[0].hosts[0]', `Invalid value: "a_b.lan": ${subdomainMsg}`]]],
    ['bad class name', ing({ defaultBackend: svc('web'), ingressClassName: 'Skiff' }), [['spec.ingressClassName', `Invalid value: "Skiff": ${subdomainMsg}`]]],
    ['class annotation and field', ing({ defaultBackend: svc('web'), ingressClassName: 'skiff' }, { metadata: { name: 'web', annotations: { 'kubernetes.io/ingress.class': 'nginx' } } }),
      [['metadata.annotations[kubernetes.io/ingress.class]', 'Invalid value: "nginx": can not be set when the class field is also set']]],
    ['bad status IP', ing({ defaultBackend: svc('web') }, { status: { loadBalancer: { ingress: [{ ip: '10.0.0.300' }] } } }), [['status.loadBalancer.ingress[0].ip', 'Invalid value: "10.0.0.300": must be a valid IP address']]],
  ];
  for (const [name, obj, want] of cases) assert.deepEqual(causes(validateIngressCreate(obj)), want, name);
  // kube checks the annotation only on create.
  const both = ing({ defaultBackend: svc('web'), ingressClassName: 'skiff' }, { metadata: { name: 'web', annotations: { 'kubernetes.io/ingress.class': 'nginx' } } });
  assert.deepEqual(validateIngressUpdate(both), []);
});

test('IngressClass validation causes (kube ValidateIngressClass)', () => {
  const ic = (spec: IngressClass['spec']): IngressClass => ({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'c' }, spec });
  const cases: Array<[string, IngressClass, Array<[string, string]>]> = [
    ['built-in', skiffIngressClass(), []],
    ['no controller', ic({}), [['spec.controller', 'Required value']]],
    ['not domain-prefixed', ic({ controller: 'nginx' }), [['spec.controller', 'Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")']]],
    ['namespace-scoped parameters', ic({ controller: 'a.io/c', parameters: { kind: 'P', name: 'p', scope: 'Namespace', namespace: 'ns' } }), []],
    ['Namespace scope without namespace', ic({ controller: 'a.io/c', parameters: { kind: 'P', name: 'p', scope: 'Namespace' } }), [['spec.parameters.namespace', 'Required value: `parameters.scope` is set to "Namespace"']]],
    ['Cluster scope with namespace', ic({ controller: 'a.io/c', parameters: { kind: 'P', name: 'p', scope: 'Cluster', namespace: 'ns' } }), [['spec.parameters.namespace', 'Forbidden: `parameters.scope` is set to "Cluster"']]],
    ['unknown scope', ic({ controller: 'a.io/c', parameters: { kind: 'P', name: 'p', scope: 'Node' } }), [['spec.parameters.scope', 'Unsupported value: "Node": supported values: "Cluster", "Namespace"']]],
  ];
  for (const [name, obj, want] of cases) assert.deepEqual(causes(validateIngressClass(obj)), want, name);
  const moved = { ...skiffIngressClass(), spec: { controller: 'other.io/x' } };
  assert.deepEqual(causes(validateIngressClassUpdate(moved, skiffIngressClass())), [['spec.controller', 'Invalid value: "other.io/x": field is immutable']]);
});

test('Ingress and IngressClass tables as kubectl prints them (kube printIngress, printIngressClass)', () => {
  const def = ingressesResource();
  assert.deepEqual(def.table.columns.map((c) => c.name), ['Class', 'Hosts', 'Address', 'Ports', 'Age']);
  const obj = ing({ ingressClassName: 'skiff', rules: [rule('a.lan', path({})), rule('b.lan', path({}))], tls: [{ hosts: ['a.lan'] }] }, {
    status: { loadBalancer: { ingress: [{ ip: '10.0.0.2' }, { ip: '10.0.0.3' }] } },
  });
  obj.metadata = { ...obj.metadata, creationTimestamp: '2026-01-01T00:00:00Z' };
  assert.deepEqual(def.table.cells(obj, Date.parse('2026-01-01T00:02:00Z')), ['skiff', 'a.lan,b.lan', '10.0.0.2,10.0.0.3', '80, 443', '2m']);
  assert.deepEqual(def.table.cells(ing({ defaultBackend: svc('web') }), 0).slice(0, 4), ['<none>', '*', '', '80']);
  assert.equal(formatHosts([{ host: 'a' }, { host: 'b' }, { host: 'c' }, { host: 'd' }, {}]), 'a,b,c + 2 more...');
  assert.equal(formatAddress({ ingress: [{ ip: '192.168.100.2' }, { hostname: 'lb.home.lan' }] }), '192.168.100.2,lb.home.lan');
  assert.deepEqual([def.group, def.version, def.shortNames, def.subresources, def.namespaced], ['networking.k8s.io', 'v1', ['ing'], ['status'], true]);
  const cdef = ingressClassesResource();
  assert.deepEqual(cdef.table.columns.map((c) => c.name), ['Controller', 'Parameters', 'Age']);
  const withParams: IngressClass = { ...skiffIngressClass(), spec: { controller: 'a.io/c', parameters: { apiGroup: 'k8s.example.net', kind: 'IngressParameters', name: 'external-lb' } } };
  assert.deepEqual(cdef.table.cells(withParams, 0).slice(0, 2), ['a.io/c', 'IngressParameters.k8s.example.net/external-lb']);
  assert.deepEqual(cdef.table.cells(skiffIngressClass(), 0).slice(0, 2), ['skiff.io/ingress', '<none>']);
  assert.equal(cdef.namespaced, false);
});

test('through the registry: default class at admission, status reset, status subresource keeps the spec', async () => {
  const client = new FakeClient({ namespaces: ['ns'] });
  // No default class yet: the Ingress keeps no class.
  const plain = await client.create<Ingress>(Ingresses, ing({ defaultBackend: svc('web') }, { metadata: { name: 'before', namespace: 'ns' } }), 'ns');
  assert.equal(plain.spec?.ingressClassName, undefined);
  await client.create(IngressClasses, skiffIngressClass());
  const created = await client.create<Ingress>(Ingresses, ing({ defaultBackend: svc('web') }, { status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } } }), 'ns');
  assert.equal(created.spec?.ingressClassName, 'skiff');
  assert.deepEqual(created.status, {});
  assert.equal(created.metadata?.generation, 1);
  // An explicit class and the legacy annotation are left alone.
  const other = await client.create<Ingress>(Ingresses, ing({ defaultBackend: svc('web'), ingressClassName: 'nginx' }, { metadata: { name: 'other', namespace: 'ns' } }), 'ns');
  assert.equal(other.spec?.ingressClassName, 'nginx');
  const legacy = await client.create<Ingress>(Ingresses, ing({ defaultBackend: svc('web') }, { metadata: { name: 'legacy', namespace: 'ns', annotations: { 'kubernetes.io/ingress.class': 'nginx' } } }), 'ns');
  assert.equal(legacy.spec?.ingressClassName, undefined);

  const withStatus = await client.updateStatus<Ingress>(Ingresses, { ...created, spec: { defaultBackend: svc('changed') }, status: { loadBalancer: { ingress: [{ ip: '10.0.0.2' }] } } }, 'ns');
  assert.deepEqual(withStatus.status?.loadBalancer?.ingress, [{ ip: '10.0.0.2' }]);
  assert.equal(withStatus.spec?.defaultBackend?.service?.name, 'web');
  const respec = await client.update<Ingress>(Ingresses, { ...withStatus, spec: { ...withStatus.spec, defaultBackend: svc('web2') }, status: {} }, 'ns');
  assert.deepEqual(respec.status?.loadBalancer?.ingress, [{ ip: '10.0.0.2' }]);
  assert.equal(respec.metadata?.generation, 2);

  await assert.rejects(client.create(Ingresses, ing({}, { metadata: { name: 'bad', namespace: 'ns' } }), 'ns'), (e: unknown) => e instanceof ApiError && e.code === 422);
  await assert.rejects(client.update(IngressClasses, { ...skiffIngressClass(), metadata: { name: 'skiff' }, spec: { controller: 'x.io/y' } }), (e: unknown) => e instanceof ApiError && e.code === 422);
});
