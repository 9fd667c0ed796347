/**
 * Storage keys, as kube-apiserver lays them out in etcd:
 * `/registry/<resource>/<namespace>/<name>` for namespaced objects and
 * `/registry/<resource>/<name>` for cluster-scoped ones.
 */

/** `/registry/<resource>/<namespace>/<name>`, or `/registry/<resource>/<name>` when `namespace` is undefined. */
export function objectKey(resource: string, namespace: string | undefined, name: string): string {
  return namespace === undefined ? `/registry/${resource}/${name}` : `/registry/${resource}/${namespace}/${name}`;
}

/** The key prefix of a resource, or of one namespace of it; always ends in '/'. */
export function resourcePrefix(resource: string, namespace?: string): string {
  return namespace === undefined ? `/registry/${resource}/` : `/registry/${resource}/${namespace}/`;
}

/** The first key after every key starting with `prefix` (etcd's range_end for a prefix); `[0]` (no end) if none exists. */
export function prefixEnd(prefix: string): Buffer {
  const b = Buffer.from(prefix);
  for (let i = b.length - 1; i >= 0; i--) {
    if (b[i] < 0xff) {
      const out = Buffer.from(b.subarray(0, i + 1));
      out[i] += 1;
      return out;
    }
  }
  return Buffer.from([0]);
}

/** The smallest key after `key` (`key` + NUL), where a range continues after its last returned key. */
export function keyAfter(key: string): string {
  return key + '\u0000';
}
