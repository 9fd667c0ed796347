// The order of the write path's stages, seen through the store on real etcd
// with a resource whose strategy hooks and admission plugins record their
// calls; and that a write rejected at any stage stores nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import type { KubeObject } from '../api/object.ts';
import { forbidden } from '../api/errors.ts';
import { EtcdStorage } from '../storage/etcd.ts';
import { startEtcd, type TestEtcd } from '../../testutil/etcd.ts';
import { quietLogger } from '../../testutil/log.ts';
import type { AdmissionAttributes } from './admission/chain.ts';
import { ResourceStore } from './store.ts';
import { strategyContext } from './strategy-context.ts';
import type { ResourceDef } from './types.ts';

type Widget = KubeObject & { spec?: { size?: number; bad?: boolean }; status?: unknown };

let etcd: TestEtcd;
let client: Etcd3;
let storage: EtcdStorage;
let store: ResourceStore;
const calls: string[] = [];
let refuse: string | undefined;
/** When set, beforeCreate stores this object at its key first: a concurrent writer winning between the existence check and the txn. */
let raceWith: { key: string; obj: { metadata: { name: string } } } | undefined;
const claimed = new Set<string>();

function widgets(): ResourceDef<Widget> {
  return {
    group: 'example.com', version: 'v1', resource: 'widgets', kind: 'Widget', listKind: 'WidgetList', singular: 'widget', namespaced: false,
    shortNames: [], categories: [], verbs: [], subresources: ['status'],
    strategy: {
      prepareForCreate: (w) => { calls.push('prepareForCreate'); w.spec = { size: 1, ...w.spec }; },
      prepareForUpdate: (n, o) => { calls.push('prepareForUpdate'); n.status = o.status; },
      prepareForStatusUpdate: () => { calls.push('prepareForStatusUpdate'); },
      validate: (w) => { calls.push('validate'); return w.spec?.bad ? [{ reason: 'FieldValueInvalid', field: 'spec.bad', message: 'Invalid value: true' }] : []; },
      validateUpdate: (w) => { calls.push('validateUpdate'); return w.spec?.bad ? [{ reason: 'FieldValueInvalid', field: 'spec.bad', message: 'Invalid value: true' }] : []; },
      beforeCreate: async (w) => {
        calls.push('beforeCreate');
        const k = `${w.metadata!.name!}/${w.metadata!.uid!}`;
        claimed.add(k);
        if (raceWith) await storage.create(raceWith.key, raceWith.obj);
        return async () => { calls.push('undoCreate'); claimed.delete(k); };
      },
      beforeUpdate: async (w) => { calls.push('beforeUpdate'); const k = `${w.metadata!.name!}@${w.spec?.size}`; claimed.add(k); return async () => { calls.push('undoUpdate'); claimed.delete(k); }; },
      afterUpdate: async () => { calls.push('afterUpdate'); },
      afterDelete: async () => { calls.push('afterDelete'); },
    },
    table: { columns: [], cells: () => [] },
  };
}

const recorder = (phase: string) => (a: AdmissionAttributes) => {
  calls.push(`${phase}:${a.operation}${a.subresource ? `/${a.subresource}` : ''}`);
  if (refuse === phase) return forbidden({ group: a.group, resource: a.resource, name: a.name }, 'refused');
  return undefined;
};

before(async () => {
  etcd = await startEtcd();
  client = new Etcd3({ hosts: etcd.endpoint });
  storage = new EtcdStorage(client);
  store = new ResourceStore(widgets() as unknown as ResourceDef, {
    storage, ctx: strategyContext(storage, { serviceCIDR: '10.96.0.0/12' }), log: quietLogger('test'),
    admission: { mutating: [recorder('mutating')], validating: [recorder('validating')] },
  });
});

after(async () => {
  client.close();
  await etcd.stop();
});

const reset = (): void => { calls.length = 0; refuse = undefined; raceWith = undefined; };

test('create: defaulting, mutating admission, validation, validating admission, before-hook, txn', async () => {
  reset();
  const w = await store.create(undefined, { metadata: { name: 'a' } });
  assert.deepEqual(calls, ['prepareForCreate', 'mutating:CREATE', 'validate', 'validating:CREATE', 'beforeCreate']);
  assert.ok(w.metadata?.resourceVersion);
  assert.deepEqual([...claimed], [`a/${w.metadata?.uid}`]);
});

test('create: an existing object is 409 before the before-hook allocates anything', async () => {
  reset();
  await assert.rejects(store.create(undefined, { metadata: { name: 'a' } }), (e: { code?: number }) => e.code === 409);
  assert.ok(!calls.includes('beforeCreate'), calls.join(','));
  assert.equal([...claimed].filter((k) => k.startsWith('a/')).length, 1, 'only the first create holds a claim');
});

test('create: a txn lost to a concurrent writer undoes the before-hook', async () => {
  reset();
  raceWith = { key: store.key(undefined, 'raced'), obj: { metadata: { name: 'raced' } } };
  await assert.rejects(store.create(undefined, { metadata: { name: 'raced' } }), (e: { code?: number }) => e.code === 409);
  assert.deepEqual(calls.slice(-2), ['beforeCreate', 'undoCreate']);
  assert.equal([...claimed].filter((k) => k.startsWith('raced/')).length, 0, 'the loser keeps no claim');
});

test('update and patch: defaulting, admission around validation, before-hook, txn, after-hook', async () => {
  for (const write of [
    () => store.update(undefined, 'a', { metadata: { name: 'a' }, spec: { size: 2 } } as KubeObject),
    () => store.patch(undefined, 'a', 'merge', { spec: { size: 3 } }),
  ]) {
    reset();
    await write();
    assert.deepEqual(calls, ['prepareForUpdate', 'mutating:UPDATE', 'validateUpdate', 'validating:UPDATE', 'beforeUpdate', 'afterUpdate']);
  }
  assert.ok(claimed.has('a@2') && claimed.has('a@3'));
});

test('status: its own defaulting, admission and validation, no allocation hooks', async () => {
  reset();
  await store.update(undefined, 'a', { metadata: { name: 'a' }, status: { ok: true } } as KubeObject, 'status');
  assert.deepEqual(calls, ['prepareForStatusUpdate', 'mutating:UPDATE/status', 'validateUpdate', 'validating:UPDATE/status']);
});

test('dryRun and no-op updates run no hooks; a lost txn undoes the before-hook', async () => {
  reset();
  await store.patch(undefined, 'a', 'merge', { spec: { size: 9 } }, undefined, { dryRun: true });
  assert.ok(!calls.includes('beforeUpdate') && !calls.includes('afterUpdate'), calls.join());
  reset();
  await store.patch(undefined, 'a', 'merge', { spec: { size: 3 } });
  assert.ok(!calls.includes('beforeUpdate'), 'no-op');
  reset();
  const stale = await store.get(undefined, 'a');
  await store.patch(undefined, 'a', 'merge', { spec: { size: 4 } });
  reset();
  await assert.rejects(store.update(undefined, 'a', { ...stale, spec: { size: 5 } } as KubeObject), (e: { code?: number }) => e.code === 409);
  assert.ok(!calls.includes('beforeUpdate'), 'a stale resourceVersion fails before the hooks');
  assert.ok(!claimed.has('a@5'));
});

test('a write rejected at any stage stores nothing and claims nothing', async () => {
  const rev = async (): Promise<string> => storage.currentRevision();
  const cases: Array<[string, () => Promise<unknown>, string | undefined, number]> = [
    ['create refused by mutating admission', () => store.create(undefined, { metadata: { name: 'b' } }), 'mutating', 403],
    ['create invalid', () => store.create(undefined, { metadata: { name: 'b' }, spec: { bad: true } } as KubeObject), undefined, 422],
    ['create refused by validating admission', () => store.create(undefined, { metadata: { name: 'b' } }), 'validating', 403],
    ['patch refused by mutating admission', () => store.patch(undefined, 'a', 'merge', { spec: { size: 7 } }), 'mutating', 403],
    ['patch invalid', () => store.patch(undefined, 'a', 'merge', { spec: { bad: true } }), undefined, 422],
    ['patch refused by validating admission', () => store.patch(undefined, 'a', 'merge', { spec: { size: 7 } }), 'validating', 403],
    ['delete refused by admission', () => store.delete(undefined, 'a'), 'mutating', 403],
  ];
  for (const [name, write, phase, code] of cases) {
    reset();
    refuse = phase;
    const before = await rev();
    const claims = [...claimed].sort();
    await assert.rejects(write(), (e: { code?: number }) => e.code === code, name);
    assert.equal(await rev(), before, `${name}: etcd unchanged`);
    assert.deepEqual([...claimed].sort(), claims, `${name}: nothing claimed`);
    assert.ok(!calls.includes('beforeCreate') && !calls.includes('beforeUpdate'), `${name}: ${calls.join()}`);
  }
});

test('delete: admission, txn, after-hook', async () => {
  reset();
  await store.delete(undefined, 'a');
  assert.deepEqual(calls, ['mutating:DELETE', 'validating:DELETE', 'afterDelete']);
});
