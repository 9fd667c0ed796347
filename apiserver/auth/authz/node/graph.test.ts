import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1';
import { NodeGraph, podVertices } from './graph.ts';

const pod = (name: string, nodeName: string | undefined, spec: Partial<NonNullable<Pod['spec']>> = {}): Pod => ({
  metadata: { name, namespace: 'ns' }, spec: { containers: [{ name: 'c' }], ...(nodeName ? { nodeName } : {}), ...spec },
});

test('podVertices: every reference kind of a bound pod, none of an unbound one', () => {
  const cases: Array<{ name: string; pod: Pod; want: string[] }> = [
    { name: 'unbound', pod: pod('p', undefined, { volumes: [{ name: 'v', secret: { secretName: 's' } }] }), want: [] },
    { name: 'bare bound pod', pod: pod('p', 'n1'), want: ['pods/ns/p'] },
    {
      name: 'volumes, projected, pvc, ephemeral, csi',
      pod: pod('p', 'n1', { volumes: [
        { name: 'a', secret: { secretName: 's1' } }, { name: 'b', configMap: { name: 'c1' } },
        { name: 'c', persistentVolumeClaim: { claimName: 'claim' } }, { name: 'd', ephemeral: {} },
        { name: 'e', projected: { sources: [{ secret: { name: 's2' } }, { configMap: { name: 'c2' } }] } },
        { name: 'f', csi: { driver: 'x', nodePublishSecretRef: { name: 's3' } } },
      ] }),
      want: ['configmaps/ns/c1', 'configmaps/ns/c2', 'persistentvolumeclaims/ns/claim', 'persistentvolumeclaims/ns/p-d', 'pods/ns/p', 'secrets/ns/s1', 'secrets/ns/s2', 'secrets/ns/s3'],
    },
    {
      name: 'env, envFrom of init containers, pull secrets, service account',
      pod: pod('p', 'n1', {
        serviceAccountName: 'sa', imagePullSecrets: [{ name: 'pull' }],
        initContainers: [{ name: 'i', envFrom: [{ secretRef: { name: 'ef' } }, { configMapRef: { name: 'efc' } }],
          env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'es', key: 'k' } } }, { name: 'B', valueFrom: { configMapKeyRef: { name: 'ec', key: 'k' } } }] }],
      }),
      want: ['configmaps/ns/ec', 'configmaps/ns/efc', 'pods/ns/p', 'secrets/ns/ef', 'secrets/ns/es', 'secrets/ns/pull', 'serviceaccounts/ns/sa'],
    },
  ];
  for (const c of cases) assert.deepEqual(podVertices(c.pod).sort(), c.want, c.name);
});

test('NodeGraph: a shared secret stays reachable until its last pod goes; rebinding moves edges', () => {
  const g = new NodeGraph();
  const uses = { volumes: [{ name: 'v', secret: { secretName: 'shared' } }] };
  g.putPod(pod('a', 'n1', uses));
  g.putPod(pod('b', 'n1', uses));
  assert.equal(g.hasPathFrom('n1', 'secrets', 'ns', 'shared'), true);
  assert.equal(g.hasPathFrom('n2', 'secrets', 'ns', 'shared'), false);
  g.deletePod(pod('a', 'n1'));
  assert.equal(g.hasPathFrom('n1', 'secrets', 'ns', 'shared'), true);
  assert.equal(g.hasPathFrom('n1', 'pods', 'ns', 'a'), false);
  g.putPod(pod('b', 'n2', uses));
  assert.equal(g.hasPathFrom('n1', 'secrets', 'ns', 'shared'), false);
  assert.equal(g.hasPathFrom('n2', 'secrets', 'ns', 'shared'), true);
  g.putPod(pod('b', 'n2', {}));
  assert.equal(g.hasPathFrom('n2', 'secrets', 'ns', 'shared'), false, 'an update that drops the volume drops the edge');
  assert.equal(g.hasPathFrom('n2', 'pods', 'ns', 'b'), true);
  g.deletePod(pod('never', 'n1'));
});
