/**
 * Which node labels a kubelet may set on its own Node, as NodeRestriction's
 * getForbiddenLabels (plugin/pkg/admission/noderestriction/admission.go) with
 * kubeletapis.IsKubeletLabel (pkg/kubelet/apis/well_known_labels.go): labels
 * in the node-restriction.kubernetes.io namespace are forbidden, and so are
 * kubernetes.io / k8s.io labels other than the well-known kubelet ones and the
 * kubelet.kubernetes.io and node.kubernetes.io namespaces. Other labels are
 * free. Pure.
 */

const kubeletLabels = new Set([
  'kubernetes.io/hostname', 'kubernetes.io/os', 'kubernetes.io/arch',
  'beta.kubernetes.io/os', 'beta.kubernetes.io/arch', 'beta.kubernetes.io/instance-type', 'node.kubernetes.io/instance-type',
  'failure-domain.beta.kubernetes.io/zone', 'failure-domain.beta.kubernetes.io/region',
  'topology.kubernetes.io/zone', 'topology.kubernetes.io/region',
]);
const kubeletNamespaces = ['kubelet.kubernetes.io', 'node.kubernetes.io'];

function namespaceOf(key: string): string {
  const i = key.indexOf('/');
  return i < 0 ? '' : key.slice(0, i);
}

const inNamespace = (ns: string, want: string): boolean => ns === want || ns.endsWith(`.${want}`);

/** True for the labels a kubelet sets itself (kubeletapis.IsKubeletLabel). */
export function isKubeletLabel(key: string): boolean {
  if (kubeletLabels.has(key)) return true;
  const ns = namespaceOf(key);
  return kubeletNamespaces.some((k) => inNamespace(ns, k));
}

/** The keys added, removed or changed between `old` and `now`, sorted. */
export function modifiedLabels(now: Record<string, string> | undefined, old: Record<string, string> | undefined): string[] {
  const a = now ?? {};
  const b = old ?? {};
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => a[k] !== b[k]).sort();
}

/** The keys of `keys` a node may not set, sorted. */
export function forbiddenLabels(keys: readonly string[]): string[] {
  return keys.filter((k) => {
    const ns = namespaceOf(k);
    if (inNamespace(ns, 'node-restriction.kubernetes.io')) return true;
    const kube = inNamespace(ns, 'kubernetes.io') || inNamespace(ns, 'k8s.io');
    return kube && !isKubeletLabel(k);
  }).sort();
}
