import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Toleration } from 'kubernetes-types/core/v1';
import { POD_UPDATE_MESSAGE, semanticEqual, validatePodSpecUpdate } from './podupdate.ts';

const base = () => ({
  containers: [{ name: 'c', image: 'nginx:1', imagePullPolicy: 'IfNotPresent', resources: {} }],
  initContainers: [{ name: 'i', image: 'busybox:1' }],
  restartPolicy: 'Always',
  terminationGracePeriodSeconds: 30,
  tolerations: [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: 'team', operator: 'Equal', value: 'a', effect: 'NoSchedule' },
  ] as Toleration[],
  schedulingGates: [{ name: 'g1' }, { name: 'g2' }],
});
type Spec = ReturnType<typeof base> & Record<string, unknown>;

test('ValidatePodUpdate spec rules table', () => {
  const forbiddenSpec: Array<[string, string]> = [['spec', `Forbidden: ${POD_UPDATE_MESSAGE}`]];
  const cases: Array<{ name: string; old?: (s: Spec) => void; edit: (s: Spec) => void; want: Array<[string, string]> }> = [
    { name: 'no change', edit: () => {}, want: [] },
    { name: 'container image', edit: (s) => { s.containers[0]!.image = 'nginx:2'; }, want: [] },
    { name: 'init container image', edit: (s) => { s.initContainers[0]!.image = 'busybox:2'; }, want: [] },
    { name: 'empty image', edit: (s) => { s.containers[0]!.image = ''; }, want: [['spec.containers[0].image', 'Required value']] },
    { name: 'image with whitespace', edit: (s) => { s.containers[0]!.image = ' nginx '; }, want: [['spec.containers[0].image', 'Invalid value: " nginx ": must not have leading or trailing whitespace']] },
    { name: 'add a container', edit: (s) => { s.containers.push({ name: 'd', image: 'x', imagePullPolicy: 'Always', resources: {} }); }, want: [['spec.containers', 'Forbidden: pod updates may not add or remove containers']] },
    { name: 'remove an init container', edit: (s) => { s.initContainers = []; }, want: [['spec.initContainers', 'Forbidden: pod updates may not add or remove containers']] },
    { name: 'container name', edit: (s) => { s.containers[0]!.name = 'other'; }, want: forbiddenSpec },
    { name: 'restartPolicy', edit: (s) => { s.restartPolicy = 'Never'; }, want: forbiddenSpec },
    { name: 'nodeName set by an update', edit: (s) => { s.nodeName = 'node-1'; }, want: forbiddenSpec },
    { name: 'nodeName changed', old: (s) => { s.nodeName = 'node-1'; }, edit: (s) => { s.nodeName = 'node-2'; }, want: forbiddenSpec },
    { name: 'nodeName cleared', old: (s) => { s.nodeName = 'node-1'; }, edit: (s) => { delete s.nodeName; }, want: forbiddenSpec },
    { name: 'activeDeadlineSeconds set from nil', edit: (s) => { s.activeDeadlineSeconds = 60; }, want: [] },
    { name: 'activeDeadlineSeconds lowered', old: (s) => { s.activeDeadlineSeconds = 60; }, edit: (s) => { s.activeDeadlineSeconds = 30; }, want: [] },
    { name: 'activeDeadlineSeconds raised', old: (s) => { s.activeDeadlineSeconds = 60; }, edit: (s) => { s.activeDeadlineSeconds = 90; }, want: [['spec.activeDeadlineSeconds', 'Invalid value: 90: must be less than or equal to previous value']] },
    { name: 'activeDeadlineSeconds removed', old: (s) => { s.activeDeadlineSeconds = 60; }, edit: (s) => { delete s.activeDeadlineSeconds; }, want: [['spec.activeDeadlineSeconds', 'Invalid value: null: must not update from a positive integer to nil value']] },
    { name: 'activeDeadlineSeconds out of range', edit: (s) => { s.activeDeadlineSeconds = 2 ** 31; }, want: [['spec.activeDeadlineSeconds', 'Invalid value: 2147483648: must be between 0 and 2147483647, inclusive']] },
    { name: 'activeDeadlineSeconds of the wrong type', edit: (s) => { s.activeDeadlineSeconds = '5'; }, want: [['spec.activeDeadlineSeconds', 'Invalid value: "5": must be between 0 and 2147483647, inclusive']] },
    { name: 'toleration added', edit: (s) => { s.tolerations.push({ key: 'x', operator: 'Exists', effect: 'NoSchedule' }); }, want: [] },
    { name: 'tolerationSeconds changed', edit: (s) => { s.tolerations[0]!.tolerationSeconds = 60; }, want: [] },
    { name: 'toleration removed', edit: (s) => { s.tolerations.pop(); }, want: [['spec.tolerations', 'Forbidden: existing toleration can not be modified except its tolerationSeconds']] },
    { name: 'toleration modified', edit: (s) => { s.tolerations[1]!.value = 'b'; }, want: [['spec.tolerations', 'Forbidden: existing toleration can not be modified except its tolerationSeconds']] },
    { name: 'tolerations reordered', edit: (s) => { s.tolerations.reverse(); }, want: [] },
    { name: 'scheduling gate removed', edit: (s) => { s.schedulingGates = [{ name: 'g2' }]; }, want: [] },
    { name: 'all scheduling gates removed', edit: (s) => { delete (s as Partial<Spec>).schedulingGates; }, want: [] },
    { name: 'scheduling gate added', edit: (s) => { s.schedulingGates.push({ name: 'g3' }); }, want: [['spec.schedulingGates[2].name', "Forbidden: only deletion is allowed, but found new scheduling gate 'g3'"]] },
    { name: 'grace period changed', edit: (s) => { s.terminationGracePeriodSeconds = 5; }, want: forbiddenSpec },
    { name: 'grace period negative to 1', old: (s) => { s.terminationGracePeriodSeconds = -1; }, edit: (s) => { s.terminationGracePeriodSeconds = 1; }, want: [] },
    { name: 'grace period negative to 2', old: (s) => { s.terminationGracePeriodSeconds = -1; }, edit: (s) => { s.terminationGracePeriodSeconds = 2; }, want: forbiddenSpec },
    { name: 'an empty list equals an absent one', old: (s) => { s.volumes = []; }, edit: (s) => { delete s.volumes; }, want: [] },
    { name: 'containers as an object', edit: (s) => { (s as Record<string, unknown>).containers = { name: 'c' }; }, want: [['spec.containers', 'Forbidden: pod updates may not add or remove containers']] },
    { name: 'containers elements of the wrong type', edit: (s) => { (s as Record<string, unknown>).containers = [5]; }, want: [['spec.containers[0].image', 'Required value'], ...forbiddenSpec] },
  ];
  for (const c of cases) {
    const old = base() as Spec;
    c.old?.(old);
    const next = structuredClone(old);
    c.edit(next);
    const got = validatePodSpecUpdate(next, old).map((x) => [x.field, x.message]);
    assert.deepEqual(got, c.want, c.name);
  }
});

test('validatePodSpecUpdate is total over any JSON values', () => {
  const values: unknown[] = [undefined, null, 5, 'x', true, [], {}, [1, 'a'], { containers: 'x', tolerations: 5, schedulingGates: [null] }];
  for (const a of values) for (const b of values) assert.ok(Array.isArray(validatePodSpecUpdate(a, b)));
});

test('semanticEqual: nil, empty list and empty map are equal; values are not', () => {
  assert.ok(semanticEqual({ a: [] }, {}));
  assert.ok(semanticEqual({ a: null }, { a: {} }));
  assert.ok(!semanticEqual({ a: '' }, {}));
  assert.ok(!semanticEqual([1], [1, 2]));
  assert.ok(!semanticEqual({ a: { b: 1 } }, { a: { b: 2 } }));
  assert.ok(semanticEqual(JSON.parse('{"__proto__":{"a":1}}'), JSON.parse('{"__proto__":{"a":1}}')));
  assert.ok(!semanticEqual(JSON.parse('{"__proto__":{"a":1}}'), {}));
});
