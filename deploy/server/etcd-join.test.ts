import { test } from 'node:test';
import assert from 'node:assert/strict';
import { retryableAddError, toMember } from './etcd-join.ts';

test('retryableAddError: etcd\'s passing refusals of MemberAdd are retried, the rest are not', () => {
  for (const m of ['cannot add this server to the etcd cluster: 14 UNAVAILABLE: etcdserver: unhealthy cluster',
    'cannot add this server to the etcd cluster: 9 FAILED_PRECONDITION: etcdserver: too many learner members in cluster']) assert.equal(retryableAddError(m), true, m);
  for (const m of ['cannot add this server to the etcd cluster: 9 FAILED_PRECONDITION: etcdserver: Peer URLs already exists',
    'the peer URL https://10.0.0.2:2480 already belongs to etcd member node-9 (22): use another --node-ip, or remove that member first']) assert.equal(retryableAddError(m), false, m);
});

test('toMember: the etcd3 shape in ours; an unstarted member has no name and no client URLs', () => {
  assert.deepEqual(toMember({ ID: '42', name: '', peerURLs: ['https://10.0.0.2:2480'], clientURLs: [], isLearner: true }),
    { id: '42', name: '', peerURLs: ['https://10.0.0.2:2480'], clientURLs: [], isLearner: true });
});
