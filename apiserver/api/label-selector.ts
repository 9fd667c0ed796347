/**
 * metav1.LabelSelector helpers, the one copy for server, client and
 * controllers: matching labels as `metav1.LabelSelectorAsSelector` does (an
 * undefined selector matches nothing, an empty one everything, matchLabels and
 * matchExpressions ANDed, an unknown operator matches nothing), and printing
 * a selector the way kubectl's SELECTOR column does (FormatLabelSelector).
 */
import type { LabelSelector, LabelSelectorRequirement } from 'kubernetes-types/meta/v1';

function matchesRequirement(r: LabelSelectorRequirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In': return has && values.includes(labels[r.key] as string);
    case 'NotIn': return !has || !values.includes(labels[r.key] as string);
    case 'Exists': return has;
    case 'DoesNotExist': return !has;
    default: return false;
  }
}

/** True when `labels` satisfy every matchLabels entry and matchExpressions requirement of `sel`; false for an undefined selector. */
export function selectorMatches(sel: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  if (!sel) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (!Object.prototype.hasOwnProperty.call(l, k) || l[k] !== v) return false;
  return (sel.matchExpressions ?? []).every((r) => matchesRequirement(r, l));
}

/** True when the selector selects nothing in particular (no labels, no expressions). */
export function selectorIsEmpty(sel: LabelSelector | undefined): boolean {
  return !sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0);
}

/** "app=web,tier in (a,b)" sorted by key, or "<none>" when empty (kubectl FormatLabelSelector). */
export function formatLabelSelector(sel: LabelSelector | undefined): string {
  if (selectorIsEmpty(sel) || !sel) return '<none>';
  const parts: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) parts.push([k, `${k}=${v}`]);
  for (const r of sel.matchExpressions ?? []) {
    const vals = [...(r.values ?? [])].sort().join(',');
    switch (r.operator) {
      case 'In': parts.push([r.key, `${r.key} in (${vals})`]); break;
      case 'NotIn': parts.push([r.key, `${r.key} notin (${vals})`]); break;
      case 'Exists': parts.push([r.key, r.key]); break;
      case 'DoesNotExist': parts.push([r.key, `!${r.key}`]); break;
      default: parts.push([r.key, `${r.key} ${r.operator} (${vals})`]);
    }
  }
  parts.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return parts.map((p) => p[1]).join(',');
}

/** "k=v,k2=v2" sorted by key, or "<none>" (kubectl's map selector, e.g. Service SELECTOR). */
export function formatLabelMap(m: Record<string, string> | undefined): string {
  const keys = Object.keys(m ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${(m as Record<string, string>)[k]}`).join(',');
}
