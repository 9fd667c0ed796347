import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/object.ts';
import type { AdmissionAttributes } from './chain.ts';
import { decideNamespaceLifecycle, namespaceLifecycle } from './namespace-lifecycle.ts';

const active: KubeObject = { metadata: { name: 'team' }, status: { phase: 'Active' } } as KubeObject;
const terminating: KubeObject = { metadata: { name: 'team', deletionTimestamp: '2026-01-01T00:00:00Z' }, status: { phase: 'Terminating' } } as KubeObject;

const write = (over: Partial<AdmissionAttributes>): AdmissionAttributes => ({
  operation: 'CREATE', group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespace: 'team', name: 'c',
  object: { metadata: { name: 'c' } }, dryRun: false, ...over,
});
const nsWrite = (operation: AdmissionAttributes['operation'], name: string): AdmissionAttributes =>
  write({ operation, resource: 'namespaces', kind: 'Namespace', namespace: undefined, name });

test('NamespaceLifecycle decisions (Kubernetes plugin/pkg/admission/namespace/lifecycle)', () => {
  const cases: Array<[string, AdmissionAttributes, KubeObject | undefined, number | undefined, RegExp?]> = [
    ['create in an active namespace', write({}), active, undefined],
    ['create in a missing namespace', write({}), undefined, 404, /^namespaces "team" not found$/],
    ['create in a terminating namespace', write({}), terminating, 403, /^configmaps "c" is forbidden: unable to create new content in namespace team because it is being terminated$/],
    ['binding (a create of pods/binding) in a terminating namespace', write({ resource: 'pods', subresource: 'binding', name: 'p' }), terminating, 403],
    ['update in a terminating namespace', write({ operation: 'UPDATE' }), terminating, undefined],
    ['delete in a terminating namespace', write({ operation: 'DELETE' }), terminating, undefined],
    ['delete in a missing namespace', write({ operation: 'DELETE' }), undefined, undefined],
    ['cluster-scoped create', write({ resource: 'nodes', kind: 'Node', namespace: undefined }), undefined, undefined],
    ['create a namespace', nsWrite('CREATE', 'new'), undefined, undefined],
    ['delete an ordinary namespace', nsWrite('DELETE', 'team'), undefined, undefined],
    ['delete default', nsWrite('DELETE', 'default'), undefined, 403, /^namespaces "default" is forbidden: this namespace may not be deleted$/],
    ['delete kube-system', nsWrite('DELETE', 'kube-system'), undefined, 403],
    ['delete kube-public', nsWrite('DELETE', 'kube-public'), undefined, 403],
    ['delete kube-node-lease (not immortal)', nsWrite('DELETE', 'kube-node-lease'), undefined, undefined],
    ['update default', nsWrite('UPDATE', 'default'), undefined, undefined],
  ];
  for (const [name, attrs, ns, code, msg] of cases) {
    const err = decideNamespaceLifecycle(attrs, ns);
    assert.equal(err?.code, code, name);
    if (msg) assert.match(err!.message, msg, name);
  }
});

test('the terminating rejection carries the NamespaceTerminating cause', () => {
  const err = decideNamespaceLifecycle(write({}), terminating);
  assert.deepEqual(err?.status.details?.causes, [{ reason: 'NamespaceTerminating', message: 'namespace team is being terminated', field: 'metadata.namespace' }]);
});

test('the plugin reads the namespace only for namespaced creates', async () => {
  const asked: string[] = [];
  const plugin = namespaceLifecycle(async (name) => {
    asked.push(name);
    return name === 'team' ? terminating : undefined;
  });
  assert.equal((await plugin(write({ operation: 'UPDATE' }))) ?? undefined, undefined);
  assert.equal((await plugin(nsWrite('DELETE', 'team'))) ?? undefined, undefined);
  assert.deepEqual(asked, []);
  assert.equal((await plugin(write({})))?.code, 403);
  assert.equal((await plugin(write({ namespace: 'gone' })))?.code, 404);
  assert.deepEqual(asked, ['team', 'gone']);
});
