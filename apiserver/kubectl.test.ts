/**
 * The kubectl-facing surface (discovery, OpenAPI, tables, defaults,
 * validation messages, ClusterIP allocation) checked with the real,
 * unmodified kubectl binaries against a real API server on real etcd.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kubectlBin, useKubectl, type KubectlResult } from '../testutil/kubectl.ts';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { Nodes, Pods } from './client/resources.ts';

const k = useKubectl([33, 29, 28, 27], 'kubectl');
const skip = k.skip;
/** Runs kubectl 1.<minor> (async: the server lives in this process). */
const kubectl = (minor: number, ...args: string[]): Promise<KubectlResult> => k.run(minor, args);

const columns = (line: string): string[] => line.trim().split(/\s{2,}/);

function manifest(image: string): string {
  return [
    'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: web', 'spec:', '  replicas: 2',
    '  selector:', '    matchLabels: {app: web}', '  template:', '    metadata:', '      labels: {app: web}',
    '    spec:', '      containers:', '      - name: nginx', `        image: ${image}`, '        ports:', '        - containerPort: 80',
    '---', 'apiVersion: v1', 'kind: Service', 'metadata:', '  name: web', 'spec:', '  selector: {app: web}', '  ports:', '  - port: 80',
    '---', 'apiVersion: v1', 'kind: Pod', 'metadata:', '  name: solo', '  labels: {run: solo}', 'spec:', '  containers:', '  - name: c', '    image: busybox', '',
  ].join('\n');
}

test('api-resources lists every resource with short names (1.33 and 1.29)', { skip }, async () => {
  for (const minor of [33, 29]) {
    const { out, code } = await kubectl(minor, 'api-resources');
    assert.equal(code, 0, out);
    const all = out.trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/));
    // pods and nodes are listed twice, as with metrics-server: the core group first, then metrics.k8s.io.
    const rows = new Map<string, string[]>();
    for (const c of all) if (!rows.has(c[0]!)) rows.set(c[0]!, c.slice(1));
    assert.deepEqual(all.filter((c) => c[1] === 'metrics.k8s.io/v1beta1'), [['nodes', 'metrics.k8s.io/v1beta1', 'false', 'NodeMetrics'], ['pods', 'metrics.k8s.io/v1beta1', 'true', 'PodMetrics']]);
    assert.deepEqual(rows.get('pods'), ['po', 'v1', 'true', 'Pod']);
    assert.deepEqual(rows.get('deployments'), ['deploy', 'apps/v1', 'true', 'Deployment']);
    assert.deepEqual(rows.get('replicasets'), ['rs', 'apps/v1', 'true', 'ReplicaSet']);
    assert.deepEqual(rows.get('namespaces'), ['ns', 'v1', 'false', 'Namespace']);
    assert.deepEqual(rows.get('componentstatuses'), ['cs', 'v1', 'false', 'ComponentStatus']);
    assert.deepEqual(rows.get('leases'), ['coordination.k8s.io/v1', 'true', 'Lease']);
    assert.deepEqual(rows.get('endpointslices'), ['discovery.k8s.io/v1', 'true', 'EndpointSlice']);
    assert.deepEqual(rows.get('configmaps'), ['cm', 'v1', 'true', 'ConfigMap']);
    assert.deepEqual(rows.get('secrets'), ['v1', 'true', 'Secret']);
    assert.deepEqual(rows.get('serviceaccounts'), ['sa', 'v1', 'true', 'ServiceAccount']);
    assert.deepEqual(rows.get('tokenreviews'), ['authentication.k8s.io/v1', 'false', 'TokenReview']);
    assert.deepEqual(rows.get('selfsubjectreviews'), ['authentication.k8s.io/v1', 'false', 'SelfSubjectReview']);
    assert.deepEqual(rows.get('clusterroles'), ['rbac.authorization.k8s.io/v1', 'false', 'ClusterRole']);
    assert.deepEqual(rows.get('rolebindings'), ['rbac.authorization.k8s.io/v1', 'true', 'RoleBinding']);
    assert.deepEqual(rows.get('selfsubjectaccessreviews'), ['authorization.k8s.io/v1', 'false', 'SelfSubjectAccessReview']);
    assert.deepEqual(rows.get('certificatesigningrequests'), ['csr', 'certificates.k8s.io/v1', 'false', 'CertificateSigningRequest']);
    assert.deepEqual(rows.get('poddisruptionbudgets'), ['pdb', 'policy/v1', 'true', 'PodDisruptionBudget']);
    assert.deepEqual(rows.get('networkpolicies'), ['netpol', 'networking.k8s.io/v1', 'true', 'NetworkPolicy']);
    assert.deepEqual(rows.get('ingresses'), ['ing', 'networking.k8s.io/v1', 'true', 'Ingress']);
    assert.deepEqual(rows.get('ingressclasses'), ['networking.k8s.io/v1', 'false', 'IngressClass']);
    assert.deepEqual(rows.get('jobs'), ['batch/v1', 'true', 'Job']);
    assert.equal(rows.size, 29, out);
  }
});

test('apply creates, is idempotent, and patches (1.33 and 1.29 validate through OpenAPI v3)', { skip }, async () => {
  const file = join(k.dir(), 'app.yaml');
  writeFileSync(file, manifest('nginx:1.22'));
  let r = await kubectl(33, 'apply', '-f', file);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /deployment\.apps\/web created/);
  assert.match(r.out, /service\/web created/);
  assert.match(r.out, /pod\/solo created/);
  r = await kubectl(29, 'apply', '-f', file);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /deployment\.apps\/web unchanged/);
  writeFileSync(file, manifest('nginx:1.23'));
  r = await kubectl(29, 'apply', '-f', file);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /deployment\.apps\/web configured/);
  r = await kubectl(33, 'get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image} {.spec.strategy.rollingUpdate.maxSurge} {.spec.revisionHistoryLimit}');
  assert.equal(r.out, 'nginx:1.23 25% 10');
  r = await kubectl(33, 'apply', '--validate=strict', '-f', file);
  assert.equal(r.code, 0, r.out);
});

test('get prints server-side tables (pods, wide, labels, services, all)', { skip }, async () => {
  let r = await kubectl(33, 'get', 'pods');
  assert.equal(r.code, 0, r.out);
  let lines = r.out.trim().split('\n');
  assert.deepEqual(columns(lines[0]!), ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
  assert.deepEqual(columns(lines.find((l) => l.startsWith('solo'))!).slice(0, 4), ['solo', '0/1', 'Pending', '0']);
  r = await kubectl(33, 'get', 'pods', '-o', 'wide', '--show-labels');
  lines = r.out.trim().split('\n');
  assert.deepEqual(columns(lines[0]!), ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES', 'LABELS']);
  assert.deepEqual(columns(lines.find((l) => l.startsWith('solo'))!).slice(5), ['<none>', '<none>', '<none>', '<none>', 'run=solo']);
  r = await kubectl(33, 'get', 'svc', '-A');
  lines = r.out.trim().split('\n');
  assert.deepEqual(columns(lines[0]!), ['NAMESPACE', 'NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
  const kube = columns(lines.find((l) => l.includes(' kubernetes '))!);
  assert.deepEqual(kube.slice(0, 6), ['default', 'kubernetes', 'ClusterIP', '10.96.0.1', '<none>', '443/TCP']);
  const web = columns(lines.find((l) => l.includes(' web '))!);
  assert.match(web[3]!, /^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
  assert.equal(web[5], '80/TCP');
  r = await kubectl(33, 'get', 'all');
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /pod\/solo/);
  assert.match(r.out, /service\/web/);
  assert.match(r.out, /deployment\.apps\/web\s+0\/2\s+0\s+0/);
  r = await kubectl(33, 'get', 'ns');
  assert.match(r.out, /^default\s+Active\s+\S+$/m);
  r = await kubectl(33, 'get', 'cs');
  assert.match(r.out, /^etcd-0\s+Healthy/m, r.out);
  assert.match(r.out, /Warning: v1 ComponentStatus is deprecated in v1\.19\+/);
});

test('validation errors and ClusterIP conflicts read like Kubernetes', { skip }, async () => {
  let r = await kubectl(33, 'run', 'Bad_Name', '--image=nginx');
  assert.notEqual(r.code, 0);
  assert.match(r.out, /The Pod "Bad_Name" is invalid: .*metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of/s);
  r = await kubectl(33, 'create', 'service', 'clusterip', 'dup', '--tcp=80', '--clusterip=10.96.0.1');
  assert.notEqual(r.code, 0);
  assert.match(r.out, /spec\.clusterIPs: Invalid value: \["10\.96\.0\.1"\]: failed to allocate IP 10\.96\.0\.1: provided IP is already allocated/);
  r = await kubectl(33, 'logs', 'solo');
  assert.notEqual(r.code, 0);
  assert.match(r.out, /pod solo does not have a host assigned/);
});

test('kubectl 1.28 and 1.27 read /openapi/v2 (protobuf) and apply with default validation', { skip }, async () => {
  for (const minor of [28, 27]) {
    const file = join(k.dir(), `ns-${minor}.yaml`);
    writeFileSync(file, ['apiVersion: v1', 'kind: Namespace', 'metadata:', `  name: old-kubectl-${minor}`, ''].join('\n'));
    const first = await kubectl(minor, 'apply', '-f', file);
    assert.equal(first.code, 0, first.out);
    assert.match(first.out, new RegExp(`namespace/old-kubectl-${minor} created`));
    const again = await kubectl(minor, 'apply', '--validate=strict', '-f', file);
    assert.equal(again.code, 0, again.out);
    assert.match(again.out, /unchanged/);
  }
});

test('kubectl logs (and -f) reach a kubelet stand-in on 127.0.0.1 through the API server', { skip }, async () => {
  const seen: string[] = [];
  const kubelet = createServer((req, res) => {
    seen.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('hello from nginx\n');
    setTimeout(() => res.end('second line\n'), 300);
  });
  await new Promise<void>((r) => kubelet.listen(0, '127.0.0.1', r));
  try {
    const port = (kubelet.address() as AddressInfo).port;
    const c = k.server().client;
    await c.create<Node>(Nodes, { metadata: { name: 'logs-node' }, status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } } });
    await c.create<Pod>(Pods, { metadata: { name: 'talker' }, spec: { nodeName: 'logs-node', containers: [{ name: 'nginx', image: 'nginx:1.22' }] } }, 'default');
    const plain = await kubectl(33, 'logs', 'talker', '--tail=5', '--timestamps');
    assert.equal(plain.code, 0, plain.out);
    assert.equal(plain.out, 'hello from nginx\nsecond line\n');
    assert.equal(seen.at(-1), '/containerLogs/default/talker/nginx?tailLines=5&timestamps=true');
    const follow = await kubectl(29, 'logs', '-f', 'talker');
    assert.equal(follow.code, 0, follow.out);
    assert.equal(follow.out, 'hello from nginx\nsecond line\n');
    assert.equal(seen.at(-1), '/containerLogs/default/talker/nginx?follow=true');
  } finally {
    kubelet.closeAllConnections();
    await new Promise<void>((r) => kubelet.close(() => r()));
  }
});

test('an unknown kind gets kubectl\'s "no matches for kind" (validation lists the empty CRD set)', { skip }, async () => {
  const f = join(k.dir(), 'frob.yaml');
  writeFileSync(f, 'apiVersion: v1\nkind: Frobnicator\nmetadata:\n  name: x\n  namespace: default\n');
  for (const minor of [33, 29, 27]) {
    const r = await kubectl(minor, 'apply', '-f', f);
    assert.notEqual(r.code, 0, `kubectl 1.${minor} applied an unknown kind: ${r.out}`);
    assert.match(r.out, /no matches for kind "Frobnicator" in version "v1"/, `kubectl 1.${minor}: ${r.out}`);
  }
  const list = await k.server().client.list(Nodes);
  assert.ok(list.metadata.resourceVersion, 'control: the server answers');
  const crds = await fetch(`${k.server().url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions`);
  assert.equal(crds.status, 200);
  const body = await crds.json() as { kind: string; items: unknown[]; metadata: { resourceVersion: string } };
  assert.equal(body.kind, 'CustomResourceDefinitionList');
  assert.deepEqual(body.items, []);
  assert.match(body.metadata.resourceVersion, /^\d+$/);
  const one = await fetch(`${k.server().url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions/frobs.example.com`);
  assert.equal(one.status, 404);
  assert.equal((await one.json() as { reason: string }).reason, 'NotFound');
});

test('configmaps and secrets: create (1.33 protobuf and 1.29 bodies), tables, base64, key validation', { skip }, async () => {
  let r = await kubectl(33, 'create', 'configmap', 'web', '--from-literal=a=1');
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /configmap\/web created/);
  r = await kubectl(29, 'create', 'configmap', 'web-old', '--from-literal=a=1', '--from-literal=b=2');
  assert.equal(r.code, 0, r.out);
  r = await kubectl(33, 'get', 'cm');
  assert.equal(r.code, 0, r.out);
  const lines = r.out.trim().split('\n');
  assert.deepEqual(columns(lines[0]!), ['NAME', 'DATA', 'AGE']);
  assert.deepEqual(columns(lines.find((l) => l.startsWith('web '))!).slice(0, 2), ['web', '1']);
  assert.deepEqual(columns(lines.find((l) => l.startsWith('web-old '))!).slice(0, 2), ['web-old', '2']);
  r = await kubectl(29, 'get', 'configmap', 'web', '-o', 'jsonpath={.data.a}');
  assert.equal(r.out, '1');
  r = await kubectl(33, 'create', 'secret', 'generic', 's', '--from-literal=p=x');
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /secret\/s created/);
  r = await kubectl(29, 'create', 'secret', 'generic', 's-old', '--from-literal=p=y');
  assert.equal(r.code, 0, r.out);
  r = await kubectl(33, 'get', 'secret', 's', '-o', 'jsonpath={.data.p}');
  assert.equal(r.out, Buffer.from('x').toString('base64'));
  r = await kubectl(33, 'get', 'secrets');
  assert.deepEqual(columns(r.out.trim().split('\n')[0]!), ['NAME', 'TYPE', 'DATA', 'AGE']);
  assert.deepEqual(columns(r.out.split('\n').find((l) => l.startsWith('s '))!).slice(0, 3), ['s', 'Opaque', '1']);
  const f = join(k.dir(), 'bad-cm.yaml');
  writeFileSync(f, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\ndata:\n  "bad key": x\n');
  r = await kubectl(33, 'apply', '-f', f);
  assert.notEqual(r.code, 0);
  assert.match(r.out, /The ConfigMap "bad" is invalid: data\[bad key\]: Invalid value: "bad key": a valid config key must consist of alphanumeric characters, '-', '_' or '\.'/, r.out);
  const res = await fetch(`${k.server().url}/api/v1/namespaces/default/configmaps`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bad' }, data: { 'bad key': 'x' } }),
  });
  assert.equal(res.status, 422);
  const status = await res.json() as { reason: string; details: { causes: Array<{ field: string; reason: string }> } };
  assert.equal(status.reason, 'Invalid');
  assert.deepEqual(status.details.causes.map((c) => [c.field, c.reason]), [['data[bad key]', 'FieldValueInvalid']]);
});
