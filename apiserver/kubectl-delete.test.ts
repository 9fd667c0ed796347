/**
 * Delete semantics as real kubectl exercises them (issue 5): `kubectl delete
 * --dry-run=server` (DeleteOptions with dryRun in the body) deletes nothing,
 * and `kubectl delete namespace --all` cannot delete default, kube-system or
 * kube-public. Real kubectl binaries, real API server, real etcd.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kubectlBin, useKubectl, type KubectlResult } from '../testutil/kubectl.ts';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const k = useKubectl([33, 27], 'kubectl-delete');
const skip = k.skip;
/** Runs kubectl 1.<minor> (async: the server lives in this process). */
const kubectl = (minor: number, ...args: string[]): Promise<KubectlResult> => k.run(minor, args);

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
