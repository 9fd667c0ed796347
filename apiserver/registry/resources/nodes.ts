/**
 * core/v1 nodes (cluster-scoped): name validation, status preservation,
 * `spec.unschedulable` field selector and kubectl's node table.
 */
import type { Node } from 'kubernetes-types/core/v1';
import type { ResourceDef } from '../types.ts';
import { ageCell, column, keepSpec, keepStatus, standardVerbs, validateMeta } from './common.ts';

/** STATUS cell: Ready / NotReady / Unknown, plus ",SchedulingDisabled" when cordoned (kubectl printNode). */
export function nodeStatusCell(node: Node): string {
  const parts: string[] = [];
  const ready = (node.status?.conditions ?? []).find((c) => c.type === 'Ready');
  if (ready) parts.push(ready.status === 'True' ? 'Ready' : 'NotReady');
  if (parts.length === 0) parts.push('Unknown');
  if (node.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

/** ROLES cell: sorted roles from `node-role.kubernetes.io/<role>` and `kubernetes.io/role` labels, or "<none>". */
export function nodeRolesCell(node: Node): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata?.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const r = k.slice('node-role.kubernetes.io/'.length);
      if (r) roles.add(r);
    } else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return roles.size === 0 ? '<none>' : [...roles].sort().join(',');
}

function address(node: Node, type: string): string {
  return node.status?.addresses?.find((a) => a.type === type)?.address || '<none>';
}

/** Defaults spec.podCIDRs from spec.podCIDR (and back), as Kubernetes does. */
export function syncPodCIDRs(node: Node): void {
  const spec = node.spec;
  if (!spec) return;
  if (spec.podCIDR && spec.podCIDRs?.[0] !== spec.podCIDR) spec.podCIDRs = [spec.podCIDR];
  if (!spec.podCIDR && spec.podCIDRs?.[0]) spec.podCIDR = spec.podCIDRs[0];
}

/** The nodes resource definition. */
export function nodesResource(): ResourceDef<Node> {
  return {
    group: '', version: 'v1', resource: 'nodes', kind: 'Node', listKind: 'NodeList', singular: 'node',
    namespaced: false, shortNames: ['no'], categories: [], verbs: standardVerbs, subresources: ['status'],
    strategy: {
      prepareForCreate(node) {
        node.spec ??= {};
        syncPodCIDRs(node);
      },
      prepareForUpdate(node, old) {
        keepStatus(node, old);
        syncPodCIDRs(node);
      },
      prepareForStatusUpdate: keepSpec,
      validate: (node) => validateMeta(node.metadata),
      validateUpdate: (node) => validateMeta(node.metadata),
      selectableFields: (node) => ({ 'spec.unschedulable': String(node.spec?.unschedulable ?? false) }),
    },
    table: {
      columns: [
        column('Status', 'The status of the node'),
        column('Roles', 'The roles of the node'),
        column('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.'),
        column('Version', 'Kubelet Version reported by the node.'),
        column('Internal-IP', 'List of addresses reachable to the node. Queried from cloud provider, if available.', { priority: 1 }),
        column('External-IP', 'List of addresses reachable to the node. Queried from cloud provider, if available.', { priority: 1 }),
        column('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', { priority: 1 }),
        column('Kernel-Version', 'Kernel Version reported by the node from \'uname -r\' (e.g. 3.16.0-0.bpo.4-amd64).', { priority: 1 }),
        column('Container-Runtime', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', { priority: 1 }),
      ],
      cells: (node, now) => {
        const info = node.status?.nodeInfo;
        return [
          nodeStatusCell(node),
          nodeRolesCell(node),
          ageCell(node, now),
          info?.kubeletVersion ?? '',
          address(node, 'InternalIP'),
          address(node, 'ExternalIP'),
          info?.osImage || '<unknown>',
          info?.kernelVersion || '<unknown>',
          info?.containerRuntimeVersion || '<unknown>',
        ];
      },
    },
  };
}
