/**
 * Minimal ResourceDefs for the core's own tests (independent of the real
 * per-resource definitions): namespaces, pods, nodes and apps/v1 deployments.
 */
import type { KubeObject } from '../api/object.ts';
import type { FieldCause } from '../api/errors.ts';
import type { ResourceDef } from '../registry/types.ts';

interface TestPod extends KubeObject {
  spec?: { nodeName?: string; containers?: Array<{ name?: string; image?: string }>; terminationGracePeriodSeconds?: number };
  status?: { phase?: string };
}

const base = { shortNames: [], categories: [], verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] };

/** Test defs: namespaces, nodes, pods (image required), deployments (scale, generation). */
export function testDefs(): ResourceDef[] {
  const namespaces: ResourceDef = {
    ...base, group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', listKind: 'NamespaceList', singular: 'namespace',
    namespaced: false, subresources: ['status'], returnDeletedObject: true,
    strategy: {
      prepareForCreate: (o) => {
        const ns = o as { spec?: unknown; status?: unknown };
        ns.spec = { finalizers: ['kubernetes'] };
        ns.status = { phase: 'Active' };
      },
    },
    table: { columns: [{ name: 'Status', type: 'string', description: 'phase', priority: 0 }], cells: (o) => [(o as { status?: { phase?: string } }).status?.phase ?? ''] },
  };
  const nodes: ResourceDef = {
    ...base, group: '', version: 'v1', resource: 'nodes', kind: 'Node', listKind: 'NodeList', singular: 'node',
    namespaced: false, subresources: ['status'], strategy: {},
    table: { columns: [], cells: () => [] },
  };
  const pods: ResourceDef<TestPod> = {
    ...base, group: '', version: 'v1', resource: 'pods', kind: 'Pod', listKind: 'PodList', singular: 'pod',
    namespaced: true, subresources: ['status', 'binding'], returnDeletedObject: true,
    strategy: {
      prepareForCreate: (p) => { p.status = { phase: 'Pending' }; },
      prepareForUpdate: (n, o) => { n.status = o.status; },
      prepareForStatusUpdate: (n, o) => { n.spec = o.spec; },
      validate: (p) => {
        const out: FieldCause[] = [];
        (p.spec?.containers ?? []).forEach((c, i) => {
          if (!c.image) out.push({ reason: 'FieldValueRequired', message: 'Required value', field: `spec.containers[${i}].image` });
        });
        return out;
      },
      selectableFields: (p) => ({ 'spec.nodeName': p.spec?.nodeName ?? '', 'status.phase': p.status?.phase ?? '' }),
    },
    table: {
      columns: [
        { name: 'Status', type: 'string', description: 'phase', priority: 0 },
        { name: 'Node', type: 'string', description: 'node', priority: 1 },
      ],
      cells: (p) => [p.status?.phase ?? '', p.spec?.nodeName ?? '<none>'],
    },
  };
  const deployments: ResourceDef = {
    ...base, group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', listKind: 'DeploymentList', singular: 'deployment',
    namespaced: true, subresources: ['status', 'scale'], strategy: { bumpsGeneration: true },
    table: { columns: [{ name: 'Replicas', type: 'integer', description: 'replicas', priority: 0 }], cells: (d) => [(d as { spec?: { replicas?: number } }).spec?.replicas ?? 0] },
  };
  return [namespaces, nodes, pods as unknown as ResourceDef, deployments];
}
