import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, ServiceAccount } from 'kubernetes-types/core/v1';
import { Pods, ServiceAccounts } from '../../client/resources.ts';
import { ApiError } from '../../client/types.ts';
import { FakeClient } from '../../testing/fake-client.ts';
import type { AdmissionAttributes } from './chain.ts';
import { admitPodServiceAccount, serviceAccountAdmission, TOKEN_MOUNT_PATH, tokenVolumeSource } from './service-account.ts';

const sa = (name: string, extra: Partial<ServiceAccount> = {}): ServiceAccount => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: 'team' }, ...extra });
const pod = (spec: Partial<Pod['spec']> = {}, annotations?: Record<string, string>): Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'team', ...(annotations ? { annotations } : {}) },
  spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec },
});
/** Always picks the first suffix character: the volume is kube-api-access-bbbbb. */
const first = (): number => 0;
const VOL = 'kube-api-access-bbbbb';
const MOUNT = { name: VOL, readOnly: true, mountPath: TOKEN_MOUNT_PATH };

test('ServiceAccount admission mutations (Kubernetes plugin/pkg/admission/serviceaccount)', () => {
  const cases: Array<{ name: string; pod: Pod; sa?: ServiceAccount; code?: number; message?: string; want?: Partial<NonNullable<Pod['spec']>> }> = [
    {
      name: 'no SA name: default, token volume and mount', pod: pod(), sa: sa('default'),
      want: { serviceAccountName: 'default', containers: [{ name: 'c', image: 'busybox', volumeMounts: [MOUNT] }], volumes: [{ name: VOL, projected: tokenVolumeSource() }] },
    },
    {
      name: 'init containers get the mount too', pod: pod({ initContainers: [{ name: 'i', image: 'busybox' }] }), sa: sa('default'),
      want: { serviceAccountName: 'default', initContainers: [{ name: 'i', image: 'busybox', volumeMounts: [MOUNT] }], containers: [{ name: 'c', image: 'busybox', volumeMounts: [MOUNT] }], volumes: [{ name: VOL, projected: tokenVolumeSource() }] },
    },
    {
      name: 'pod opts out', pod: pod({ automountServiceAccountToken: false }), sa: sa('default'),
      want: { serviceAccountName: 'default', automountServiceAccountToken: false, containers: [{ name: 'c', image: 'busybox' }] },
    },
    {
      name: 'SA opts out', pod: pod({ serviceAccountName: 'builder' }), sa: sa('builder', { automountServiceAccountToken: false }),
      want: { serviceAccountName: 'builder', containers: [{ name: 'c', image: 'busybox' }] },
    },
    {
      name: "the pod's true wins over the SA's false", pod: pod({ serviceAccountName: 'builder', automountServiceAccountToken: true }), sa: sa('builder', { automountServiceAccountToken: false }),
      want: { serviceAccountName: 'builder', automountServiceAccountToken: true, containers: [{ name: 'c', image: 'busybox', volumeMounts: [MOUNT] }], volumes: [{ name: VOL, projected: tokenVolumeSource() }] },
    },
    {
      name: 'a container already mounting the path is left alone; no container needs it, no volume',
      pod: pod({ containers: [{ name: 'c', image: 'busybox', volumeMounts: [{ name: 'mine', mountPath: TOKEN_MOUNT_PATH }] }], volumes: [{ name: 'mine', emptyDir: {} }] }), sa: sa('default'),
      want: { serviceAccountName: 'default', containers: [{ name: 'c', image: 'busybox', volumeMounts: [{ name: 'mine', mountPath: TOKEN_MOUNT_PATH }] }], volumes: [{ name: 'mine', emptyDir: {} }] },
    },
    {
      name: 'an existing kube-api-access volume is reused',
      pod: pod({ volumes: [{ name: 'kube-api-access-zzzzz', projected: tokenVolumeSource() }] }), sa: sa('default'),
      want: { serviceAccountName: 'default', containers: [{ name: 'c', image: 'busybox', volumeMounts: [{ ...MOUNT, name: 'kube-api-access-zzzzz' }] }], volumes: [{ name: 'kube-api-access-zzzzz', projected: tokenVolumeSource() }] },
    },
    {
      name: "imagePullSecrets default to the SA's", pod: pod({ automountServiceAccountToken: false }), sa: sa('default', { imagePullSecrets: [{ name: 'reg' }] }),
      want: { serviceAccountName: 'default', automountServiceAccountToken: false, containers: [{ name: 'c', image: 'busybox' }], imagePullSecrets: [{ name: 'reg' }] },
    },
    {
      name: 'a named SA that does not exist: 403', pod: pod({ serviceAccountName: 'ghost' }), code: 403,
      message: 'pods "p" is forbidden: error looking up service account team/ghost: serviceaccount "ghost" not found',
    },
    {
      name: 'default not created yet (Skiff: admitted and mounted)', pod: pod(),
      want: { serviceAccountName: 'default', containers: [{ name: 'c', image: 'busybox', volumeMounts: [MOUNT] }], volumes: [{ name: VOL, projected: tokenVolumeSource() }] },
    },
    {
      name: 'mirror pods are not touched', pod: pod({}, { 'kubernetes.io/config.mirror': 'x' }),
      want: { containers: [{ name: 'c', image: 'busybox' }] },
    },
  ];
  for (const c of cases) {
    const p = structuredClone(c.pod);
    const err = admitPodServiceAccount(p, 'team', 'p', c.sa, first);
    assert.equal(err?.code, c.code, c.name);
    if (c.message) assert.equal(err?.message, c.message, c.name);
    if (c.want) assert.deepEqual(p.spec, c.want, c.name);
  }
});

test('the token volume is kube-api-access-<5 chars of the name alphabet>', () => {
  const p = pod();
  admitPodServiceAccount(p, 'team', 'p', sa('default'));
  assert.match(p.spec?.volumes?.[0]?.name ?? '', /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  assert.deepEqual(tokenVolumeSource(), {
    defaultMode: 420,
    sources: [
      { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
  });
});

test('the plugin acts on pod creates only and reads the pod\'s SA', async () => {
  const asked: string[] = [];
  const plugin = serviceAccountAdmission(async (ns, name) => { asked.push(`${ns}/${name}`); return undefined; });
  const attrs = (over: Partial<AdmissionAttributes>): AdmissionAttributes => ({
    operation: 'CREATE', group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespace: 'team', name: 'p', object: pod({ serviceAccountName: 'x' }), dryRun: false, ...over,
  });
  assert.equal(await plugin(attrs({ operation: 'UPDATE' })), undefined);
  assert.equal(await plugin(attrs({ subresource: 'binding' })), undefined);
  assert.equal(await plugin(attrs({ resource: 'configmaps', kind: 'ConfigMap' })), undefined);
  assert.deepEqual(asked, []);
  assert.equal((await plugin(attrs({})))?.code, 403);
  assert.deepEqual(asked, ['team/x']);
});

test('through the store: created pods carry the SA and the token volume; a missing named SA is 403 and nothing is written', async () => {
  const client = new FakeClient({ namespaces: ['team'] });
  await client.create<ServiceAccount>(ServiceAccounts, sa('builder', { automountServiceAccountToken: false }), 'team');
  const created = await client.create<Pod>(Pods, pod(), 'team');
  assert.equal(created.spec?.serviceAccountName, 'default');
  const vol = created.spec?.volumes?.find((v) => v.name.startsWith('kube-api-access-'));
  assert.deepEqual(vol?.projected, tokenVolumeSource());
  assert.deepEqual(created.spec?.containers[0]?.volumeMounts, [{ name: vol?.name, readOnly: true, mountPath: TOKEN_MOUNT_PATH }]);
  // Stored, not just returned.
  assert.deepEqual((await client.get<Pod>(Pods, 'p', 'team')).spec?.volumes, created.spec?.volumes);

  const quiet = await client.create<Pod>(Pods, { ...pod({ serviceAccountName: 'builder' }), metadata: { name: 'q', namespace: 'team' } }, 'team');
  assert.equal(quiet.spec?.volumes, undefined);

  const err = await client.create<Pod>(Pods, { ...pod({ serviceAccountName: 'ghost' }), metadata: { name: 'r', namespace: 'team' } }, 'team').then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof ApiError);
  assert.equal(err.code, 403);
  assert.equal(err.message, 'pods "r" is forbidden: error looking up service account team/ghost: serviceaccount "ghost" not found');
  assert.equal(await client.tryGet<Pod>(Pods, 'r', 'team'), undefined);
});
