/**
 * The node authorizer's relationship graph (Kubernetes
 * plugin/pkg/auth/authorizer/node/graph.go and graph_populator.go, flattened):
 * for each node, the objects the pods bound to it reach — the pods
 * themselves, the Secrets, ConfigMaps, PersistentVolumeClaims and the
 * ServiceAccount they reference — with a count per object, so removing one
 * pod keeps what another pod on the node still uses. Fed with pod changes
 * (an ObjectCache of pods); pods without spec.nodeName add nothing.
 */
import type { Pod, PodSpec, Volume } from 'kubernetes-types/core/v1';

/** The kinds of object a node can reach through its pods. */
export type VertexKind = 'pods' | 'secrets' | 'configmaps' | 'persistentvolumeclaims' | 'serviceaccounts';

/** One object a pod references, as `kind/namespace/name`. */
export type Vertex = `${VertexKind}/${string}/${string}`;

/** Reads the graph: is `kind namespace/name` reachable from node `node`? */
export interface NodeGraphView {
  hasPathFrom(node: string, kind: VertexKind, namespace: string, name: string): boolean;
}

function volumeRefs(pod: Pod, v: Volume, add: (k: VertexKind, n: string | undefined) => void): void {
  add('secrets', v.secret?.secretName);
  add('configmaps', v.configMap?.name);
  add('persistentvolumeclaims', v.persistentVolumeClaim?.claimName);
  // An ephemeral volume's claim is named <pod>-<volume> (Kubernetes ephemeral.VolumeClaimName).
  if (v.ephemeral) add('persistentvolumeclaims', `${pod.metadata?.name ?? ''}-${v.name}`);
  for (const s of v.projected?.sources ?? []) {
    add('secrets', s.secret?.name);
    add('configmaps', s.configMap?.name);
  }
  for (const ref of [v.azureFile ? { name: v.azureFile.secretName } : undefined, v.cephfs?.secretRef, v.cinder?.secretRef, v.flexVolume?.secretRef,
    v.iscsi?.secretRef, v.rbd?.secretRef, v.scaleIO?.secretRef, v.storageos?.secretRef, v.csi?.nodePublishSecretRef]) add('secrets', ref?.name);
}

function containerRefs(spec: PodSpec, add: (k: VertexKind, n: string | undefined) => void): void {
  for (const c of [...spec.containers, ...(spec.initContainers ?? []), ...(spec.ephemeralContainers ?? [])]) {
    for (const e of c.envFrom ?? []) {
      add('secrets', e.secretRef?.name);
      add('configmaps', e.configMapRef?.name);
    }
    for (const e of c.env ?? []) {
      add('secrets', e.valueFrom?.secretKeyRef?.name);
      add('configmaps', e.valueFrom?.configMapKeyRef?.name);
    }
  }
}

/**
 * Every vertex a pod bound to a node reaches, itself included (graph_populator
 * AddPod: imagePullSecrets, volume and env/envFrom secrets and configmaps of
 * all containers, PVCs, the ServiceAccount); [] for an unbound pod. Pure.
 */
export function podVertices(pod: Pod): Vertex[] {
  const ns = pod.metadata?.namespace ?? '';
  const spec = pod.spec;
  if (!spec?.nodeName) return [];
  const out = new Set<Vertex>();
  const add = (k: VertexKind, n: string | undefined): void => {
    if (n) out.add(`${k}/${ns}/${n}`);
  };
  add('pods', pod.metadata?.name);
  add('serviceaccounts', spec.serviceAccountName);
  for (const s of spec.imagePullSecrets ?? []) add('secrets', s.name);
  for (const v of spec.volumes ?? []) volumeRefs(pod, v, add);
  containerRefs(spec, add);
  return [...out];
}

/** The graph, updated one pod change at a time (idempotent per pod: a put replaces the pod's previous edges). */
export class NodeGraph implements NodeGraphView {
  private readonly byPod = new Map<string, { node: string; vertices: Vertex[] }>();
  private readonly byNode = new Map<string, Map<Vertex, number>>();

  /** Records the pod's current edges (replacing any it had). */
  putPod(pod: Pod): void {
    this.deletePod(pod);
    const vertices = podVertices(pod);
    if (vertices.length === 0) return;
    const node = pod.spec!.nodeName!;
    this.byPod.set(podKey(pod), { node, vertices });
    let counts = this.byNode.get(node);
    if (!counts) this.byNode.set(node, (counts = new Map()));
    for (const v of vertices) counts.set(v, (counts.get(v) ?? 0) + 1);
  }

  /** Forgets the pod's edges (a no-op for an unknown pod). */
  deletePod(pod: Pod): void {
    const key = podKey(pod);
    const prev = this.byPod.get(key);
    if (!prev) return;
    this.byPod.delete(key);
    const counts = this.byNode.get(prev.node);
    if (!counts) return;
    for (const v of prev.vertices) {
      const n = (counts.get(v) ?? 0) - 1;
      if (n > 0) counts.set(v, n);
      else counts.delete(v);
    }
    if (counts.size === 0) this.byNode.delete(prev.node);
  }

  hasPathFrom(node: string, kind: VertexKind, namespace: string, name: string): boolean {
    return this.byNode.get(node)?.has(`${kind}/${namespace}/${name}`) ?? false;
  }
}

function podKey(pod: Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}
