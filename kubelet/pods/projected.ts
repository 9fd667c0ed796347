/**
 * Projected volumes (kubelet's projected volume plugin, simplified): the files
 * of `serviceAccountToken`, `configMap`, `secret` and `downwardAPI` sources
 * written under `<rootDir>/pods/<uid>/volumes/<volume>` on every sync, and the
 * kubelet's ServiceAccount token manager (pkg/kubelet/token/token_manager.go):
 * tokens come from the TokenRequest API bound to the pod and are cached until
 * 80 % of their lifetime has passed (or they are older than 24 h).
 */
import { writeAtomically } from './atomic-writer.ts';
import { join } from 'node:path';
import type { Pod, ServiceAccountTokenProjection, Volume } from 'kubernetes-types/core/v1';
import { ServiceAccounts } from '../../apiserver/client/resources.ts';
import type { ApiClient } from '../../apiserver/client/types.ts';
import type { KubeObject } from '../../apiserver/api/object.ts';
import { fieldRefValue, podVolumeDir, type FieldValues } from './config.ts';
import { ConfigError, volumeFiles, type PodSources } from './sources.ts';

/** A token and when it stops being valid (ms since epoch). */
export interface IssuedToken {
  token: string;
  issuedAtMs: number;
  expiresAtMs: number;
}

/** Gets the token for one serviceAccountToken source of `pod`; throws when the API refuses. */
export type TokenSource = (pod: Pod, proj: ServiceAccountTokenProjection) => Promise<string>;

/** Kubernetes' maxTTL of a cached token: refreshed once older than this (ms). */
export const MAX_TOKEN_AGE_MS = 24 * 3600 * 1000;
/** Default expirationSeconds of a serviceAccountToken projection (Kubernetes' 1 h). */
export const DEFAULT_TOKEN_SECONDS = 3600;

/** True when a cached token must be re-requested: past 80 % of its lifetime, or older than 24 h (pure). */
export function tokenRefreshDue(t: IssuedToken, nowMs: number): boolean {
  const ttl = t.expiresAtMs - t.issuedAtMs;
  return nowMs >= t.issuedAtMs + ttl * 0.8 || nowMs - t.issuedAtMs > MAX_TOKEN_AGE_MS;
}

/** The TokenRequest body for `proj` of `pod` (bound to the pod by name and uid). */
export function tokenRequestBody(pod: Pod, proj: ServiceAccountTokenProjection): KubeObject {
  return {
    apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest',
    metadata: { name: pod.spec?.serviceAccountName || 'default', namespace: pod.metadata?.namespace },
    spec: {
      audiences: proj.audience ? [proj.audience] : [],
      expirationSeconds: proj.expirationSeconds ?? DEFAULT_TOKEN_SECONDS,
      boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: pod.metadata?.name, uid: pod.metadata?.uid },
    },
  } as KubeObject;
}

/** The kubelet's token manager: tokens for projected volumes, and `forget(uid)` when a pod is gone. */
export interface TokenManager {
  get: TokenSource;
  forget(uid: string): void;
  /** Cached tokens (tests). */
  size(): number;
}

/**
 * The token manager: `get` returns a cached token while it is fresh, else
 * POSTs serviceaccounts/<sa>/token. `forget(uid)` drops a removed pod's
 * tokens. `now` is ms since epoch.
 */
export function createTokenManager(client: ApiClient, now: () => number): TokenManager {
  const cache = new Map<string, IssuedToken>();
  const keyOf = (pod: Pod, p: ServiceAccountTokenProjection): string =>
    [pod.metadata?.uid, pod.metadata?.namespace, pod.spec?.serviceAccountName || 'default', p.audience ?? '', p.expirationSeconds ?? DEFAULT_TOKEN_SECONDS].join('/');
  return {
    async get(pod, proj) {
      const key = keyOf(pod, proj);
      const hit = cache.get(key);
      const t = now();
      if (hit && !tokenRefreshDue(hit, t)) return hit.token;
      const resp = await client.createSubresource<KubeObject & { status?: { token?: string; expirationTimestamp?: string } }>(
        ServiceAccounts, pod.spec?.serviceAccountName || 'default', 'token', tokenRequestBody(pod, proj), pod.metadata?.namespace);
      const token = resp.status?.token ?? '';
      if (!token) throw new ConfigError('the TokenRequest answer carries no token');
      const exp = Date.parse(resp.status?.expirationTimestamp ?? '');
      const expiresAtMs = Number.isFinite(exp) ? exp : t + (proj.expirationSeconds ?? DEFAULT_TOKEN_SECONDS) * 1000;
      cache.set(key, { token, issuedAtMs: t, expiresAtMs });
      return token;
    },
    forget(uid) {
      for (const k of [...cache.keys()]) if (k.startsWith(`${uid}/`)) cache.delete(k);
    },
    size: () => cache.size,
  };
}

/**
 * The files of one projected volume: relative path → content. `tokens[i]` is
 * the token of sources[i] when it is a serviceAccountToken. Throws ConfigError
 * for a missing non-optional ConfigMap/Secret, as the kubelet's FailedMount.
 */
export function projectedFiles(pod: Pod, projected: NonNullable<Volume['projected']>, tokens: Map<number, string>, src: PodSources, f: FieldValues): Map<string, string> {
  const out = new Map<string, string>();
  (projected.sources ?? []).forEach((s, i) => {
    if (s.serviceAccountToken) out.set(s.serviceAccountToken.path, tokens.get(i) ?? '');
    const ref = s.configMap ?? s.secret;
    if (ref) {
      const kind = s.configMap ? 'configmap' : 'secret';
      const data = s.configMap ? src.configMaps.get(ref.name ?? '') : src.secrets.get(ref.name ?? '');
      if (!data && ref.optional !== true) throw new ConfigError(`${kind} "${ref.name}" not found`);
      for (const [p, v] of volumeFiles(data ?? {}, ref.items)) out.set(p, v);
    }
    for (const item of s.downwardAPI?.items ?? []) {
      const v = item.fieldRef ? fieldRefValue(pod, item.fieldRef.fieldPath, f) : undefined;
      if (v !== undefined) out.set(item.path, v);
    }
  });
  return out;
}

/**
 * Writes every projected volume of `pod` under its volume dir (files that
 * left the projection are removed), requesting tokens through `tokens`.
 * Throws ConfigError (missing source) or the TokenRequest's error.
 */
export async function writeProjectedVolumes(rootDir: string, pod: Pod, src: PodSources, tokens: TokenSource, f: FieldValues): Promise<void> {
  const base = podVolumeDir(rootDir, pod.metadata?.uid ?? '');
  for (const v of pod.spec?.volumes ?? []) {
    if (!v.projected) continue;
    const got = new Map<number, string>();
    const sources = v.projected.sources ?? [];
    for (let i = 0; i < sources.length; i++) {
      const proj = sources[i]?.serviceAccountToken;
      if (proj) got.set(i, await tokens(pod, proj));
    }
    const files = projectedFiles(pod, v.projected, got, src, f);
    const dir = join(base, v.name);
    await writeAtomically(dir, files, v.projected.defaultMode ?? 0o644);
  }
}
