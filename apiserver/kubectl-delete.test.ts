/**
 * Delete semantics as real kubectl exercises them (issue 5): `kubectl delete
 * --dry-run=server` (DeleteOptions with dryRun in the body) deletes nothing,
 * and `kubectl delete namespace --all` cannot delete default, kube-system or
 * kube-public. Real kubectl binaries, real API server, real etcd.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestApiServer } from '../testutil/apiserver.ts';

const exec = promisify(execFile);
const bin = (minor: number): string => `/usr/lib/google-cloud-sdk/bin/kubectl.1.${minor}`;
const missing = [33, 27].map(bin).filter((b) => !existsSync(b));
const skip = missing.length > 0 ? `kubectl binaries missing: ${missing.join(', ')}` : !existsSync('/usr/bin/etcd') ? 'etcd not installed' : false;

let server: TestApiServer | undefined;
let dir = '';
let kubeconfig = '';

before(async () => {
  if (skip) return;
  const { startApiServer } = await import('../testutil/apiserver.ts');
  server = await startApiServer();
  dir = mkdtempSync(join(tmpdir(), 'skiff-kubectl-delete-'));
  kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, [
    'apiVersion: v1', 'kind: Config',
    'clusters:', '- name: c', '  cluster:', `    server: ${server.url}`,
    'contexts:', '- name: c', '  context:', '    cluster: c', '    user: u',
    'current-context: c', 'users:', '- name: u', '  user: {}', '',
  ].join('\n'));
});

after(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs kubectl and returns stdout+stderr and the exit code. */
async function kubectl(minor: number, ...args: string[]): Promise<{ out: string; code: number }> {
  try {
    const r = await exec(bin(minor), ['--kubeconfig', kubeconfig, ...args], { env: { ...process.env, HOME: dir, KUBECACHEDIR: join(dir, `cache-${minor}`) }, timeout: 60000 });
    return { out: r.stdout + r.stderr, code: 0 };
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string; code?: number };
    return { out: (x.stdout ?? '') + (x.stderr ?? ''), code: typeof x.code === 'number' ? x.code : 1 };
  }
}

test('kubectl delete --dry-run=server deletes nothing (1.33 and 1.27)', { skip }, async () => {
  for (const minor of [33, 27]) {
    const name = `keep-${minor}`;
    assert.equal((await kubectl(minor, 'create', 'configmap', name, '--from-literal=k=v')).code, 0);
    const del = await kubectl(minor, 'delete', 'configmap', name, '--dry-run=server');
    assert.equal(del.code, 0, del.out);
    assert.match(del.out, new RegExp(`configmap "${name}" deleted \\(server dry run\\)`));
    const get = await kubectl(minor, 'get', 'configmap', name, '-o', 'jsonpath={.data.k}');
    assert.equal(get.code, 0, get.out);
    assert.equal(get.out, 'v');
  }
});

test('kubectl delete namespace --all: default, kube-system and kube-public are Forbidden and stay', { skip }, async () => {
  assert.equal((await kubectl(33, 'create', 'namespace', 'scratch')).code, 0);
  const del = await kubectl(33, 'delete', 'namespace', '--all', '--wait=false');
  assert.notEqual(del.code, 0, del.out);
  for (const ns of ['default', 'kube-system', 'kube-public']) {
    assert.match(del.out, new RegExp(`Error from server \\(Forbidden\\): namespaces "${ns}" is forbidden: this namespace may not be deleted`), del.out);
  }
  assert.match(del.out, /namespace "scratch" deleted/);
  const get = await kubectl(33, 'get', 'namespaces', 'default', 'kube-system', 'kube-public', '-o', 'jsonpath={.items[*].status.phase}');
  assert.equal(get.out, 'Active Active Active', get.out);
});
