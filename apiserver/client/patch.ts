/**
 * In-memory patch application used by the FakeClient: JSON merge patch
 * (RFC 7386) and JSON patch (RFC 6902) are the server's own (api/patch), and
 * a simplified strategic merge patch. Keys are own data keys only, so no
 * patch reaches a prototype.
 */
import { mergePatch as serverMergePatch } from '../api/patch/merge.ts';
import { jsonPatch } from '../api/patch/json-patch.ts';
import { getOwn, setOwn } from '../api/patch/json-value.ts';

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Applies an RFC 7386 merge patch: objects merge recursively, null deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  return serverMergePatch(target, patch);
}

/** List merge keys the simplified strategic patch recognises, tried in order. */
const mergeKeys = ['name', 'type', 'containerPort', 'port', 'mountPath', 'ip', 'devicePath'];

/**
 * Simplified strategic merge patch: like a merge patch, but lists of objects
 * that share a merge key (name, type, containerPort, port, ...) merge element
 * by element, `$patch: delete` in an element removes it, and `$`-directives
 * (`$setElementOrder/...`, `$retainKeys`) are ignored.
 */
export function strategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue;
    if (v === null) {
      delete out[k];
    } else if (Array.isArray(v) && Array.isArray(getOwn(out, k))) {
      setOwn(out, k, mergeList(getOwn(out, k) as unknown[], v));
    } else {
      setOwn(out, k, strategicMergePatch(getOwn(out, k), v));
    }
  }
  return out;
}

function mergeList(cur: unknown[], patch: unknown[]): unknown[] {
  const all = [...cur, ...patch];
  const key = mergeKeys.find((mk) => all.length > 0 && all.every((x) => isObj(x) && getOwn(x, mk) !== undefined));
  if (!key) return patch.filter((x) => !(isObj(x) && x.$patch === 'delete')).map((x) => structuredClone(x));
  const out = cur.map((x) => structuredClone(x)) as Record<string, unknown>[];
  for (const p of patch as Record<string, unknown>[]) {
    const i = out.findIndex((x) => x[key] === p[key]);
    if (p.$patch === 'delete') {
      if (i >= 0) out.splice(i, 1);
    } else if (i >= 0) {
      out[i] = strategicMergePatch(out[i], p) as Record<string, unknown>;
    } else {
      out.push(strategicMergePatch({}, p) as Record<string, unknown>);
    }
  }
  return out;
}

/** Applies an RFC 6902 JSON patch (the server's implementation); throws a StatusError if an operation fails (e.g. a failed `test`). */
export function applyJsonPatch(target: unknown, ops: unknown): unknown {
  return jsonPatch(target, ops);
}
