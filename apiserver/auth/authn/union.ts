/**
 * The union authenticator (k8s.io/apiserver/pkg/authentication/request/union):
 * tries each authenticator in order and answers with the first user; when
 * none authenticates, the errors of those that recognised a bad credential
 * are joined (so a request with a bad cert and no token is an error, not
 * "no credentials").
 */
import type { Authenticator, AuthnResult } from './types.ts';

/** An authenticator trying `list` in order; see the file doc. Never throws for bad credentials. */
export function unionAuthenticator(list: Authenticator[]): Authenticator {
  return async (creds) => {
    const errors: string[] = [];
    for (const a of list) {
      const r = await a(creds);
      if (r.kind === 'user') return r;
      if (r.kind === 'error') errors.push(r.message);
    }
    return errors.length > 0 ? { kind: 'error', message: errors.join(', ') } satisfies AuthnResult : { kind: 'none' };
  };
}
