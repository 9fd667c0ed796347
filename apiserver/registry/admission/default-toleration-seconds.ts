/**
 * DefaultTolerationSeconds admission, as Kubernetes'
 * plugin/pkg/admission/defaulttolerationseconds (admission.go, Admit): on a
 * pod create, a pod that does not already tolerate
 * `node.kubernetes.io/not-ready:NoExecute` (resp. `unreachable`) gets the
 * toleration `{key, operator: Exists, effect: NoExecute, tolerationSeconds:
 * 300}`, so its pods are evicted from a dead node after 5 minutes rather
 * than at once. "Already tolerates" is kube's own test: a toleration whose key
 * is that key or empty, and whose effect is NoExecute or empty (the operator
 * and tolerationSeconds are not looked at).
 */
import type { Pod, Toleration } from 'kubernetes-types/core/v1';
import { TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE } from '../../api/taints.ts';
import type { AdmissionPlugin } from './chain.ts';

/** kube's --default-not-ready-toleration-seconds and --default-unreachable-toleration-seconds (s). */
export const DEFAULT_TOLERATION_SECONDS = 300;

const toleratesKey = (tolerations: readonly Toleration[], key: string): boolean =>
  tolerations.some((t) => (!t.key || t.key === key) && (!t.effect || t.effect === 'NoExecute'));

/**
 * Appends the missing default tolerations to `pod` in place (not-ready
 * first, then unreachable, as kube), each with `seconds`. Pure apart from the
 * mutation; idempotent.
 */
export function addDefaultTolerations(pod: Pod, seconds: number = DEFAULT_TOLERATION_SECONDS): void {
  const spec = (pod.spec ??= { containers: [] });
  const have = spec.tolerations ?? [];
  const add: Toleration[] = [];
  for (const key of [TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE]) {
    if (!toleratesKey(have, key)) add.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
  }
  if (add.length > 0) spec.tolerations = [...have, ...add];
}

/** The plugin: pod creates only (not subresources); never rejects. */
export function defaultTolerationSeconds(seconds: number = DEFAULT_TOLERATION_SECONDS): AdmissionPlugin {
  return (attrs) => {
    if (attrs.operation !== 'CREATE' || attrs.group !== '' || attrs.resource !== 'pods' || attrs.subresource) return undefined;
    addDefaultTolerations(attrs.object as Pod, seconds);
    return undefined;
  };
}
