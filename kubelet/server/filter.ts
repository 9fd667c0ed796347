/**
 * The kubelet API's auth filter (`InstallAuthFilter` in Kubernetes'
 * `pkg/kubelet/server/server.go`): authenticate, compute the attribute sets
 * of the request, ask the authorizer for each in turn until one is allowed
 * or it fails, and turn that into an `AccessOutcome`.
 */
import type { IncomingMessage } from 'node:http';
import { accessOutcome, requestAttributes, type AccessOutcome, type AuthzDecision } from './attributes.ts';
import type { KubeletAuthenticator } from './authn.ts';
import type { KubeletAuthorizer } from './authz.ts';

/** Authentication and authorization of this kubelet's API. */
export interface KubeletAuth {
  authenticate: KubeletAuthenticator;
  authorize: KubeletAuthorizer;
  /** This node's name (the `name` of every attribute set). */
  nodeName: string;
}

/** Decides whether `req` is served; never rejects. */
export async function checkAccess(auth: KubeletAuth, req: IncomingMessage): Promise<AccessOutcome> {
  const authn = await auth.authenticate(req);
  if (!('user' in authn)) return accessOutcome(authn, [], []);
  const path = new URL(req.url ?? '/', 'http://kubelet').pathname;
  const attrs = requestAttributes(authn.user, req.method ?? 'GET', path, auth.nodeName);
  const decisions: AuthzDecision[] = [];
  for (const a of attrs) {
    const d = await auth.authorize(a);
    decisions.push(d);
    if (d !== 'deny') break;
  }
  return accessOutcome(authn, attrs, decisions);
}
