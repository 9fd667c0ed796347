/**
 * Maps what the etcd3 client throws to StorageErrors, as kube-apiserver's
 * etcd3 store and storage/errors interpret etcd failures: a request over
 * etcd's size limit is 413 for that request alone; a write that may have
 * reached etcd (deadline, dropped connection) is a 504 whose outcome is
 * unknown, never a definite failure; compaction is 410.
 */
import {
  ClientClosedError,
  EtcdPermissionDeniedError,
  GRPCDeadlineExceededError,
  GRPCFailedPreconditionError,
  GRPCInvalidArgumentError,
  GRPCNotImplementedError,
  GRPCOutOfRangeError,
  GRPCUnauthenticatedError,
  GRPCUnavailableError,
} from 'etcd3';
import { StorageError } from './interface.ts';

/** Errors by which etcd refused a request without applying it. */
const definite = [GRPCInvalidArgumentError, GRPCFailedPreconditionError, GRPCOutOfRangeError, EtcdPermissionDeniedError, GRPCNotImplementedError, GRPCUnauthenticatedError];

/** Whether the failed call only read (safe to retry) or wrote. */
export type EtcdOp = 'read' | 'write';

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** True for a failure that says nothing about the request itself: worth retrying a read on (connection lost, deadline). */
export function isTransientEtcdError(e: unknown): boolean {
  if (e instanceof StorageError) return e.kind === 'Timeout' || e.kind === 'Unavailable';
  return e instanceof GRPCUnavailableError || e instanceof GRPCDeadlineExceededError;
}

/**
 * Classifies an etcd client error for an operation of kind `op`:
 * - `etcdserver: request is too large`, or a gRPC message-size limit → TooLarge;
 * - `mvcc: required revision has been compacted` → Compacted;
 * - `mvcc: required revision is a future revision` → FutureRevision;
 * - a definite refusal by etcd (invalid argument, failed precondition,
 *   permission denied, …) → Unavailable: nothing was applied;
 * - a write that failed for any other reason (deadline, unavailable,
 *   cancelled, internal, unknown) → Timeout: it may have been applied;
 * - a read: deadline → Timeout, anything else → Unavailable.
 * A StorageError passes through unchanged.
 */
export function classifyEtcdError(e: unknown, op: EtcdOp): StorageError {
  if (e instanceof StorageError) return e;
  const msg = messageOf(e);
  if (/request is too large|larger than max|message too large|size larger than/i.test(msg)) {
    return new StorageError('TooLarge', 'etcdserver: request is too large');
  }
  if (/required revision has been compacted/.test(msg)) return new StorageError('Compacted', 'mvcc: required revision has been compacted');
  if (/required revision is a future revision/.test(msg)) return new StorageError('FutureRevision', 'mvcc: required revision is a future revision');
  if (e instanceof ClientClosedError) return new StorageError('Unavailable', `etcd client closed: ${msg}`);
  if (definite.some((c) => e instanceof c)) return new StorageError('Unavailable', `etcd refused the request: ${msg}`);
  if (op === 'write') return new StorageError('Timeout', `the write may have been applied (etcd: ${msg})`);
  if (e instanceof GRPCDeadlineExceededError) return new StorageError('Timeout', `etcd: ${msg}`);
  return new StorageError('Unavailable', `etcd: ${msg}`);
}
