import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deleteResponse } from './delete-response.ts';

const obj = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default', uid: 'u-1' } };
const deployments = { group: 'apps', resource: 'deployments' };
const pods = { group: '', resource: 'pods', returnDeletedObject: true };

test('deleteResponse: object or Success Status, as Kubernetes decides', () => {
  const cases = [
    { name: 'removed, no ReturnDeletedObject: Status', def: deployments, deleted: true,
      want: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: 'web', group: 'apps', kind: 'deployments', uid: 'u-1' } } },
    { name: 'removed, ReturnDeletedObject: the object', def: pods, deleted: true, want: obj },
    { name: 'pending (finalizers/grace), no ReturnDeletedObject: the object', def: deployments, deleted: false, want: obj },
    { name: 'pending, ReturnDeletedObject: the object', def: pods, deleted: false, want: obj },
  ];
  for (const c of cases) assert.deepEqual(deleteResponse(c.def, { obj, deleted: c.deleted }), c.want, c.name);
});
