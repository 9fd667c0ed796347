/**
 * The stored form of an object: JSON without metadata.resourceVersion (the
 * revision is the key's mod_revision, stamped on every read), as
 * kube-apiserver's etcd3 store does with its versioner.
 */
import type { KubeObject } from '../api/object.ts';

/** Decodes a stored value and stamps resourceVersion = `rev` (a decimal string). Throws SyntaxError on a corrupt value. */
export function decode(value: Buffer | string, rev: string): KubeObject {
  const obj = JSON.parse(value.toString()) as KubeObject;
  obj.metadata = { ...(obj.metadata ?? {}), resourceVersion: rev };
  return obj;
}

/** Encodes an object for storage, dropping metadata.resourceVersion. */
export function encode(obj: KubeObject): string {
  const meta = { ...(obj.metadata ?? {}) };
  delete meta.resourceVersion;
  return JSON.stringify({ ...obj, metadata: meta });
}
