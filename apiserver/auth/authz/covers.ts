/**
 * Whether one set of rules covers another, as Kubernetes'
 * pkg/registry/rbac/validation/policy_comparator.go (Covers, BreakdownRule,
 * ruleCovers, resourceCoversAll, nonResourceURLCovers): the wanted rules are
 * broken into one-verb, one-group, one-resource (one-name) rules and each
 * must be covered by some owned rule. Pure.
 */
import type { PolicyRule } from 'kubernetes-types/rbac/v1';
import { wildcard } from './rules.ts';

const hasAll = (set: readonly string[], want: readonly string[]): boolean => want.every((w) => set.includes(w));

/** BreakdownRule: `rule` as simple rules (one verb, group, resource, name or URL each). */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const g of rule.apiGroups ?? []) {
    for (const r of rule.resources ?? []) {
      for (const v of rule.verbs) {
        const names = rule.resourceNames ?? [];
        if (names.length === 0) out.push({ apiGroups: [g], resources: [r], verbs: [v] });
        else for (const n of names) out.push({ apiGroups: [g], resources: [r], resourceNames: [n], verbs: [v] });
      }
    }
  }
  for (const u of rule.nonResourceURLs ?? []) for (const v of rule.verbs) out.push({ nonResourceURLs: [u], verbs: [v] });
  return out;
}

/** resourceCoversAll: `*`, exact names, or `*\/<subresource>` for a subresource. */
function resourceCoversAll(set: readonly string[], want: readonly string[]): boolean {
  if (set.includes(wildcard) || hasAll(set, want)) return true;
  return want.every((path) => {
    if (set.includes(path)) return true;
    const slash = path.indexOf('/');
    return slash >= 0 && set.includes(`*/${path.slice(slash + 1)}`);
  });
}

function nonResourceURLCovers(owner: string, wanted: string): boolean {
  return owner === wanted || (owner.endsWith('*') && wanted.startsWith(owner.slice(0, -1)));
}

/** ruleCovers: does `owner` grant everything the simple rule `sub` does? */
export function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbs = owner.verbs.includes(wildcard) || hasAll(owner.verbs, sub.verbs);
  const groups = (owner.apiGroups ?? []).includes(wildcard) || hasAll(owner.apiGroups ?? [], sub.apiGroups ?? []);
  const resources = resourceCoversAll(owner.resources ?? [], sub.resources ?? []);
  const urls = (sub.nonResourceURLs ?? []).every((u) => (owner.nonResourceURLs ?? []).some((o) => nonResourceURLCovers(o, u)));
  const ownerNames = owner.resourceNames ?? [];
  const subNames = sub.resourceNames ?? [];
  const names = subNames.length === 0 ? ownerNames.length === 0 : ownerNames.length === 0 || hasAll(ownerNames, subNames);
  return verbs && groups && resources && urls && names;
}

/** Covers: the simple rules of `wanted` that no rule of `owned` covers (empty: covered). */
export function uncovered(owned: readonly PolicyRule[], wanted: readonly PolicyRule[]): PolicyRule[] {
  const missing: PolicyRule[] = [];
  for (const w of wanted) for (const s of breakdownRule(w)) if (!owned.some((o) => ruleCovers(o, s))) missing.push(s);
  return missing;
}

/** rbacv1helpers.CompactString: `{APIGroups:["apps"], Resources:["deployments"], Verbs:["get"]}` (empty fields left out). */
export function compactString(r: PolicyRule): string {
  const q = (v: string[]): string => `[${v.map((s) => JSON.stringify(s)).join(', ')}]`;
  const parts: string[] = [];
  const add = (label: string, v: string[] | undefined): void => { if (v && v.length > 0) parts.push(`${label}:${q(v)}`); };
  add('APIGroups', r.apiGroups);
  add('Resources', r.resources);
  add('ResourceNames', r.resourceNames);
  add('NonResourceURLs', r.nonResourceURLs);
  add('Verbs', r.verbs);
  return `{${parts.join(', ')}}`;
}
