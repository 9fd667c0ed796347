/**
 * The served schemas through real, unmodified kubectl against a real API
 * server on real etcd: `kubectl explain` (OpenAPI v3 on 1.33 and 1.27, and
 * the v2 protobuf document with 1.27's plaintext-openapiv2 output), server-side field validation
 * (`apply --validate=strict` with an unknown field, `Warning:` lines), and
 * strategic-merge applies that rely on the schema's merge keys.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kubectlBin, useKubectl, type KubectlResult } from '../testutil/kubectl.ts';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const k = useKubectl([33, 28, 27], 'schema-kubectl');
const skip = k.skip;
/** Runs kubectl 1.<minor> with extra environment variables. */
const kubectl = (minor: number, env: Record<string, string>, ...args: string[]): Promise<KubectlResult> => k.run(minor, args, env);

test('kubectl explain pods.spec.containers and deployment.spec.strategy (1.33 and 1.27 via v3; 1.27 via the v2 protobuf)', { skip }, async () => {
  // The v3 template names types (<[]Container>); the v2 one (plaintext-openapiv2) says <[]Object>.
  const runs: Array<{ minor: number; args: string[]; list: string; obj: (t: string) => string; field: string; version: RegExp }> = [
    { minor: 33, args: [], list: 'Container', obj: (t) => t, field: 'FIELD', version: /GROUP:\s+apps\nKIND:\s+Deployment\nVERSION:\s+v1/ },
    { minor: 27, args: [], list: 'Container', obj: (t) => t, field: 'FIELD', version: /GROUP:\s+apps\nKIND:\s+Deployment\nVERSION:\s+v1/ },
    { minor: 27, args: ['--output=plaintext-openapiv2'], list: 'Object', obj: () => 'Object', field: 'RESOURCE', version: /KIND:\s+Deployment\nVERSION:\s+apps\/v1/ },
  ];
  for (const run of runs) {
    const what = `1.${run.minor} ${run.args.join(' ')}`;
    let r = await kubectl(run.minor, {}, 'explain', 'pods.spec.containers', ...run.args);
    assert.equal(r.code, 0, `${what}: ${r.out}`);
    assert.match(r.out, /KIND:\s+Pod/, what);
    assert.match(r.out, new RegExp(`${run.field}:\\s+containers <\\[\\]${run.list}>`), `${what}: ${r.out}`);
    assert.match(r.out, /List of containers belonging to the pod/, what);
    assert.match(r.out, /image\s+<string>/, what);
    assert.match(r.out, /name\s+<string> -required-/, what);
    r = await kubectl(run.minor, {}, 'explain', 'deployment.spec.strategy', ...run.args);
    assert.equal(r.code, 0, `${what}: ${r.out}`);
    assert.match(r.out, run.version, `${what}: ${r.out}`);
    assert.match(r.out, new RegExp(`${run.field}:\\s+strategy <${run.obj('DeploymentStrategy')}>`), `${what}: ${r.out}`);
    assert.match(r.out, new RegExp(`rollingUpdate\\s+<${run.obj('RollingUpdateDeployment')}>`), what);
    assert.match(r.out, /The deployment strategy to use to replace existing pods with new ones/, what);
    r = await kubectl(run.minor, {}, 'explain', 'deployment.spec.replicas', ...run.args);
    assert.match(r.out, /FIELD:\s+replicas <integer>/, `${what}: ${r.out}`);
  }
});

test('apply --validate=strict with an unknown field fails with the server\'s strict decoding error (1.33, 1.28); default apply warns', { skip }, async () => {
  const file = join(k.dir(), 'bad.yaml');
  const manifest = (name: string): string => ['apiVersion: apps/v1', 'kind: Deployment', 'metadata:', `  name: ${name}`, 'spec:', '  replicas: 1', '  foo: bar',
    '  selector:', '    matchLabels: {app: x}', '  template:', '    metadata:', '      labels: {app: x}', '    spec:', '      containers:', '      - name: c', '        image: busybox', ''].join('\n');
  for (const minor of [33, 28]) {
    writeFileSync(file, manifest(`strict${minor}`));
    const r = await kubectl(minor, {}, 'apply', '--validate=strict', '-f', file);
    assert.notEqual(r.code, 0, r.out);
    assert.match(r.out, /Error from server \(BadRequest\): error when creating ".*bad\.yaml": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec\.foo"/, `1.${minor}: ${r.out}`);
    const gone = await kubectl(33, {}, 'get', 'deployment', `strict${minor}`);
    assert.notEqual(gone.code, 0, 'nothing was created');
  }
  writeFileSync(file, manifest('warned'));
  const r = await kubectl(33, {}, 'apply', '--validate=warn', '-f', file);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /Warning: unknown field "spec\.foo"/);
  assert.match(r.out, /deployment\.apps\/warned created/);
});

test('apply of a changed manifest merges containers and ports by the schema\'s keys (1.33 v3, 1.27 v2)', { skip }, async () => {
  const file = join(k.dir(), 'web.yaml');
  const manifest = (images: string[], port: number): string => ['apiVersion: v1', 'kind: Pod', 'metadata:', '  name: web', 'spec:', '  containers:',
    ...images.flatMap((img, i) => [`  - name: c${i}`, `    image: ${img}`, '    ports:', `    - containerPort: ${port + i}`]), ''].join('\n');
  for (const minor of [33, 27]) {
    writeFileSync(file, manifest(['nginx:1', 'redis:1'], 80));
    let r = await kubectl(minor, {}, 'apply', '-f', file);
    assert.equal(r.code, 0, r.out);
    writeFileSync(file, manifest(['nginx:2', 'redis:2'], 80));
    r = await kubectl(minor, {}, 'apply', '-f', file);
    assert.equal(r.code, 0, `1.${minor}: ${r.out}`);
    assert.match(r.out, /pod\/web configured/);
    r = await kubectl(33, {}, 'get', 'pod', 'web', '-o', 'jsonpath={.spec.containers[*].image} {.spec.containers[*].ports[*].containerPort}');
    assert.equal(r.out, 'nginx:2 redis:2 80 81', `1.${minor}`);
    r = await kubectl(33, {}, 'delete', 'pod', 'web', '--grace-period=0', '--wait=false');
    assert.equal(r.code, 0, r.out);
  }
});
