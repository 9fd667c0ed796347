/**
 * The pod-template-hash (kubernetes pkg/controller/controller_utils.go
 * ComputeHash, rendered with rand.SafeEncodeString): a stable hash of a
 * Deployment's pod template naming its ReplicaSet `<deploy>-<hash>`. Here:
 * FNV-1a 32-bit over canonical JSON (object keys sorted, undefined dropped),
 * plus the collision count when set, rendered by mapping each decimal digit
 * of the hash onto a vowel-free alphabet, so the result is a DNS-label-safe
 * string of at most 10 characters.
 */
import type { PodTemplateSpec } from 'kubernetes-types/core/v1';

/** Label (and selector key) carrying the hash on ReplicaSets and pods. */
export const POD_TEMPLATE_HASH = 'pod-template-hash';

/** JSON with object keys sorted at every level; undefined fields dropped. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`;
  const entries = Object.entries(v as Record<string, unknown>)
    .filter(([, x]) => x !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
}

/** FNV-1a 32-bit hash of the UTF-8 bytes of `s`, as an unsigned integer. */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const alphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** Maps each character of `s` onto the safe alphabet (like rand.SafeEncodeString). */
export function safeEncode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += alphabet[s.charCodeAt(i) % alphabet.length];
  return out;
}

/**
 * The pod-template-hash of `template` (its own pod-template-hash label is
 * ignored, so hashing an RS's template gives the Deployment's hash).
 * `collisionCount` (Deployment status.collisionCount) changes the result when
 * set, to escape a name collision.
 */
export function podTemplateHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  const t = structuredClone(template ?? {});
  if (t.metadata?.labels) {
    delete t.metadata.labels[POD_TEMPLATE_HASH];
  }
  let input = canonicalJson(t);
  if (collisionCount !== undefined && collisionCount !== null) input += `#${collisionCount}`;
  return safeEncode(String(fnv1a32(input)));
}

/**
 * Whether two pod templates are equal ignoring the pod-template-hash label
 * (EqualIgnoreHash): how a Deployment recognises its current ReplicaSet.
 */
export function templatesEqualIgnoringHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  const strip = (t: PodTemplateSpec | undefined): string => {
    const c = structuredClone(t ?? {});
    if (c.metadata?.labels) {
      delete c.metadata.labels[POD_TEMPLATE_HASH];
      if (Object.keys(c.metadata.labels).length === 0) delete c.metadata.labels;
    }
    if (c.metadata && Object.keys(c.metadata).length === 0) delete c.metadata;
    return canonicalJson(c);
  };
  return strip(a) === strip(b);
}
