/**
 * The fuzz suite's oracles, as pure functions: is a response an acceptable
 * error (a Kubernetes Status with the HTTP code), did a request ask for a dry
 * run, did the built-in prototypes gain or change properties, is a stored
 * value a well-formed object under the right key.
 */
import type { FuzzRequest } from './arbitraries/requests.ts';

/** A response as the harness saw it: HTTP code, Content-Type and body text. */
export interface Seen {
  code: number;
  contentType: string;
  body: string;
}

/**
 * Why a response breaks the error contract, or undefined. 5xx is wrong here,
 * with one exception: a GET may answer 504 with a Status of reason Timeout,
 * as kube-apiserver does for a read at a future resourceVersion
 * (apiserver/pkg/storage errors.go NewTooLargeResourceVersionError). A write's
 * 504 means etcd left the outcome unknown, which a healthy local etcd never
 * does, so it counts. Any non-2xx must carry a meta/v1 Status with
 * status Failure, `code` equal to the HTTP code, a non-empty reason and a
 * message (HEAD responses carry no body and are only checked for the code).
 */
export function responseViolation(method: string, seen: Seen): string | undefined {
  if (seen.code >= 500 && !(seen.code === 504 && method === 'GET' && reasonOf(seen.body) === 'Timeout')) return `HTTP ${seen.code}`;
  if (seen.code < 300 || method === 'HEAD') return undefined;
  let v: unknown;
  try {
    v = JSON.parse(seen.body);
  } catch {
    return `non-JSON error body (${seen.contentType || 'no content-type'})`;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'error body is not an object';
  const s = v as Record<string, unknown>;
  if (s.kind !== 'Status' || s.apiVersion !== 'v1') return `error body is not a v1 Status (kind ${JSON.stringify(s.kind)}, apiVersion ${JSON.stringify(s.apiVersion)})`;
  if (s.status !== 'Failure') return `Status.status is ${JSON.stringify(s.status)}, not "Failure"`;
  if (s.code !== seen.code) return `Status.code ${JSON.stringify(s.code)} differs from HTTP ${seen.code}`;
  if (typeof s.reason !== 'string' || s.reason === '') return 'Status has no reason';
  if (typeof s.message !== 'string') return 'Status has no message';
  return undefined;
}

/** The `reason` of a JSON Status body, or undefined. */
function reasonOf(body: string): unknown {
  try {
    const v = JSON.parse(body) as unknown;
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>).reason : undefined;
  } catch {
    return undefined;
  }
}

/** True if the request asks for a dry run: `dryRun=All` in the query, or `"dryRun": [..."All"...]` in a DELETE body. */
export function asksDryRun(r: FuzzRequest): boolean {
  const q = r.url.indexOf('?');
  if (q >= 0) {
    try {
      if (new URLSearchParams(r.url.slice(q + 1)).getAll('dryRun').includes('All')) return true;
    } catch {
      // a mis-encoded query asks for nothing
    }
  }
  if (r.method === 'DELETE' && typeof r.body === 'string') {
    try {
      const b = JSON.parse(r.body) as unknown;
      if (typeof b === 'object' && b !== null && !Array.isArray(b)) {
        const d = (b as Record<string, unknown>).dryRun;
        return Array.isArray(d) && d.includes('All');
      }
    } catch {
      return false;
    }
  }
  return false;
}

/** The own properties of the built-in prototypes a request could pollute, by name. */
export interface ProtoSnapshot {
  targets: Array<[string, object]>;
  props: Map<string, Map<PropertyKey, PropertyDescriptor>>;
}

/** The prototypes checked: Object, Array, Function, String, Number, Boolean. */
function protoTargets(): Array<[string, object]> {
  return [
    ['Object.prototype', Object.prototype], ['Array.prototype', Array.prototype], ['Function.prototype', Function.prototype],
    ['String.prototype', String.prototype], ['Number.prototype', Number.prototype], ['Boolean.prototype', Boolean.prototype],
  ];
}

/** Records the current own property descriptors of the built-in prototypes. */
export function snapshotPrototypes(): ProtoSnapshot {
  const targets = protoTargets();
  const props = new Map<string, Map<PropertyKey, PropertyDescriptor>>();
  for (const [name, o] of targets) {
    const m = new Map<PropertyKey, PropertyDescriptor>();
    for (const k of Reflect.ownKeys(o)) m.set(k, Object.getOwnPropertyDescriptor(o, k) as PropertyDescriptor);
    props.set(name, m);
  }
  return { targets, props };
}

/** Properties added to or changed on the prototypes since `before`, e.g. ['Object.prototype.polluted (added)']. */
export function prototypeChanges(before: ProtoSnapshot): string[] {
  const out: string[] = [];
  for (const [name, o] of before.targets) {
    const was = before.props.get(name) as Map<PropertyKey, PropertyDescriptor>;
    for (const k of Reflect.ownKeys(o)) {
      const d = Object.getOwnPropertyDescriptor(o, k) as PropertyDescriptor;
      const old = was.get(k);
      if (!old) out.push(`${name}.${String(k)} (added)`);
      else if (old.value !== d.value || old.get !== d.get || old.set !== d.set) out.push(`${name}.${String(k)} (changed)`);
    }
  }
  return out;
}

/** Undoes prototype changes since `before` (deletes added properties, restores changed ones), so a run can go on. */
export function restorePrototypes(before: ProtoSnapshot): void {
  for (const [name, o] of before.targets) {
    const was = before.props.get(name) as Map<PropertyKey, PropertyDescriptor>;
    for (const k of Reflect.ownKeys(o)) {
      const old = was.get(k);
      if (!old) Reflect.deleteProperty(o, k);
      else Object.defineProperty(o, k, old);
    }
  }
}

/**
 * Why a stored etcd value is malformed, or undefined. Object keys are
 * `/registry/<resource>/[<namespace>/]<name>`; the value must be a JSON object
 * whose metadata.name (a string) is the key's last segment and whose
 * metadata.namespace (when namespaced) is the segment before it, with labels
 * and annotations maps of strings. `namespaced` tells which layout applies;
 * keys of unknown resources (allocations) are not checked.
 */
export function storedValueViolation(key: string, value: string, namespaced: (resource: string) => boolean | undefined): string | undefined {
  const parts = key.split('/');
  const resource = parts[2];
  const ns = namespaced(resource);
  if (ns === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(value);
  } catch {
    return 'value is not JSON';
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'value is not an object';
  const meta = (v as Record<string, unknown>).metadata;
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return 'metadata is not an object';
  const m = meta as Record<string, unknown>;
  if (typeof m.name !== 'string' || m.name !== parts[parts.length - 1]) return `metadata.name ${JSON.stringify(m.name)} does not match the key`;
  if (ns && (typeof m.namespace !== 'string' || m.namespace !== parts[3])) return `metadata.namespace ${JSON.stringify(m.namespace)} does not match the key`;
  for (const f of ['labels', 'annotations']) {
    const map = m[f];
    if (map === undefined) continue;
    if (typeof map !== 'object' || map === null || Array.isArray(map)) return `metadata.${f} is not a map`;
    for (const [k, x] of Object.entries(map)) if (typeof x !== 'string') return `metadata.${f}[${JSON.stringify(k)}] is not a string`;
  }
  return undefined;
}

/**
 * True when the namespace finalizer has nothing left to do in the stored
 * state `kvs` (key → base64 value): every Terminating namespace still holds
 * only objects that are themselves terminating, or holds none, has lost its
 * `kubernetes` spec finalizer and is kept by its own metadata.finalizers. Anything else means a finalizer pass is due.
 */
export function finalizerIdle(kvs: Map<string, string>, namespaced: (resource: string) => boolean | undefined): boolean {
  const parse = (v: string): Record<string, unknown> | undefined => {
    try {
      const o = JSON.parse(Buffer.from(v, 'base64').toString()) as unknown;
      return typeof o === 'object' && o !== null && !Array.isArray(o) ? (o as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  };
  const metaOf = (o: Record<string, unknown> | undefined): Record<string, unknown> => {
    const m = o?.metadata;
    return typeof m === 'object' && m !== null && !Array.isArray(m) ? (m as Record<string, unknown>) : {};
  };
  const terminating = new Map<string, boolean>();
  for (const [k, v] of kvs) {
    if (!k.startsWith('/registry/namespaces/')) continue;
    const m = metaOf(parse(v));
    if (!m.deletionTimestamp) continue;
    const spec = parse(v)?.spec as { finalizers?: unknown } | undefined;
    const specDone = !(Array.isArray(spec?.finalizers) && spec.finalizers.includes('kubernetes'));
    terminating.set(k.slice('/registry/namespaces/'.length), specDone && Array.isArray(m.finalizers) && m.finalizers.length > 0);
  }
  if (terminating.size === 0) return true;
  const live = new Set<string>();
  const held = new Set<string>();
  for (const [k, v] of kvs) {
    const parts = k.split('/');
    if (parts.length !== 5 || !namespaced(parts[2]) || !terminating.has(parts[3])) continue;
    held.add(parts[3]);
    if (!metaOf(parse(v)).deletionTimestamp) live.add(parts[3]);
  }
  for (const [ns, hasFinalizers] of terminating) {
    if (live.has(ns)) return false;
    if (!held.has(ns) && !hasFinalizers) return false;
  }
  return true;
}

/** Terminating namespaces in `kvs` and the keys of their terminating contents, for forced clean-up. */
export function stuckNamespaces(kvs: Map<string, string>, namespaced: (resource: string) => boolean | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [k, v] of kvs) {
    if (k.startsWith('/registry/namespaces/') && Buffer.from(v, 'base64').toString().includes('"deletionTimestamp"')) out.set(k.slice('/registry/namespaces/'.length), []);
  }
  for (const k of kvs.keys()) {
    const parts = k.split('/');
    if (parts.length === 5 && namespaced(parts[2]) && out.has(parts[3])) out.get(parts[3])?.push(k);
  }
  return out;
}
