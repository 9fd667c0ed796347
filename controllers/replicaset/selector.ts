/**
 * Label selector matching (meta/v1 LabelSelector), as
 * `metav1.LabelSelectorAsSelector` does it: an undefined selector matches
 * nothing, an empty one matches everything, matchLabels and matchExpressions
 * are ANDed.
 */
import type { LabelSelector } from 'kubernetes-types/meta/v1';

/** Labels of an object (undefined = none). */
export type Labels = Record<string, string> | undefined;

/**
 * Whether `labels` satisfy `selector`. Operators: In, NotIn, Exists,
 * DoesNotExist; an unknown operator matches nothing (Kubernetes rejects it
 * at validation).
 */
export function selectorMatches(selector: LabelSelector | undefined, labels: Labels): boolean {
  if (!selector) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (l[k] !== v) return false;
  }
  for (const req of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, req.key);
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
        if (!has || !values.includes(l[req.key])) return false;
        break;
      case 'NotIn':
        if (has && values.includes(l[req.key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Whether the selector is empty (matches everything); controllers refuse to act on one. */
export function selectorIsEmpty(selector: LabelSelector | undefined): boolean {
  if (!selector) return false;
  return Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
}
