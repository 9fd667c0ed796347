import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1';
import { ConfigError, referencedSources, sourceEnv, volumeFiles, writeSourceVolumes, type PodSources } from './sources.ts';

const pod: Pod = {
  metadata: { name: 'p', namespace: 'ns', uid: 'u1' },
  spec: {
    containers: [{
      name: 'app',
      env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cm', key: 'a' } } }, { name: 'S', valueFrom: { secretKeyRef: { name: 'sec', key: 'pw' } } }],
      envFrom: [{ configMapRef: { name: 'cm' }, prefix: 'CM_' }],
    }],
    volumes: [{ name: 'conf', configMap: { name: 'cm', items: [{ key: 'a', path: 'dir/a.txt' }] } }, { name: 'creds', secret: { secretName: 'sec' } }],
  },
};
const src: PodSources = { configMaps: new Map([['cm', { a: '1', b: '2' }]]), secrets: new Map([['sec', { pw: 'hunter2' }]]) };

test('referencedSources', () => {
  const r = referencedSources(pod);
  assert.deepEqual([...r.configMaps], ['cm']);
  assert.deepEqual([...r.secrets], ['sec']);
});

test('referencedSources: projected volume sources only when the kubelet projects', () => {
  const p: typeof pod = { ...pod, spec: { containers: [{ name: 'c' }], volumes: [{ name: 'v', projected: { sources: [{ configMap: { name: 'kube-root-ca.crt' } }, { secret: { name: 'sk' } }] } }] } };
  assert.deepEqual([...referencedSources(p).configMaps], []);
  const r = referencedSources(p, true);
  assert.deepEqual([[...r.configMaps], [...r.secrets]], [['kube-root-ca.crt'], ['sk']]);
});

test('sourceEnv: envFrom with prefix, key refs, missing refs', () => {
  const e = sourceEnv(pod.spec!.containers[0], src);
  assert.deepEqual(e.envFrom, [['CM_a', '1'], ['CM_b', '2']]);
  assert.equal(e.lookup('A'), '1');
  assert.equal(e.lookup('S'), 'hunter2');
  const missing: PodSources = { configMaps: new Map([['cm', undefined]]), secrets: new Map() };
  assert.throws(() => sourceEnv(pod.spec!.containers[0], missing), (err: unknown) => err instanceof ConfigError && err.message === 'configmap "cm" not found');
  assert.throws(() => sourceEnv({ name: 'x', env: [{ name: 'Z', valueFrom: { configMapKeyRef: { name: 'cm', key: 'zz' } } }] }, src), /couldn't find key zz in configmap cm/);
  const opt = sourceEnv({ name: 'x', env: [{ name: 'Z', valueFrom: { configMapKeyRef: { name: 'gone', key: 'zz', optional: true } } }] }, { configMaps: new Map([['gone', undefined]]), secrets: new Map() });
  assert.equal(opt.lookup('Z'), undefined);
});

test('volume files are written and pruned', async () => {
  assert.deepEqual([...volumeFiles({ a: '1', b: '2' }, undefined)], [['a', '1'], ['b', '2']]);
  assert.deepEqual([...volumeFiles({ a: '1', b: '2' }, [{ key: 'b', path: 'x/y' }])], [['x/y', '2']]);
  const root = await mkdtemp(join(tmpdir(), 'skiff-src-'));
  try {
    await writeSourceVolumes(root, pod, src);
    const base = join(root, 'pods', 'u1', 'volumes');
    assert.equal(await readFile(join(base, 'conf', 'dir', 'a.txt'), 'utf8'), '1');
    assert.equal(await readFile(join(base, 'creds', 'pw'), 'utf8'), 'hunter2');
    await writeSourceVolumes(root, pod, { ...src, secrets: new Map([['sec', { token: 't' }]]) });
    assert.deepEqual((await readdir(join(base, 'creds'))).filter((e) => !e.startsWith('..')), ['token'], 'user-visible names (the atomic writer keeps ..data and its payload dir beside them)');
    await assert.rejects(writeSourceVolumes(root, pod, { configMaps: new Map([['cm', undefined]]), secrets: src.secrets }), ConfigError);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
