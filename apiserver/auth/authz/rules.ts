/**
 * Whether an RBAC PolicyRule allows a request: the matching rules of
 * Kubernetes' pkg/apis/rbac/v1/evaluation_helpers.go (VerbMatches,
 * APIGroupMatches, ResourceMatches with `resource/subresource` and
 * `*\/subresource`, ResourceNameMatches, NonResourceURLMatches with a trailing
 * `*`) and RuleAllows. Pure.
 */
import type { PolicyRule } from 'kubernetes-types/rbac/v1';
import type { Attributes } from './attributes.ts';

/** The `*` that matches every verb, group, resource or URL. */
export const wildcard = '*';

/** True if the rule names `verb` or `*`. */
export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return rule.verbs.some((v) => v === wildcard || v === verb);
}

/** True if the rule names `group` or `*`. */
export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return (rule.apiGroups ?? []).some((g) => g === wildcard || g === group);
}

/**
 * True if the rule names `*`, `combined` (`pods` or `pods/log`), or, for a
 * subresource request, `*\/<subresource>`.
 */
export function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  for (const r of rule.resources ?? []) {
    if (r === wildcard || r === combined) return true;
    if (subresource !== '' && r === `*/${subresource}`) return true;
  }
  return false;
}

/** True if the rule has no resourceNames, or names `name`. */
export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(name);
}

/** True if the rule names `*`, `path`, or a prefix of it ending in `*`. */
export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === wildcard || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

/** Kubernetes RuleAllows: does `rule` allow the request `attrs`? */
export function ruleAllows(attrs: Attributes, rule: PolicyRule): boolean {
  if (!verbMatches(rule, attrs.verb)) return false;
  if (!attrs.resourceRequest) return nonResourceURLMatches(rule, attrs.path);
  const combined = attrs.subresource === '' ? attrs.resource : `${attrs.resource}/${attrs.subresource}`;
  return apiGroupMatches(rule, attrs.apiGroup) && resourceMatches(rule, combined, attrs.subresource) && resourceNameMatches(rule, attrs.name);
}

/** The decide function: true if any of `rules` allows `attrs`. */
export function authorize(attrs: Attributes, rules: readonly PolicyRule[]): boolean {
  return rules.some((r) => ruleAllows(attrs, r));
}
