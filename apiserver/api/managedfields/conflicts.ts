/**
 * The 409 an apply answers when it would change fields other managers own
 * (k8s.io/apiserver pkg/util/managedfields/internal/conflict.go
 * NewConflictError, getConflictMessage, printManager).
 */
import type { Status } from 'kubernetes-types/meta/v1';
import { StatusError } from '../errors.ts';
import { pathString, type Path } from './fieldpath.ts';
import type { Manager } from './entries.ts';

/** One conflicting field and the manager that owns it. */
export interface Conflict {
  manager: Manager;
  path: Path;
}

/** `"kubectl-client-side-apply" using apps/v1`, `"x" with subresource "status"`, as printManager. */
export function printManager(m: Manager): string {
  let s = JSON.stringify(m.manager);
  if (m.subresource) s = `${s} with subresource ${JSON.stringify(m.subresource)}`;
  if (m.operation === 'Update') s = `${s} using ${m.apiVersion}`;
  return s;
}

/**
 * The conflict message: `Apply failed with 1 conflict: conflict with "m"
 * using apps/v1: .spec.replicas`, or for several, the managers sorted, each
 * followed by its paths (`conflicts with "m":\n- .a\n- .b`).
 */
export function conflictMessage(conflicts: readonly Conflict[]): string {
  if (conflicts.length === 1) return `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0].manager)}: ${pathString(conflicts[0].path)}`;
  const by = new Map<string, { m: Manager; paths: Path[] }>();
  for (const c of conflicts) {
    const id = JSON.stringify([c.manager.manager, c.manager.operation, c.manager.apiVersion, c.manager.subresource]);
    const g = by.get(id) ?? { m: c.manager, paths: [] };
    g.paths.push(c.path);
    by.set(id, g);
  }
  const lines: string[] = [];
  for (const id of [...by.keys()].sort()) {
    const g = by.get(id)!;
    lines.push(`conflicts with ${printManager(g.m)}:`);
    for (const p of g.paths) lines.push(`- ${pathString(p)}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}

/** The 409 Conflict Status (NewApplyConflict): reason Conflict, one FieldManagerConflict cause per field. */
export function applyConflict(conflicts: readonly Conflict[]): StatusError {
  const status: Status = {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 409, reason: 'Conflict',
    message: conflictMessage(conflicts),
    details: { causes: conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${printManager(c.manager)}`, field: pathString(c.path) })) },
  };
  return new StatusError(status);
}
