/**
 * ServiceAccount admission through the real API server (real etcd): a pod
 * gets `default` and the kube-api-access volume; a pod naming a missing SA is
 * a 403 Status and is not stored; an SA that opts out gets no volume.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, ServiceAccount } from 'kubernetes-types/core/v1';
import { Pods, ServiceAccounts } from '../../client/resources.ts';
import { ApiError } from '../../client/types.ts';
import { startApiServerOrSkip } from '../../../testutil/real-api.ts';
import { TOKEN_MOUNT_PATH, tokenVolumeSource } from './service-account.ts';

const pod = (name: string, sa?: string): Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' },
  spec: { ...(sa ? { serviceAccountName: sa } : {}), containers: [{ name: 'c', image: 'busybox' }] },
});

test('ServiceAccount admission against the real API server', async (t) => {
  const api = await startApiServerOrSkip(t);
  if (!api) return;
  try {
    const c = api.client;
    const created = await c.create<Pod>(Pods, pod('web'), 'default');
    assert.equal(created.spec?.serviceAccountName, 'default');
    const vol = created.spec?.volumes?.find((v) => v.projected);
    assert.match(vol?.name ?? '', /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.deepEqual(vol?.projected, tokenVolumeSource());
    assert.deepEqual((await c.get<Pod>(Pods, 'web', 'default')).spec?.containers[0]?.volumeMounts, [{ name: vol?.name, readOnly: true, mountPath: TOKEN_MOUNT_PATH }]);

    const err = await c.create<Pod>(Pods, pod('lost', 'ghost'), 'default').then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof ApiError);
    assert.deepEqual([err.code, err.reason, err.message], [403, 'Forbidden', 'pods "lost" is forbidden: error looking up service account default/ghost: serviceaccount "ghost" not found']);
    assert.equal(await c.tryGet<Pod>(Pods, 'lost', 'default'), undefined);

    await c.create<ServiceAccount>(ServiceAccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'quiet', namespace: 'default' }, automountServiceAccountToken: false }, 'default');
    const quiet = await c.create<Pod>(Pods, pod('quiet', 'quiet'), 'default');
    assert.equal(quiet.spec?.volumes, undefined);
    assert.equal(quiet.spec?.serviceAccountName, 'quiet');
  } finally {
    await api.stop();
  }
});
