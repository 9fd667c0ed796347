/** The autoscaling/v1 Scale view of deployments and replicasets. */
import type { LabelSelector } from 'kubernetes-types/meta/v1';
import type { KubeObject } from '../api/object.ts';

/** An autoscaling/v1 Scale. */
export interface Scale extends KubeObject {
  spec: { replicas?: number };
  status: { replicas: number; selector?: string };
}

/** Renders a LabelSelector in the string form (`a=b,c in (d,e),!f`), as metav1.FormatLabelSelector. */
export function formatLabelSelector(sel: LabelSelector | undefined): string {
  if (!sel) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) parts.push(`${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(',');
    switch (e.operator) {
      case 'In': parts.push(`${e.key} in (${values})`); break;
      case 'NotIn': parts.push(`${e.key} notin (${values})`); break;
      case 'Exists': parts.push(e.key); break;
      case 'DoesNotExist': parts.push(`!${e.key}`); break;
    }
  }
  return parts.join(',');
}

/** The Scale of a deployment or replicaset: spec.replicas, status.replicas and the selector string. */
export function toScale(obj: KubeObject): Scale {
  const o = obj as KubeObject & { spec?: { replicas?: number; selector?: LabelSelector }; status?: { replicas?: number } };
  const m = obj.metadata ?? {};
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: o.spec?.replicas ?? 1 },
    status: { replicas: o.status?.replicas ?? 0, selector: formatLabelSelector(o.spec?.selector) },
  };
}
