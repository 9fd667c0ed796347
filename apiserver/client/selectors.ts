/**
 * Label and field selectors, parsed once and matched many times. Used by the
 * FakeClient and by anyone who needs Kubernetes selector semantics in memory.
 *
 * Label selector grammar (apimachinery labels.Parse): comma-separated
 * requirements `k=v`, `k==v`, `k!=v`, `k`, `!k`, `k in (a,b)`, `k notin (a,b)`.
 * Field selector grammar (fields.ParseSelector): `path=v`, `path==v`,
 * `path!=v`, with dotted paths such as `spec.nodeName`.
 */
import type { KubeObject } from './types.ts';

/** One parsed label requirement. */
export interface LabelRequirement {
  key: string;
  op: 'eq' | 'neq' | 'in' | 'notin' | 'exists' | 'notexists';
  values: string[];
}

/** Parses a label selector string; throws Error on malformed input. '' selects everything. */
export function parseLabelSelector(s: string): LabelRequirement[] {
  const out: LabelRequirement[] = [];
  for (const part of splitTopLevel(s)) {
    const p = part.trim();
    if (p === '') continue;
    let m = /^([^\s!=(),]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(p);
    if (m) {
      const values = m[3].split(',').map((v) => v.trim()).filter((v) => v !== '');
      out.push({ key: m[1], op: m[2] === 'in' ? 'in' : 'notin', values });
      continue;
    }
    m = /^([^\s!=(),]+)\s*(==|=|!=)\s*([^\s!=(),]*)$/.exec(p);
    if (m) {
      out.push({ key: m[1], op: m[2] === '!=' ? 'neq' : 'eq', values: [m[3]] });
      continue;
    }
    m = /^(!?)\s*([^\s!=(),]+)$/.exec(p);
    if (m) {
      out.push({ key: m[2], op: m[1] === '!' ? 'notexists' : 'exists', values: [] });
      continue;
    }
    throw new Error(`invalid label selector requirement: ${JSON.stringify(p)}`);
  }
  return out;
}

/** Splits on commas that are not inside parentheses. */
function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  parts.push(cur);
  return parts;
}

/** True if `labels` satisfy every requirement (Kubernetes semantics: `!=` and notin match absent keys). */
export function matchLabels(reqs: LabelRequirement[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case 'eq': return has && v === r.values[0];
      case 'neq': return !has || v !== r.values[0];
      case 'in': return has && r.values.includes(v);
      case 'notin': return !has || !r.values.includes(v);
      case 'exists': return has;
      case 'notexists': return !has;
    }
  });
}

/** One parsed field requirement. */
export interface FieldRequirement {
  path: string;
  op: 'eq' | 'neq';
  value: string;
}

/** Parses a field selector string; throws Error on malformed input. */
export function parseFieldSelector(s: string): FieldRequirement[] {
  const out: FieldRequirement[] = [];
  for (const part of s.split(',')) {
    const p = part.trim();
    if (p === '') continue;
    const m = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(p);
    if (!m) throw new Error(`invalid field selector requirement: ${JSON.stringify(p)}`);
    out.push({ path: m[1], op: m[2] === '!=' ? 'neq' : 'eq', value: m[3].trim() });
  }
  return out;
}

/** Reads a dotted path as a string ('' when absent), as field selectors compare. */
export function fieldValue(obj: unknown, path: string): string {
  let cur: unknown = obj;
  for (const seg of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[seg];
  }
  if (cur === undefined || cur === null) return '';
  return typeof cur === 'string' ? cur : String(cur);
}

/** True if the object satisfies every field requirement. */
export function matchFields(reqs: FieldRequirement[], obj: KubeObject): boolean {
  return reqs.every((r) => (fieldValue(obj, r.path) === r.value) === (r.op === 'eq'));
}

/** Compiles label+field selector strings into one predicate (undefined/'' match all). */
export function compileSelectors(labelSelector?: string, fieldSelector?: string): (obj: KubeObject) => boolean {
  const l = parseLabelSelector(labelSelector ?? '');
  const f = parseFieldSelector(fieldSelector ?? '');
  return (obj) => matchLabels(l, obj.metadata?.labels) && matchFields(f, obj);
}

/** True if a meta/v1 LabelSelector ({matchLabels, matchExpressions}) selects `labels`. Empty selector selects all. */
export function labelSelectorMatches(
  sel: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!sel) return false;
  const reqs: LabelRequirement[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) reqs.push({ key: k, op: 'eq', values: [v] });
  for (const e of sel.matchExpressions ?? []) {
    const op = ({ In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: 'notexists' } as const)[e.operator as 'In'];
    if (!op) return false;
    reqs.push({ key: e.key, op, values: e.values ?? [] });
  }
  return matchLabels(reqs, labels);
}
