/**
 * List continue tokens: base64url of {rv, start}, the revision a paged list
 * is read at and the key it resumes from. Decoding validates as
 * kube-apiserver's etcd3 decodeContinue does (messages from there), so a
 * garbage token is a 400 and never reaches etcd.
 */
import { badRequest } from '../api/errors.ts';

/** A decoded continue token: `rv` a positive decimal revision, `start` a non-empty key. */
export interface ContinueToken {
  rv: string;
  start: string;
}

/** Encodes a continue token. */
export function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify(t)).toString('base64url');
}

/**
 * Decodes a continue token; throws a 400 StatusError if it is not base64 of
 * a JSON object, its `rv` is not a positive decimal revision, or its `start`
 * key is empty.
 */
export function decodeContinue(s: string): ContinueToken {
  let t: unknown;
  try {
    t = JSON.parse(Buffer.from(s, 'base64url').toString());
  } catch {
    throw badRequest('continue key is not valid: illegal base64 or JSON data');
  }
  if (typeof t !== 'object' || t === null || Array.isArray(t)) throw badRequest('continue key is not valid: illegal base64 or JSON data');
  const { rv, start } = t as { rv?: unknown; start?: unknown };
  if (typeof rv !== 'string' || !/^[1-9][0-9]{0,18}$/.test(rv)) {
    throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
  if (typeof start !== 'string' || start === '') throw badRequest('continue key is not valid: encoded start key empty');
  return { rv, start };
}
