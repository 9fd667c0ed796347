import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideJoin, decidePeerURLUpdate, initialClusterFlag, isLearner, isLoopbackURL, votingClientURLs, type EtcdMember, type JoinDecision } from './etcd-members.ts';

const first: EtcdMember = { id: '11', name: 'node-1', peerURLs: ['https://10.0.0.1:2480'], clientURLs: ['https://10.0.0.1:2479'], isLearner: false };
const self = { name: 'node-2', peerURL: 'https://10.0.0.2:2480' };
const unstarted: EtcdMember = { id: '22', name: '', peerURLs: [self.peerURL], clientURLs: [], isLearner: true };

const cases: Array<[string, EtcdMember[], JoinDecision, { name: string; peerURL: string }?]> = [
  ['a fresh join: add', [first], { action: 'add' }],
  ['an earlier attempt added us and never started: reuse that member', [first, unstarted], { action: 'reuse', id: '22' }],
  ['our started learner, data lost: replace it', [first, { ...unstarted, name: 'node-2', clientURLs: ['https://10.0.0.2:2479'] }], { action: 'replace', id: '22' }],
  ['our voter, data lost: refused (removing a voter may break quorum)', [first, { ...unstarted, name: 'node-2', isLearner: false }],
    { error: 'etcd member node-2 (22) is this server, but its etcd data dir is empty (lost or wiped): remove the member first (etcdctl member remove 16 on another server), then join again' }],
  ['our peer URL under another name: refused', [first, { ...unstarted, name: 'node-9' }],
    { error: 'the peer URL https://10.0.0.2:2480 already belongs to etcd member node-9 (22): use another --node-ip, or remove that member first' }],
  ['our name at another address: refused', [first, { ...first, id: '33', name: 'node-2', peerURLs: ['https://10.0.0.7:2480'] }],
    { error: 'an etcd member is already named node-2 (33, at https://10.0.0.7:2480): another server has this --node-name, or this server\'s address changed; remove that member first or use another --node-name' }],
  ['a member still advertising loopback: refused', [{ ...first, peerURLs: ['https://127.0.0.1:2480'] }],
    { error: 'etcd member node-1 (11) advertises the loopback peer URL https://127.0.0.1:2480: another host cannot reach it; restart that server with this Skiff (it then advertises its node address) and join again' }],
  ['no node address of our own while the members have one: refused', [first],
    { error: 'this server\'s etcd would advertise the loopback peer URL https://127.0.0.1:2480, which the other members cannot reach: give it --node-ip' },
    { name: 'node-2', peerURL: 'https://127.0.0.1:2480' }],
];
for (const [name, members, want, me] of cases) {
  test(`decideJoin: ${name}`, () => assert.deepEqual(decideJoin(members, me ?? self), want));
}

test('decideJoin: on loopback (all members on one host, as in tests) loopback peers are fine', () => {
  const m = { ...first, peerURLs: ['https://127.0.0.1:41001'] };
  assert.deepEqual(decideJoin([m], { name: 'b', peerURL: 'https://127.0.0.1:41002' }), { action: 'add' });
});

test('initialClusterFlag: every member in order, ours under our name, another unstarted one under a placeholder', () => {
  const other: EtcdMember = { id: '44', name: '', peerURLs: ['https://10.0.0.4:2480'], clientURLs: [], isLearner: true };
  assert.equal(initialClusterFlag([first, unstarted, other], self, '22'),
    'node-1=https://10.0.0.1:2480,node-2=https://10.0.0.2:2480,unstarted-44=https://10.0.0.4:2480');
  const two = { ...first, peerURLs: ['https://10.0.0.1:2480', 'https://[fd00::1]:2480'] };
  assert.equal(initialClusterFlag([two], self, '22'), 'node-1=https://10.0.0.1:2480,node-1=https://[fd00::1]:2480');
});

test('decidePeerURLUpdate: a loopback peer URL (older Skiff) or a changed address is updated; the right one is kept', () => {
  const old = { ...first, peerURLs: ['https://127.0.0.1:2480'] };
  assert.deepEqual(decidePeerURLUpdate([old], '11', 'https://10.0.0.1:2480'), { update: true, id: '11', peerURLs: ['https://10.0.0.1:2480'] });
  assert.deepEqual(decidePeerURLUpdate([first], '11', 'https://10.0.0.1:2480'), { update: false });
  assert.deepEqual(decidePeerURLUpdate([{ ...first, peerURLs: [...first.peerURLs, 'https://10.0.0.8:2480'] }], '11', 'https://10.0.0.1:2480'),
    { update: true, id: '11', peerURLs: ['https://10.0.0.1:2480'] });
  assert.deepEqual(decidePeerURLUpdate([first], '99', 'https://10.0.0.1:2480'), { error: 'this etcd (member 99) is not in its own member list' });
});

test('isLearner, votingClientURLs, isLoopbackURL', () => {
  assert.equal(isLearner([first, unstarted], '22'), true);
  assert.equal(isLearner([first, unstarted], '11'), false);
  assert.deepEqual(votingClientURLs([first, { ...unstarted, clientURLs: ['https://10.0.0.2:2479'] }]), ['https://10.0.0.1:2479']);
  for (const u of ['https://127.0.0.1:2480', 'https://127.1.2.3:1', 'https://[::1]:2480', 'https://localhost:2480']) assert.equal(isLoopbackURL(u), true, u);
  for (const u of ['https://10.0.0.1:2480', 'https://[fd00::1]:2480', 'not a url']) assert.equal(isLoopbackURL(u), false, u);
});
