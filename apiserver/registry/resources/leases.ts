/**
 * coordination.k8s.io/v1 leases (node heartbeats, leader election) and the
 * virtual core/v1 componentstatuses definition (served by componentstatus.ts).
 */
import type { Lease } from 'kubernetes-types/coordination/v1';
import type { ComponentStatus } from 'kubernetes-types/core/v1';
import type { ResourceDef } from '../types.ts';
import type { FieldCause } from '../../api/errors.ts';
import { invalidValue, validateNonNegative } from '../../api/validation.ts';
import { ageCell, column, standardVerbs, validateMeta } from './common.ts';

/**
 * Validation of a Lease: metadata, and Kubernetes ValidateLeaseSpec's
 * integers (leaseDurationSeconds > 0, leaseTransitions ≥ 0).
 */
export function validateLease(l: Lease): FieldCause[] {
  const out = validateMeta(l.metadata);
  const d = l.spec?.leaseDurationSeconds;
  if (d !== undefined && d <= 0) out.push(invalidValue('spec.leaseDurationSeconds', d, 'must be greater than 0'));
  out.push(...validateNonNegative('spec.leaseTransitions', l.spec?.leaseTransitions));
  return out;
}

/** The leases resource definition. */
export function leasesResource(): ResourceDef<Lease> {
  return {
    group: 'coordination.k8s.io', version: 'v1', resource: 'leases', kind: 'Lease', listKind: 'LeaseList', singular: 'lease',
    namespaced: true, shortNames: [], categories: [], verbs: standardVerbs, subresources: [],
    strategy: {
      validate: validateLease,
      validateUpdate: validateLease,
    },
    table: {
      columns: [
        column('Holder', 'holderIdentity contains the identity of the holder of a current lease.'),
        column('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.'),
      ],
      cells: (l, now) => [l.spec?.holderIdentity ?? '', ageCell(l, now)],
    },
  };
}

/** STATUS / MESSAGE / ERROR cells of a ComponentStatus (kubectl printComponentStatus). */
export function componentStatusCells(cs: ComponentStatus): string[] {
  let status = 'Unknown';
  let message = '';
  let error = '';
  for (const c of cs.conditions ?? []) {
    if (c.type !== 'Healthy') continue;
    status = c.status === 'True' ? 'Healthy' : 'Unhealthy';
    message = c.message ?? '';
    error = c.error ?? '';
  }
  return [status, message, error];
}

/** The componentstatuses definition: virtual (nothing stored), get and list only. */
export function componentStatusesResource(): ResourceDef<ComponentStatus> {
  return {
    group: '', version: 'v1', resource: 'componentstatuses', kind: 'ComponentStatus', listKind: 'ComponentStatusList',
    singular: 'componentstatus', namespaced: false, shortNames: ['cs'], categories: [], verbs: ['get', 'list'], subresources: [],
    virtual: true,
    strategy: {},
    table: {
      columns: [
        column('Status', 'Status of the component conditions'),
        column('Message', 'Message of the component conditions'),
        column('Error', 'Error of the component conditions'),
      ],
      cells: (cs) => componentStatusCells(cs),
    },
  };
}
