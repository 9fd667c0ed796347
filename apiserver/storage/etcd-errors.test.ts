import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientClosedError, GRPCDeadlineExceededError, GRPCInternalError, GRPCInvalidArgumentError, GRPCResourceExhastedError, GRPCUnavailableError, EtcdError } from 'etcd3';
import { classifyEtcdError, isTransientEtcdError, type EtcdOp } from './etcd-errors.ts';
import { StorageError, type StorageErrorKind } from './interface.ts';

test('classifyEtcdError: etcd failures become StorageErrors with the Status kube-apiserver answers', () => {
  const cases: Array<[string, unknown, EtcdOp, StorageErrorKind, number]> = [
    ['server size limit', new GRPCInvalidArgumentError('3 INVALID_ARGUMENT: etcdserver: request is too large'), 'write', 'TooLarge', 413],
    ['grpc receive limit on the server', new GRPCResourceExhastedError('8 RESOURCE_EXHAUSTED: grpc: received message larger than max (2621540 vs. 2097152)'), 'write', 'TooLarge', 413],
    ['grpc send limit on the client', new GRPCResourceExhastedError('8 RESOURCE_EXHAUSTED: Attempted to send message with a size larger than 2097152'), 'write', 'TooLarge', 413],
    ['compacted read', new EtcdError('etcdserver: mvcc: required revision has been compacted'), 'read', 'Compacted', 410],
    ['future revision', new EtcdError('etcdserver: mvcc: required revision is a future revision'), 'read', 'FutureRevision', 504],
    ['write deadline: outcome unknown', new GRPCDeadlineExceededError('4 DEADLINE_EXCEEDED: Deadline exceeded'), 'write', 'Timeout', 504],
    ['write on a dropped connection: outcome unknown', new GRPCUnavailableError('14 UNAVAILABLE: Connection dropped'), 'write', 'Timeout', 504],
    ['write internal error: outcome unknown', new GRPCInternalError('13 INTERNAL: stream reset'), 'write', 'Timeout', 504],
    ['plain error on a write: outcome unknown', new Error('socket hang up'), 'write', 'Timeout', 504],
    ['write refused outright', new GRPCInvalidArgumentError('3 INVALID_ARGUMENT: etcdserver: too many operations in txn request'), 'write', 'Unavailable', 503],
    ['read deadline', new GRPCDeadlineExceededError('4 DEADLINE_EXCEEDED: Deadline exceeded'), 'read', 'Timeout', 504],
    ['read unavailable', new GRPCUnavailableError('14 UNAVAILABLE: No connection established'), 'read', 'Unavailable', 503],
    ['closed client', new ClientClosedError('KV'), 'read', 'Unavailable', 503],
    ['non-error value', 'boom', 'read', 'Unavailable', 503],
  ];
  for (const [name, err, op, kind, code] of cases) {
    const got = classifyEtcdError(err, op);
    assert.equal(got.kind, kind, name);
    assert.equal(got.status.code, code, name);
  }
  const same = new StorageError('Conflict', 'x');
  assert.equal(classifyEtcdError(same, 'write'), same, 'a StorageError passes through');
});

test('classifyEtcdError: Status messages follow apimachinery', () => {
  assert.equal(classifyEtcdError(new GRPCInvalidArgumentError('etcdserver: request is too large'), 'write').status.message, 'Request entity too large: etcdserver: request is too large');
  assert.match(classifyEtcdError(new GRPCDeadlineExceededError('Deadline exceeded'), 'write').status.message ?? '', /^Timeout: request did not complete within requested timeout - /);
});

test('isTransientEtcdError: only connection loss and deadlines are retried', () => {
  assert.equal(isTransientEtcdError(new GRPCUnavailableError('x')), true);
  assert.equal(isTransientEtcdError(new GRPCDeadlineExceededError('x')), true);
  assert.equal(isTransientEtcdError(new GRPCInvalidArgumentError('x')), false);
  assert.equal(isTransientEtcdError(new GRPCResourceExhastedError('x')), false);
  assert.equal(isTransientEtcdError(new Error('x')), false);
});
