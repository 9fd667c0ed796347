import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Toleration } from 'kubernetes-types/core/v1';
import { Pods } from '../../client/resources.ts';
import { FakeClient } from '../../testing/fake-client.ts';
import { addDefaultTolerations, defaultTolerationSeconds } from './default-toleration-seconds.ts';
import type { AdmissionAttributes } from './chain.ts';

const NR: Toleration = { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };
const UR: Toleration = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };
const pod = (tolerations?: Toleration[]): Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' },
  spec: { containers: [{ name: 'c', image: 'busybox' }], ...(tolerations ? { tolerations } : {}) },
});

test('addDefaultTolerations: kube plugin/pkg/admission/defaulttolerationseconds', () => {
  const mine: Toleration = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 };
  const cases: Array<{ name: string; have?: Toleration[]; want: Toleration[] }> = [
    { name: 'none: both added, not-ready first', want: [NR, UR] },
    { name: 'own unreachable kept, not-ready added', have: [mine], want: [mine, NR] },
    { name: 'both present: untouched', have: [UR, NR], want: [UR, NR] },
    { name: 'empty key tolerates both (tolerate everything)', have: [{ operator: 'Exists' }], want: [{ operator: 'Exists' }] },
    { name: 'empty effect counts', have: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists' }], want: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists' }, UR] },
    { name: 'a NoSchedule toleration does not count', have: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoSchedule' }],
      want: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoSchedule' }, NR, UR] },
    { name: 'a toleration without seconds counts (tolerates forever)', have: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }],
      want: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }, NR] },
  ];
  for (const c of cases) {
    const p = pod(c.have);
    addDefaultTolerations(p);
    assert.deepEqual(p.spec?.tolerations, c.want, c.name);
    addDefaultTolerations(p);
    assert.deepEqual(p.spec?.tolerations, c.want, `${c.name} (idempotent)`);
  }
});

test('the plugin acts on pod creates only', () => {
  const plugin = defaultTolerationSeconds();
  const attrs = (over: Partial<AdmissionAttributes>): AdmissionAttributes => ({
    operation: 'CREATE', group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespace: 'ns', name: 'p', object: pod(), dryRun: false, ...over,
  });
  for (const a of [attrs({ operation: 'UPDATE' }), attrs({ subresource: 'status' }), attrs({ resource: 'configmaps', kind: 'ConfigMap' })]) {
    assert.equal(plugin(a), undefined);
    assert.equal((a.object as Pod).spec?.tolerations, undefined, `${a.operation} ${a.resource}/${a.subresource ?? ''}`);
  }
});

test('through the store: a created pod carries the two default tolerations, its own ones kept', async () => {
  const client = new FakeClient({ namespaces: ['ns'] });
  const created = await client.create<Pod>(Pods, pod(), 'ns');
  assert.deepEqual(created.spec?.tolerations, [NR, UR]);
  assert.deepEqual((await client.get<Pod>(Pods, 'p', 'ns')).spec?.tolerations, [NR, UR]);
  const short = await client.create<Pod>(Pods, { ...pod([{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 }]), metadata: { name: 'short', namespace: 'ns' } }, 'ns');
  assert.deepEqual(short.spec?.tolerations?.map((t) => `${t.key}=${t.tolerationSeconds}`), ['node.kubernetes.io/unreachable=2', 'node.kubernetes.io/not-ready=300']);
});
