/**
 * core/v1 namespaces (cluster-scoped): DNS-1123 label names, status.phase
 * Active and the `kubernetes.io/metadata.name` label, as Kubernetes sets them.
 */
import type { Namespace } from 'kubernetes-types/core/v1';
import type { ResourceDef } from '../types.ts';
import { dns1123LabelErrors } from '../../api/validation.ts';
import { ageCell, column, keepSpec, keepStatus, validateMeta } from './common.ts';

const nameLabel = 'kubernetes.io/metadata.name';

function setNameLabel(ns: Namespace): void {
  const name = ns.metadata?.name;
  if (!name) return;
  ns.metadata = ns.metadata ?? {};
  ns.metadata.labels = { ...(ns.metadata.labels ?? {}), [nameLabel]: name };
}

/** The namespaces resource definition. */
export function namespacesResource(): ResourceDef<Namespace> {
  return {
    group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', listKind: 'NamespaceList', singular: 'namespace',
    namespaced: false, shortNames: ['ns'], categories: [],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: ['status'], returnDeletedObject: true,
    strategy: {
      prepareForCreate(ns) {
        setNameLabel(ns);
        ns.spec = { finalizers: ns.spec?.finalizers ?? ['kubernetes'] };
        ns.status = { phase: 'Active' };
      },
      prepareForUpdate(newNs, oldNs) {
        setNameLabel(newNs);
        keepStatus(newNs, oldNs);
        if (newNs.spec === undefined && oldNs.spec !== undefined) newNs.spec = structuredClone(oldNs.spec);
      },
      prepareForStatusUpdate: keepSpec,
      validate: (ns) => validateMeta(ns.metadata, dns1123LabelErrors),
      validateUpdate: (ns) => validateMeta(ns.metadata, dns1123LabelErrors),
      selectableFields: (ns) => ({ 'status.phase': ns.status?.phase ?? '' }),
    },
    table: {
      columns: [
        column('Status', 'The status of the namespace'),
        column('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.'),
      ],
      cells: (ns, now) => [ns.status?.phase ?? '', ageCell(ns, now)],
    },
  };
}
