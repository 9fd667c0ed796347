/**
 * How the kubelet API is served, from the kubelet's flags (`--tls-cert-file`,
 * `--tls-private-key-file`, `--client-ca-file`, `--authorization-mode`,
 * `--authentication-token-webhook`), and the API calls the Webhook modes
 * make: a SubjectAccessReview or a TokenReview through the kubelet's
 * `ApiClient`. Default: plain HTTP, no auth filter (Skiff's behaviour before TLS).
 */
import { readFile } from 'node:fs/promises';
import type { SubjectAccessReview } from 'kubernetes-types/authorization/v1';
import type { TokenReview } from 'kubernetes-types/authentication/v1';
import type { ResourceRef } from '../../apiserver/client/resources.ts';
import type { ApiClient } from '../../apiserver/client/types.ts';
import { createAuthenticator, type TokenReviewer } from './authn.ts';
import { alwaysAllow, createWebhookAuthorizer, type AuthorizationMode, type SubjectAccessReviewer } from './authz.ts';
import type { KubeletAuth } from './filter.ts';
import type { KubeletTLS } from './server.ts';

/** The serving flags, as given. */
export interface KubeletServingFlags {
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  clientCAFile?: string;
  /** Default AlwaysAllow (the kubelet's flag default). */
  authorizationMode?: AuthorizationMode;
  /** Accept bearer tokens, checked with a TokenReview (default false). */
  authenticationTokenWebhook?: boolean;
}

/** What to serve: TLS files (when any), and whether and how to filter requests. */
export interface ServingPlan {
  tls?: { certFile: string; keyFile: string; clientCAFile?: string };
  /** Present when requests are authenticated (and authorized by `mode`). */
  auth?: { mode: AuthorizationMode; tokenWebhook: boolean };
}

/**
 * Decides the serving plan, pure. The cert and key go together; a client CA
 * needs TLS. Requests are filtered (anonymous off: no credentials is 401)
 * once a client CA, the token webhook or Webhook authorization is
 * configured; with none of them, everything is served as before.
 */
export function planServing(f: KubeletServingFlags): ServingPlan | { error: string } {
  if ((f.tlsCertFile === undefined) !== (f.tlsPrivateKeyFile === undefined)) return { error: '--tls-cert-file and --tls-private-key-file must be given together' };
  if (f.clientCAFile !== undefined && f.tlsCertFile === undefined) return { error: '--client-ca-file needs --tls-cert-file and --tls-private-key-file' };
  const mode = f.authorizationMode ?? 'AlwaysAllow';
  const tokenWebhook = f.authenticationTokenWebhook === true;
  const plan: ServingPlan = {};
  if (f.tlsCertFile !== undefined && f.tlsPrivateKeyFile !== undefined) {
    plan.tls = { certFile: f.tlsCertFile, keyFile: f.tlsPrivateKeyFile, ...(f.clientCAFile !== undefined ? { clientCAFile: f.clientCAFile } : {}) };
  }
  if (f.clientCAFile !== undefined || tokenWebhook || mode === 'Webhook') plan.auth = { mode, tokenWebhook };
  return plan;
}

/** POST /apis/authorization.k8s.io/v1/subjectaccessreviews. */
export const SubjectAccessReviews: ResourceRef = { group: 'authorization.k8s.io', version: 'v1', resource: 'subjectaccessreviews', kind: 'SubjectAccessReview', namespaced: false };
/** POST /apis/authentication.k8s.io/v1/tokenreviews. */
export const TokenReviews: ResourceRef = { group: 'authentication.k8s.io', version: 'v1', resource: 'tokenreviews', kind: 'TokenReview', namespaced: false };

/** A SubjectAccessReviewer over the API; rejects on API or transport errors. */
export function apiAccessReviewer(client: ApiClient): SubjectAccessReviewer {
  return async (review) => (await client.create<SubjectAccessReview>(SubjectAccessReviews, review)).status ?? { allowed: false };
}

/** A TokenReviewer over the API (no audiences: the apiserver's own); rejects on API or transport errors. */
export function apiTokenReviewer(client: ApiClient): TokenReviewer {
  return async (token) => {
    const r = await client.create<TokenReview>(TokenReviews, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } });
    const u = r.status?.user;
    if (r.status?.authenticated !== true || !u?.username) return undefined;
    return { name: u.username, groups: u.groups ?? [], ...(u.uid ? { uid: u.uid } : {}), ...(u.extra ? { extra: u.extra } : {}) };
  };
}

/** What `loadServing` needs besides the plan. */
export interface ServingDeps {
  nodeName: string;
  /** Defaults: `apiAccessReviewer(client)` / `apiTokenReviewer(client)`. */
  client: ApiClient;
  reviewAccess?: SubjectAccessReviewer;
  reviewToken?: TokenReviewer;
  /** Clock of the authorization cache, ms. */
  now: () => number;
}

/** Reads the PEM files of `plan` and builds the auth filter. Throws when a file cannot be read. */
export async function loadServing(plan: ServingPlan, d: ServingDeps): Promise<{ tls?: KubeletTLS; auth?: KubeletAuth }> {
  const out: { tls?: KubeletTLS; auth?: KubeletAuth } = {};
  if (plan.tls) {
    const [cert, key] = await Promise.all([readFile(plan.tls.certFile, 'utf8'), readFile(plan.tls.keyFile, 'utf8')]);
    out.tls = { cert, key, ...(plan.tls.clientCAFile !== undefined ? { clientCA: await readFile(plan.tls.clientCAFile, 'utf8') } : {}) };
  }
  if (plan.auth) {
    const authorize = plan.auth.mode === 'Webhook' ? createWebhookAuthorizer({ review: d.reviewAccess ?? apiAccessReviewer(d.client), now: d.now }) : alwaysAllow;
    const authenticate = createAuthenticator(plan.auth.tokenWebhook ? { reviewToken: d.reviewToken ?? apiTokenReviewer(d.client) } : {});
    out.auth = { authenticate, authorize, nodeName: d.nodeName };
  }
  return out;
}
