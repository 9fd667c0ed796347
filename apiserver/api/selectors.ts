/**
 * Label and field selectors, parsed from their query-string form and matched
 * against labels, field values or whole objects, following
 * k8s.io/apimachinery/pkg/labels and pkg/fields. The one implementation, for
 * the API server, the FakeClient and anyone needing selector semantics in
 * memory. A malformed selector throws a 400 BadRequest StatusError with the
 * message Kubernetes answers.
 *
 * Label selector grammar (labels.Parse): comma-separated requirements `k=v`,
 * `k==v`, `k!=v`, `k`, `!k`, `k in (a,b)`, `k notin (a,b)`, `k>3`, `k<3`.
 * Field selector grammar (fields.ParseSelector): `path=v`, `path==v`,
 * `path!=v`, with dotted paths such as `spec.nodeName` and `\,` escapes.
 */
import type { KubeObject } from './object.ts';
import { badRequest } from './errors.ts';

/** One label requirement; `values` is empty for exists/notexists. `k=v` is 'in' [v], `k!=v` is 'notin' [v]. */
export interface LabelRequirement {
  key: string;
  op: 'in' | 'notin' | 'exists' | 'notexists' | 'gt' | 'lt';
  values: string[];
}

/** One field requirement (`=`/`==` is 'eq', `!=` is 'neq'). */
export interface FieldRequirement {
  field: string;
  op: 'eq' | 'neq';
  value: string;
}

const KEY_RE = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE_RE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Splits on commas that are outside parentheses. */
function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  out.push(cur);
  return out;
}

function checkKey(key: string, sel: string): string {
  if (!KEY_RE.test(key) || key.length > 317) throw badRequest(`unable to parse requirement: invalid label key "${key}" in selector "${sel}"`);
  return key;
}

function checkValue(v: string, sel: string): string {
  if (!VALUE_RE.test(v) || v.length > 63) throw badRequest(`unable to parse requirement: invalid label value: "${v}" in selector "${sel}"`);
  return v;
}

/**
 * Parses a label selector such as `app=web,tier!=db,env in (a,b),!legacy,gpu`.
 * Supports =, ==, !=, in, notin, exists (`key`), not-exists (`!key`), gt/lt
 * (`key>3`). Empty or undefined selects everything. Throws a 400 StatusError on
 * bad syntax or an invalid label key/value.
 */
export function parseLabelSelector(sel: string | undefined): LabelRequirement[] {
  if (!sel || sel.trim() === '') return [];
  const reqs: LabelRequirement[] = [];
  for (const rawPart of splitTopLevel(sel)) {
    const part = rawPart.trim();
    if (part === '') throw badRequest(`unable to parse requirement: found '', expected: identifier in selector "${sel}"`);
    const setMatch = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
    if (setMatch) {
      const values = setMatch[3].split(',').map((v) => checkValue(v.trim(), sel));
      reqs.push({ key: checkKey(setMatch[1], sel), op: setMatch[2] as 'in' | 'notin', values });
      continue;
    }
    const opMatch = /^([^=!<>\s]+)\s*(==|=|!=|>|<)\s*(.*)$/.exec(part);
    if (opMatch) {
      const key = checkKey(opMatch[1], sel);
      const value = opMatch[3].trim();
      switch (opMatch[2]) {
        case '=':
        case '==':
          reqs.push({ key, op: 'in', values: [checkValue(value, sel)] });
          break;
        case '!=':
          reqs.push({ key, op: 'notin', values: [checkValue(value, sel)] });
          break;
        default:
          if (!/^-?\d+$/.test(value)) throw badRequest(`unable to parse requirement: for 'gt', 'lt' operators, the value must be an integer in selector "${sel}"`);
          reqs.push({ key, op: opMatch[2] === '>' ? 'gt' : 'lt', values: [value] });
      }
      continue;
    }
    if (part.startsWith('!')) {
      reqs.push({ key: checkKey(part.slice(1).trim(), sel), op: 'notexists', values: [] });
      continue;
    }
    reqs.push({ key: checkKey(part, sel), op: 'exists', values: [] });
  }
  return reqs;
}

/** True if `labels` satisfy every requirement (the empty selector matches all; `!=` and notin match absent keys). */
export function matchLabels(reqs: LabelRequirement[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case 'in': return has && r.values.includes(v);
      case 'notin': return !has || !r.values.includes(v);
      case 'exists': return has;
      case 'notexists': return !has;
      case 'gt': return has && /^-?\d+$/.test(v) && Number(v) > Number(r.values[0]);
      case 'lt': return has && /^-?\d+$/.test(v) && Number(v) < Number(r.values[0]);
    }
    return false;
  });
}

/** Splits on unescaped `sep`, honouring backslash escapes. */
function splitEscaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\' && i + 1 < s.length) {
      cur += ch + s[i + 1];
      i++;
    } else if (ch === sep) {
      out.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  out.push(cur);
  return out;
}

const unescape = (s: string): string => s.replace(/\\(.)/g, '$1');

/**
 * Parses a field selector such as `spec.nodeName=n1,status.phase!=Failed`.
 * `allowed` (if given) is the set of selectable field names: any other field
 * throws a 400 StatusError `field label not supported: x`, as Kubernetes answers.
 * Empty or undefined selects everything.
 */
export function parseFieldSelector(sel: string | undefined, allowed?: Set<string>): FieldRequirement[] {
  if (!sel || sel.trim() === '') return [];
  const reqs: FieldRequirement[] = [];
  for (const rawPart of splitEscaped(sel, ',')) {
    const part = rawPart.trim();
    const m = /^((?:[^=!\\]|\\.)+?)\s*(!=|==|=)(.*)$/.exec(part);
    if (!m) throw badRequest(`invalid selector: '${sel}'; can't understand '${part}'`);
    const field = unescape(m[1].trim());
    if (allowed && !allowed.has(field)) throw badRequest(`field label not supported: ${field}`);
    reqs.push({ field, op: m[2] === '!=' ? 'neq' : 'eq', value: unescape(m[3].trim()) });
  }
  return reqs;
}

/** True if the field values satisfy every requirement; a missing field counts as ''. */
export function matchFields(reqs: FieldRequirement[], fields: Record<string, string>): boolean {
  return reqs.every((r) => {
    const v = fields[r.field] ?? '';
    return r.op === 'eq' ? v === r.value : v !== r.value;
  });
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

/**
 * Compiles label+field selector strings into one predicate over objects
 * (undefined/'' match all); field paths are read from the object itself.
 * Throws a 400 StatusError on a malformed selector.
 */
export function compileSelectors(labelSelector?: string, fieldSelector?: string): (obj: KubeObject) => boolean {
  const l = parseLabelSelector(labelSelector);
  const f = parseFieldSelector(fieldSelector);
  return (obj) => matchLabels(l, obj.metadata?.labels) && matchFields(f, Object.fromEntries(f.map((r) => [r.field, fieldValue(obj, r.field)])));
}
