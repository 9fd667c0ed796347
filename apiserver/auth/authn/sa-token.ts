/**
 * The ServiceAccount token authenticator (kubernetes pkg/serviceaccount/
 * jwt.go, legacy.go, claims.go): verifies the JWS with the service-account
 * public keys, then validates the claims of its issuer's kind and checks
 * that the objects the token names still exist with the same uid:
 * - legacy (`kubernetes/serviceaccount`): the Secret exists, is not being
 *   deleted and holds exactly this token; the SA exists with the claimed uid;
 * - bound (the cluster issuer): exp/nbf against now, the audiences
 *   intersect the accepted ones, the SA and the bound Pod or Secret exist
 *   with the claimed uids (a Pod deleted over 60 s ago invalidates it).
 * A token of another issuer, or not a JWS, is none (another authenticator
 * may take it); a failed check is an error (401).
 */
import { timingSafeEqual, type KeyObject } from 'node:crypto';
import type { KubeObject } from '../../api/object.ts';
import type { UserInfo } from '../../api/user.ts';
import type { ObjectGetter } from './getter.ts';
import { parseJws, verifyJws } from './jws.ts';
import { LEGACY_ISSUER, serviceAccountUsername } from './sa-claims.ts';
import type { AuthnResult, TokenAuthenticator } from './types.ts';
import { ALL_AUTHENTICATED } from './users.ts';

/** Options of serviceAccountTokenAuthenticator. */
export interface SATokenOptions {
  /** The issuer of bound tokens, e.g. https://kubernetes.default.svc.cluster.local. */
  issuer: string;
  /** Keys that verify signatures. */
  publicKeys: KeyObject[];
  get: ObjectGetter;
  /** ms since epoch. */
  now: () => number;
}

/** The user of a ServiceAccount (serviceaccount.UserInfo). Pure. */
export function serviceAccountUser(namespace: string, name: string, uid: string, extra?: Record<string, string[]>): UserInfo {
  const u: UserInfo = { username: serviceAccountUsername(namespace, name), uid, groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, ALL_AUTHENTICATED] };
  if (extra && Object.keys(extra).length > 0) u.extra = extra;
  return u;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const rec = (v: unknown): Record<string, unknown> | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Record<string, unknown> : undefined);
const ref = (v: unknown): { name: string; uid: string } | undefined => {
  const r = rec(v);
  const name = str(r?.name);
  const uid = str(r?.uid);
  return name !== undefined && uid !== undefined ? { name, uid } : undefined;
};
const meta = (o: KubeObject | undefined): { uid?: string; deletionTimestamp?: string } => (o?.metadata ?? {}) as { uid?: string; deletionTimestamp?: string };

/** The accepted audiences a token's `aud` (string or array) meets. Pure. */
export function audienceIntersection(aud: unknown, accepted: string[]): string[] {
  const list = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [];
  return accepted.filter((a) => list.includes(a));
}

/**
 * Checks the time and audience claims of a bound token at `nowSeconds`.
 * Returns the audiences it is valid for, or the Kubernetes error text. Pure.
 */
export function checkBoundTimes(claims: Record<string, unknown>, accepted: string[], nowSeconds: number): { audiences: string[] } | { error: string } {
  const exp = num(claims.exp);
  if (exp === undefined) return { error: 'service account token has no expiry' };
  if (nowSeconds > exp) return { error: 'service account token has expired' };
  const nbf = num(claims.nbf);
  if (nbf !== undefined && nowSeconds < nbf) return { error: 'service account token is not valid yet' };
  const audiences = audienceIntersection(claims.aud, accepted);
  if (audiences.length === 0) return { error: `token audiences ${JSON.stringify(claims.aud)} is invalid for the target audiences ${JSON.stringify(accepted)}` };
  return { audiences };
}

/** The authenticator; see the file doc. Rejects only on storage errors. */
export function serviceAccountTokenAuthenticator(o: SATokenOptions): TokenAuthenticator {
  const fail = (message: string): AuthnResult => ({ kind: 'error', message });

  async function checkSA(namespace: string, name: string, uid: string): Promise<string | undefined> {
    const sa = await o.get('serviceaccounts', namespace, name);
    if (!sa) return `serviceaccounts "${name}" not found`;
    if (meta(sa).deletionTimestamp) return `service account ${namespace}/${name} has been deleted`;
    if (meta(sa).uid !== uid) return `service account UID (${uid}) does not match claim (${meta(sa).uid ?? ''})`;
    return undefined;
  }

  async function legacy(token: string, c: Record<string, unknown>): Promise<AuthnResult> {
    const ns = str(c['kubernetes.io/serviceaccount/namespace']);
    const secretName = str(c['kubernetes.io/serviceaccount/secret.name']);
    const name = str(c['kubernetes.io/serviceaccount/service-account.name']);
    const uid = str(c['kubernetes.io/serviceaccount/service-account.uid']);
    if (!ns || !secretName || !name || !uid) return fail('service account token claims are missing');
    const secret = await o.get('secrets', ns, secretName);
    if (!secret) return fail(`secrets "${secretName}" not found`);
    if (meta(secret).deletionTimestamp) return fail(`token secret ${ns}/${secretName} has been deleted`);
    const stored = Buffer.from(str((secret as { data?: Record<string, unknown> }).data?.token) ?? '', 'base64');
    const given = Buffer.from(token);
    if (stored.length !== given.length || !timingSafeEqual(stored, given)) return fail('token does not match the secret');
    const bad = await checkSA(ns, name, uid);
    return bad ? fail(bad) : { kind: 'user', user: serviceAccountUser(ns, name, uid, { 'authentication.kubernetes.io/credential-id': [`Secret=${secretName}`] }) };
  }

  async function bound(c: Record<string, unknown>, accepted: string[]): Promise<AuthnResult> {
    const nowMs = o.now();
    const times = checkBoundTimes(c, accepted, Math.floor(nowMs / 1000));
    if ('error' in times) return fail(times.error);
    const k = rec(c['kubernetes.io']);
    const ns = str(k?.namespace);
    const sa = ref(k?.serviceaccount);
    if (!ns || !sa) return fail('service account token claims are missing');
    const bad = await checkSA(ns, sa.name, sa.uid);
    if (bad) return fail(bad);
    const extra: Record<string, string[]> = {};
    const pod = k?.pod === undefined ? undefined : ref(k.pod);
    if (k?.pod !== undefined && !pod) return fail('malformed pod claim');
    if (pod) {
      const p = await o.get('pods', ns, pod.name);
      if (!p) return fail(`pods "${pod.name}" not found`);
      if (meta(p).uid !== pod.uid) return fail(`pod UID (${meta(p).uid ?? ''}) does not match claim (${pod.uid})`);
      const del = meta(p).deletionTimestamp;
      if (del && Date.parse(del) < nowMs - 60_000) return fail(`token bound to pod ${ns}/${pod.name} has been deleted`);
      extra['authentication.kubernetes.io/pod-name'] = [pod.name];
      extra['authentication.kubernetes.io/pod-uid'] = [pod.uid];
    }
    const secret = k?.secret === undefined ? undefined : ref(k.secret);
    if (k?.secret !== undefined && !secret) return fail('malformed secret claim');
    if (secret) {
      const s = await o.get('secrets', ns, secret.name);
      if (!s) return fail(`secrets "${secret.name}" not found`);
      if (meta(s).uid !== secret.uid) return fail(`secret UID (${meta(s).uid ?? ''}) does not match claim (${secret.uid})`);
      if (meta(s).deletionTimestamp) return fail(`token bound to secret ${ns}/${secret.name} has been deleted`);
    }
    const jti = str(c.jti);
    if (jti) extra['authentication.kubernetes.io/credential-id'] = [`JTI=${jti}`];
    return { kind: 'user', user: serviceAccountUser(ns, sa.name, sa.uid, extra), audiences: times.audiences };
  }

  return async (token, accepted) => {
    const parsed = parseJws(token);
    const iss = parsed ? str(parsed.claims.iss) : undefined;
    if (iss !== LEGACY_ISSUER && iss !== o.issuer) return { kind: 'none' };
    const v = verifyJws(token, o.publicKeys);
    if ('error' in v) return fail(v.error);
    return iss === LEGACY_ISSUER ? legacy(token, v.claims) : bound(v.claims, accepted);
  };
}
