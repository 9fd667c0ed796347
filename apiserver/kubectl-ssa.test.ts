/**
 * Server-side apply and managedFields with the real, unmodified kubectl 1.27
 * and 1.33 against a real API server on real etcd: apply --server-side
 * creates, another field manager changing an owned field gets kubectl's
 * conflict error, --force-conflicts takes ownership, and create /
 * client-side apply / scale writes show their managers under
 * --show-managed-fields.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kubectlBin, useKubectl, type KubectlResult } from '../testutil/kubectl.ts';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ManagedFieldsEntry } from 'kubernetes-types/meta/v1';

const MINORS = [27, 33];
const k = useKubectl(MINORS, 'kubectl-ssa');
const skip = k.skip;
/** Runs kubectl 1.<minor> (async: the server lives in this process). */
const kubectl = (minor: number, ...args: string[]): Promise<KubectlResult> => k.run(minor, args);

function deployment(name: string, replicas: number, labels = ''): string {
  const image = 'nginx:1.25';
  const file = join(k.dir(), `${name}-${replicas}-${labels.replace(/[^a-z0-9]/g, '')}.yaml`);
  writeFileSync(file, [
    'apiVersion: apps/v1', 'kind: Deployment', `metadata: {name: ${name}${labels ? `, labels: {${labels}}` : ''}}`, 'spec:', `  replicas: ${replicas}`,
    `  selector: {matchLabels: {app: ${name}}}`, '  template:', `    metadata: {labels: {app: ${name}}}`,
    '    spec:', '      containers:', `      - {name: web, image: "${image}"}`, '',
  ].join('\n'));
  return file;
}

async function managers(minor: number, name: string): Promise<ManagedFieldsEntry[]> {
  const r = await kubectl(minor, 'get', 'deployment', name, '-o', 'yaml', '--show-managed-fields');
  assert.equal(r.code, 0, r.out);
  return (parseYaml(r.out) as { metadata: { managedFields?: ManagedFieldsEntry[] } }).metadata.managedFields ?? [];
}

for (const minor of MINORS) {
  test(`kubectl 1.${minor}: apply --server-side creates; another manager conflicts; --force-conflicts takes ownership`, { skip }, async () => {
    const name = `ssa-${minor}`;
    let r = await kubectl(minor, 'apply', '--server-side', '-f', deployment(name, 2));
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, new RegExp(`deployment.apps/${name} serverside-applied`));
    let ms = await managers(minor, name);
    assert.deepEqual(ms.map((m) => [m.manager, m.operation]), [['kubectl', 'Apply']]);
    assert.ok(JSON.stringify(ms[0].fieldsV1).includes('"f:replicas":{}'), JSON.stringify(ms[0].fieldsV1));

    r = await kubectl(minor, 'apply', '--server-side', '--field-manager=other', '-f', deployment(name, 3));
    assert.notEqual(r.code, 0, r.out);
    assert.match(r.out, /Apply failed with 1 conflict: conflict with "kubectl": \.spec\.replicas/);
    assert.match(r.out, /Please review the fields above--they currently have other managers/);

    r = await kubectl(minor, 'apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', deployment(name, 3));
    assert.equal(r.code, 0, r.out);
    r = await kubectl(minor, 'get', 'deployment', name, '-o', 'jsonpath={.spec.replicas}');
    assert.equal(r.out, '3');
    ms = await managers(minor, name);
    assert.ok(JSON.stringify(ms.find((m) => m.manager === 'other')?.fieldsV1).includes('f:replicas'));
    assert.ok(!JSON.stringify(ms.find((m) => m.manager === 'kubectl')?.fieldsV1).includes('f:replicas'));

    // A field the first manager applied alone and then drops from its manifest is removed.
    r = await kubectl(minor, 'apply', '--server-side', '-f', deployment(name, 3, 'tier: web'));
    assert.equal(r.code, 0, r.out);
    r = await kubectl(minor, 'get', 'deployment', name, '-o', 'jsonpath={.metadata.labels.tier}');
    assert.equal(r.out, 'web');
    r = await kubectl(minor, 'apply', '--server-side', '-f', deployment(name, 3));
    assert.equal(r.code, 0, r.out);
    r = await kubectl(minor, 'get', 'deployment', name, '-o', 'jsonpath={.metadata.labels}');
    assert.equal(r.out, '');
  });

  test(`kubectl 1.${minor}: create, client-side apply and scale record their managers (--show-managed-fields)`, { skip }, async () => {
    const created = `created-${minor}`;
    let r = await kubectl(minor, 'create', 'deployment', created, '--image=nginx:1.25');
    assert.equal(r.code, 0, r.out);
    assert.deepEqual((await managers(minor, created)).map((m) => [m.manager, m.operation]), [['kubectl-create', 'Update']]);

    const csa = `csa-${minor}`;
    r = await kubectl(minor, 'apply', '-f', deployment(csa, 1));
    assert.equal(r.code, 0, r.out);
    assert.deepEqual((await managers(minor, csa)).map((m) => [m.manager, m.operation]), [['kubectl-client-side-apply', 'Update']]);

    // Another applier changing a field the client-side apply set: kube's conflict naming the Update manager and its apiVersion.
    r = await kubectl(minor, 'apply', '--server-side', '--field-manager=other', '-f', deployment(csa, 5));
    assert.notEqual(r.code, 0, r.out);
    assert.match(r.out, /Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps\/v1: \.spec\.replicas/);

    // kubectl's own server-side apply takes over from its client-side apply (the apiserver honours the
    // last-applied annotation for the manager "kubectl"; kubectl then migrates the client-side entry).
    const up = `upgrade-${minor}`;
    r = await kubectl(minor, 'apply', '-f', deployment(up, 1));
    assert.equal(r.code, 0, r.out);
    r = await kubectl(minor, 'apply', '--server-side', '-f', deployment(up, 2));
    assert.equal(r.code, 0, r.out);
    r = await kubectl(minor, 'get', 'deployment', up, '-o', 'jsonpath={.spec.replicas}');
    assert.equal(r.out, '2');
    const upgraded = await managers(minor, up);
    assert.ok(JSON.stringify(upgraded.find((m) => m.manager === 'kubectl' && m.operation === 'Apply')?.fieldsV1).includes('f:replicas'), JSON.stringify(upgraded));
    // kubectl moved the client-side entry into its Apply entry (csaupgrade) and keeps the annotation as "kubectl-last-applied".
    assert.deepEqual(upgraded.map((m) => `${m.manager}/${m.operation}`).sort(), ['kubectl-last-applied/Apply', 'kubectl/Apply']);

    r = await kubectl(minor, 'scale', 'deployment', csa, '--replicas=4');
    assert.equal(r.code, 0, r.out);
    const ms = await managers(minor, csa);
    const scaler = ms.find((m) => m.subresource === 'scale');
    assert.ok(scaler, JSON.stringify(ms));
    assert.match(scaler.manager ?? '', /^kubectl/);
    assert.equal(JSON.stringify(scaler.fieldsV1), '{"f:spec":{"f:replicas":{}}}');
    r = await kubectl(minor, 'get', 'deployment', csa, '-o', 'yaml');
    assert.doesNotMatch(r.out, /managedFields/);
  });
}

test('kubectl 1.33: server-side apply merges a Service\'s ports by (port, protocol) and removes a dropped one', { skip }, async () => {
  const svc = (ports: number[]): string => {
    const file = join(k.dir(), `svc-${ports.join('-')}.yaml`);
    writeFileSync(file, ['apiVersion: v1', 'kind: Service', 'metadata: {name: ssa-svc}', 'spec:', '  selector: {app: x}', '  ports:', ...ports.map((p) => `  - {name: p${p}, port: ${p}}`), ''].join('\n'));
    return file;
  };
  let r = await kubectl(33, 'apply', '--server-side', '-f', svc([80]));
  assert.equal(r.code, 0, r.out);
  r = await kubectl(33, 'get', 'service', 'ssa-svc', '-o', 'jsonpath={.spec.clusterIP}');
  const ip = r.out;
  assert.match(ip, /^10\.\d+\.\d+\.\d+$/);
  r = await kubectl(33, 'apply', '--server-side', '-f', svc([80, 443]));
  assert.equal(r.code, 0, r.out);
  r = await kubectl(33, 'get', 'service', 'ssa-svc', '-o', 'jsonpath={.spec.ports[*].port} {.spec.clusterIP}');
  assert.equal(r.out, `80 443 ${ip}`);
  r = await kubectl(33, 'apply', '--server-side', '-f', svc([443]));
  assert.equal(r.code, 0, r.out);
  r = await kubectl(33, 'get', 'service', 'ssa-svc', '-o', 'jsonpath={.spec.ports[*].port}');
  assert.equal(r.out, '443');
});
