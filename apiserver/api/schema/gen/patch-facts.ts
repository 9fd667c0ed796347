/**
 * Patch and list metadata of the built-in types, which neither
 * kubernetes-types nor @kubernetes/client-node carry: the Go struct tags
 * `patchStrategy`/`patchMergeKey` and the `+listType`/`+listMapKey` markers
 * in k8s.io/api (core/v1/types.go, apps/v1/types.go) and k8s.io/apimachinery
 * (meta/v1/types.go), as kube-openapi publishes them in
 * `x-kubernetes-patch-strategy`, `x-kubernetes-patch-merge-key`,
 * `x-kubernetes-list-type` and `x-kubernetes-list-map-keys`. The generator
 * copies them onto the property schemas; strategic merge patch (and any
 * future server-side apply) reads them from there and nowhere else.
 *
 * Lists not named here are atomic (replaced whole), which is also what
 * Kubernetes does for lists without a patch strategy.
 */

/** The metadata of one property. */
export interface PatchFact {
  mergeKey?: string;
  strategy?: 'merge' | 'retainKeys' | 'merge,retainKeys';
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
}

const keyed = (key: string, keys: string[] = [key]): PatchFact => ({ mergeKey: key, strategy: 'merge', listType: 'map', listMapKeys: keys });
const keyedRetain = (key: string): PatchFact => ({ mergeKey: key, strategy: 'merge,retainKeys', listType: 'map', listMapKeys: [key] });
const primitiveSet: PatchFact = { strategy: 'merge', listType: 'set' };
const conditions = keyed('type');

/** Definition name → property name → its patch metadata. */
export const patchFacts: Record<string, Record<string, PatchFact>> = {
  // k8s.io/apimachinery/pkg/apis/meta/v1/types.go
  'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': {
    finalizers: primitiveSet,
    ownerReferences: keyed('uid'),
    managedFields: { listType: 'atomic' },
  },
  // k8s.io/api/core/v1/types.go
  'io.k8s.api.core.v1.PodSpec': {
    volumes: keyedRetain('name'),
    initContainers: keyed('name'),
    containers: keyed('name'),
    ephemeralContainers: keyed('name'),
    imagePullSecrets: keyed('name'),
    hostAliases: keyed('ip'),
    topologySpreadConstraints: keyed('topologyKey', ['topologyKey', 'whenUnsatisfiable']),
    resourceClaims: keyedRetain('name'),
    schedulingGates: keyed('name'),
  },
  'io.k8s.api.core.v1.Container': {
    ports: keyed('containerPort', ['containerPort', 'protocol']),
    env: keyed('name'),
    volumeMounts: keyed('mountPath'),
    volumeDevices: keyed('devicePath'),
  },
  'io.k8s.api.core.v1.EphemeralContainer': {
    ports: keyed('containerPort', ['containerPort', 'protocol']),
    env: keyed('name'),
    volumeMounts: keyed('mountPath'),
    volumeDevices: keyed('devicePath'),
  },
  'io.k8s.api.core.v1.PodStatus': {
    conditions,
    podIPs: keyed('ip'),
    hostIPs: { mergeKey: 'ip', strategy: 'merge', listType: 'atomic' },
    resourceClaimStatuses: keyedRetain('name'),
  },
  'io.k8s.api.core.v1.ServiceSpec': {
    ports: keyed('port', ['port', 'protocol']),
  },
  'io.k8s.api.core.v1.ServiceStatus': { conditions },
  'io.k8s.api.core.v1.NodeSpec': { podCIDRs: primitiveSet },
  'io.k8s.api.core.v1.NodeStatus': {
    conditions,
    // Kept as Kubernetes has it (keyed by type, although addresses of one type repeat).
    addresses: { mergeKey: 'type', strategy: 'merge', listType: 'atomic' },
  },
  'io.k8s.api.core.v1.NamespaceStatus': { conditions },
  // k8s.io/api/apps/v1/types.go
  'io.k8s.api.apps.v1.DeploymentSpec': { strategy: { strategy: 'retainKeys' } },
  'io.k8s.api.apps.v1.DeploymentStatus': { conditions },
  'io.k8s.api.apps.v1.ReplicaSetStatus': { conditions },
  'io.k8s.api.apps.v1.DaemonSetStatus': { conditions },
  'io.k8s.api.apps.v1.StatefulSetStatus': { conditions },
  // k8s.io/api/batch/v1/types.go: JobStatus.conditions is merge-keyed by type but +listType=atomic.
  'io.k8s.api.batch.v1.JobStatus': { conditions: { mergeKey: 'type', strategy: 'merge', listType: 'atomic' } },
  // k8s.io/api/policy/v1/types.go
  'io.k8s.api.policy.v1.PodDisruptionBudgetStatus': { conditions },
};
