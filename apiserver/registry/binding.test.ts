import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import type { Pod } from 'kubernetes-types/core/v1';
import type { KubeObject } from '../api/object.ts';
import { EtcdStorage } from '../storage/etcd.ts';
import { startEtcd, type TestEtcd } from '../../testutil/etcd.ts';
import { quietLogger } from '../../testutil/log.ts';
import { testDefs } from '../routes/core.test-helper.ts';
import type { AdmissionAttributes } from './admission/chain.ts';
import { standardAdmission } from './admission/standard.ts';
import { bindingConflict, bindPod, boundPod, validateBinding, type BindingBody } from './binding.ts';
import { Registry } from './registry.ts';
import type { ResourceStore } from './store.ts';

const NOW = Date.parse('2026-01-01T00:00:00Z');

test('validateBinding (Kubernetes ValidatePodBinding)', () => {
  const cases: Array<[string, BindingBody, string[]]> = [
    ['node target', { target: { kind: 'Node', name: 'n1' } }, []],
    ['kind left out', { target: { name: 'n1' } }, []],
    ['no target', {}, ['target.name: Required value']],
    ['other kind', { target: { kind: 'Pod', name: 'x' } }, ['target.kind: Unsupported value: "Pod": supported values: "Node", "<empty>"']],
  ];
  for (const [name, b, want] of cases) assert.deepEqual(validateBinding(b).map((c) => `${c.field}: ${c.message}`), want, name);
});

test('boundPod sets nodeName, merges annotations and replaces the PodScheduled condition', () => {
  const pod: KubeObject = {
    metadata: { name: 'p', annotations: { keep: '1', over: 'old' } },
    spec: { containers: [] },
    status: { conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }, { type: 'Ready', status: 'False' }] },
  } as KubeObject;
  const before = structuredClone(pod);
  const got = boundPod(pod, { metadata: { annotations: { over: 'new' } }, target: { name: 'n1' } }, 'n1', NOW) as Pod;
  assert.deepEqual(pod, before, 'input untouched');
  assert.equal(got.spec?.nodeName, 'n1');
  assert.deepEqual(got.metadata?.annotations, { keep: '1', over: 'new' });
  assert.deepEqual(got.status?.conditions, [{ type: 'Ready', status: 'False' }, { type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }]);
  const bare = boundPod({ metadata: { name: 'q' } }, { target: { name: 'n2' } }, 'n2', NOW) as Pod;
  assert.equal(bare.spec?.nodeName, 'n2');
  assert.equal(bare.metadata?.annotations, undefined);
});

test('bindingConflict: 409 on pods/binding as Kubernetes setPodHostAndAnnotations', () => {
  const cases: Array<[string, KubeObject, BindingBody, string | undefined]> = [
    ['unbound pod', { metadata: { name: 'p', uid: 'u' }, spec: {} } as KubeObject, { target: { name: 'n' } }, undefined],
    ['matching uid', { metadata: { name: 'p', uid: 'u' } }, { metadata: { uid: 'u' }, target: { name: 'n' } }, undefined],
    ['already bound', { metadata: { name: 'p' }, spec: { nodeName: 'n1' } } as KubeObject, { target: { name: 'n2' } }, 'Operation cannot be fulfilled on pods/binding "p": pod p is already assigned to node "n1"'],
    ['being deleted', { metadata: { name: 'p', deletionTimestamp: '2026-01-01T00:00:00Z' } }, { target: { name: 'n' } }, 'Operation cannot be fulfilled on pods/binding "p": pod p is being deleted, cannot be assigned to a host'],
    ['other uid', { metadata: { name: 'p', uid: 'u' } }, { metadata: { uid: 'v' }, target: { name: 'n' } }, 'Operation cannot be fulfilled on pods/binding "p": Precondition failed: UID in precondition: v, UID in object meta: u'],
  ];
  for (const [name, cur, b, want] of cases) {
    const err = bindingConflict(cur, b);
    assert.equal(err?.message, want, name);
    if (want) assert.equal(err?.code, 409, name);
  }
});

let etcd: TestEtcd;
let client: Etcd3;
let pods: ResourceStore;
let namespaces: ResourceStore;
let registry: Registry;
const seen: AdmissionAttributes[] = [];

before(async () => {
  etcd = await startEtcd();
  client = new Etcd3({ hosts: etcd.endpoint });
  const storage = new EtcdStorage(client);
  registry = new Registry(testDefs(), storage, {
    serviceCIDR: '10.96.0.0/12', log: quietLogger('test'),
    admission: (read) => ({ ...standardAdmission(read), validating: [(a) => { seen.push(a); }] }),
  });
  pods = registry.find('', 'v1', 'pods')!;
  namespaces = registry.find('', 'v1', 'namespaces')!;
  await namespaces.create(undefined, { metadata: { name: 'default' } });
});

after(async () => {
  await registry.namespaceFinalizer?.close();
  client.close();
  await etcd.stop();
});

const podBody = (name: string): KubeObject => ({ metadata: { name }, spec: { containers: [{ name: 'c', image: 'i' }] } } as KubeObject);

test('binding through the pods store on real etcd: admitted as a CREATE of pods/binding, then 409 once bound', async () => {
  await pods.create('default', podBody('web'));
  seen.length = 0;
  const bound = await bindPod(pods, 'default', 'web', { target: { kind: 'Node', name: 'n1' } }, () => NOW);
  assert.equal(bound.spec?.nodeName, 'n1');
  assert.equal(((await pods.get('default', 'web')) as Pod).spec?.nodeName, 'n1');
  assert.deepEqual(seen.map((a) => [a.operation, a.resource, a.subresource, a.name]), [['CREATE', 'pods', 'binding', 'web']]);
  await assert.rejects(bindPod(pods, 'default', 'web', { target: { name: 'n2' } }), (e: { code?: number; message?: string }) => e.code === 409 && /already assigned to node "n1"/.test(e.message ?? ''));
  await assert.rejects(bindPod(pods, 'default', 'nobody', { target: { name: 'n2' } }), (e: { code?: number }) => e.code === 404);
  await assert.rejects(bindPod(pods, 'default', 'web', { target: {} }), (e: { code?: number }) => e.code === 422);
});

test('a dry-run binding stores nothing', async () => {
  await pods.create('default', podBody('dry'));
  const rv = (await pods.get('default', 'dry')).metadata?.resourceVersion;
  const dry = await bindPod(pods, 'default', 'dry', { target: { name: 'n1' } }, () => NOW, { dryRun: true });
  assert.equal(dry.spec?.nodeName, 'n1');
  const stored = (await pods.get('default', 'dry')) as Pod;
  assert.equal(stored.spec?.nodeName, undefined);
  assert.equal(stored.metadata?.resourceVersion, rv);
});

test('no binding in a terminating namespace (NamespaceLifecycle)', async () => {
  await namespaces.create(undefined, { metadata: { name: 'ending' } });
  await pods.create('ending', { ...podBody('late'), metadata: { name: 'late', finalizers: ['example.com/hold'] } });
  await namespaces.delete(undefined, 'ending');
  await assert.rejects(bindPod(pods, 'ending', 'late', { target: { name: 'n1' } }), (e: { code?: number; message?: string }) => e.code === 403 && /being terminated/.test(e.message ?? ''));
  assert.equal(((await pods.get('ending', 'late')) as Pod).spec?.nodeName, undefined);
});
