import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Namespace, Pod, Service } from 'kubernetes-types/core/v1';
import type { Deployment } from 'kubernetes-types/apps/v1';
import { startApiServer, type TestApiServer } from '../testutil/apiserver.ts';
import { Deployments, Namespaces, Pods, Services } from './client/resources.ts';
import { isConflict, type WatchEvent } from './client/types.ts';

const run = promisify(execFile);
let api: TestApiServer;
let dir: string;

before(async () => {
  api = await startApiServer();
  dir = await mkdtemp(join(tmpdir(), 'skiff-kubectl-'));
  await writeFile(join(dir, 'kubeconfig'), [
    'apiVersion: v1', 'kind: Config', 'current-context: t',
    'clusters:', '- name: t', '  cluster:', `    server: ${api.url}`,
    'contexts:', '- name: t', '  context:', '    cluster: t', '    user: t',
    'users:', '- name: t', '  user: {}', '',
  ].join('\n'));
});

after(async () => {
  await api.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('bootstrap and RestClient', () => {
  test('extra routes are mounted beside the generic ones', async () => {
    const log = await fetch(`${api.url}/api/v1/namespaces/default/pods/nope/log`);
    assert.equal(log.status, 404);
    assert.equal(((await log.json()) as { message?: string }).message, 'pods "nope" not found', 'pods/log route answers, not the generic one');
    const version = (await (await fetch(`${api.url}/version`)).json()) as { major?: string };
    assert.equal(version.major, '1');
    const v1 = (await (await fetch(`${api.url}/api/v1`)).json()) as { kind?: string; resources?: unknown[] };
    assert.equal(v1.kind, 'APIResourceList');
    const cs = await fetch(`${api.url}/api/v1/componentstatuses/etcd-0`);
    assert.equal(cs.status, 200);
    const ready = await fetch(`${api.url}/readyz`);
    assert.equal(await ready.text(), 'ok');
  });

  test('system namespaces and the kubernetes Service exist', async () => {
    const list = await api.client.list<Namespace>(Namespaces);
    const names = list.items.map((n) => n.metadata?.name).sort();
    assert.deepEqual(names, ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    const svc = await api.client.get<Service>(Services, 'kubernetes', 'default');
    assert.equal(svc.spec?.clusterIP, '10.96.0.1');
    assert.equal(svc.spec?.ports?.[0]?.port, 443);
    assert.equal(svc.spec?.ports?.[0]?.targetPort, Number(new URL(api.url).port), 'targetPort is the port the API server listens on');
  });

  test('CRUD, conflict and watch through RestClient over a socket', async () => {
    const created = await api.client.create<Pod>(Pods, { metadata: { name: 'rc' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }, 'default');
    const rv = created.metadata?.resourceVersion;
    const w = await api.client.watch<Pod>(Pods, { namespace: 'default', resourceVersion: rv });
    await api.client.update<Pod>(Pods, { ...created, metadata: { ...created.metadata, labels: { a: 'b' } } }, 'default');
    await assert.rejects(api.client.update<Pod>(Pods, created, 'default'), (e: unknown) => isConflict(e));
    await api.client.delete(Pods, 'rc', 'default');
    const seen: Array<WatchEvent<Pod>['type']> = [];
    for await (const ev of w) {
      seen.push(ev.type);
      if (seen.length === 2) break;
    }
    w.stop();
    assert.deepEqual(seen, ['MODIFIED', 'DELETED']);
  });
});

const kubectlBin = '/usr/bin/kubectl';

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run(kubectlBin, ['--kubeconfig', join(dir, 'kubeconfig'), ...args], { timeout: 60000 });
  return stdout;
}

describe('real kubectl', { skip: existsSync(kubectlBin) ? false : 'kubectl not installed' }, () => {
  test('get, apply twice (SMP with $setElementOrder), scale, delete', async () => {
    const ns = await kubectl('get', 'namespaces');
    assert.match(ns, /^NAME\s+STATUS\s+AGE/m);
    assert.match(ns, /^kube-system\s+Active/m);
    const manifest = (image: string, extra: string): string => [
      'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: web', '  namespace: default', 'spec:', '  replicas: 2',
      '  selector:', '    matchLabels:', '      app: web', '  template:', '    metadata:', '      labels:', '        app: web', '    spec:', '      containers:',
      ...extra ? [`      - name: ${extra}`, '        image: busybox'] : [],
      '      - name: web', `        image: ${image}`, '        ports:', '        - containerPort: 80', '',
    ].join('\n');
    await writeFile(join(dir, 'd.yaml'), manifest('nginx:1', ''));
    assert.match(await kubectl('apply', '-f', join(dir, 'd.yaml')), /deployment.apps\/web created/);
    await writeFile(join(dir, 'd.yaml'), manifest('nginx:2', 'side'));
    assert.match(await kubectl('apply', '-f', join(dir, 'd.yaml')), /deployment.apps\/web configured/);
    const d = await api.client.get<Deployment>(Deployments, 'web', 'default');
    assert.deepEqual(d.spec?.template.spec?.containers.map((c) => [c.name, c.image]), [['side', 'busybox'], ['web', 'nginx:2']]);
    assert.equal(d.metadata?.generation, 2);
    assert.match(await kubectl('scale', 'deployment/web', '--replicas=5'), /scaled/);
    assert.equal((await api.client.get<Deployment>(Deployments, 'web', 'default')).spec?.replicas, 5);
    const wide = await kubectl('get', 'deployments', '-o', 'wide');
    assert.match(wide, /^web\s/m);
    const json = JSON.parse(await kubectl('get', 'deployment', 'web', '-o', 'json')) as Deployment;
    assert.equal(json.spec?.replicas, 5);
    assert.match(await kubectl('delete', 'deployment', 'web'), /deleted/);
    await assert.rejects(api.client.get(Deployments, 'web', 'default'));
  });

  test('kubectl create (protobuf request bodies in kubectl >= 1.32)', async () => {
    assert.match(await kubectl('create', 'namespace', 'made'), /namespace\/made created/);
    const ns = await api.client.get<Namespace>(Namespaces, 'made');
    assert.equal(ns.status?.phase, 'Active');
    assert.match(await kubectl('create', 'deployment', 'pb', '--image=nginx:1.25', '--port=8080', '--replicas=3', '-n', 'made'), /created/);
    const d = await api.client.get<Deployment>(Deployments, 'pb', 'made');
    assert.equal(d.spec?.replicas, 3);
    assert.deepEqual(d.spec?.selector.matchLabels, { app: 'pb' });
    const c = d.spec?.template.spec?.containers[0];
    assert.equal(c?.image, 'nginx:1.25');
    assert.equal(c?.ports?.[0]?.containerPort, 8080);
    assert.equal(d.spec?.template.metadata?.creationTimestamp, undefined, 'unset times stay unset');
    assert.match(await kubectl('delete', 'namespace', 'made'), /deleted/);
  });
});
