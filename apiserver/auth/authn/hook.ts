/**
 * Authentication as the first stage of every request (Kubernetes'
 * WithAuthentication filter): the request's credentials go through the
 * authenticator; the user is attached as `request.user` for the stages
 * after it (authorization, admission, managedFields). A bad credential is
 * 401 `Unauthorized` everywhere; no credential is the anonymous user, let
 * through only to the public paths (public-paths.ts). Without an
 * authenticator (plain-HTTP mode) every request is the admin user.
 */
import type { FastifyInstance } from 'fastify';
import { StatusError } from '../../api/errors.ts';
import type { Logger } from '../../api/log.ts';
import type { UserInfo } from '../../api/user.ts';
import { isPublicPath } from './public-paths.ts';
import { credentialsOf } from './request.ts';
import type { AuthnResult, Authenticator } from './types.ts';
import { anonymousUser, insecureAdminUser } from './users.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who made the request (set by the authentication hook before any route runs). */
    user: UserInfo;
  }
}

/** 401 Unauthorized with Kubernetes' body (message and reason `Unauthorized`). */
export function unauthorized(): StatusError {
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
}

/**
 * Adds the hook to `app` (call before registering routes). `authenticator`
 * undefined: every request is `system:admin` in system:masters. Failures
 * are logged at debug without the credential. An authenticator that
 * throws (e.g. etcd unreachable while reading a ServiceAccount) is a 401
 * too, logged at warn, as WithAuthentication answers any authenticator error.
 */
export function registerAuthentication(app: FastifyInstance, authenticator: Authenticator | undefined, log: Logger): void {
  // fastify wants an initial value; the hook below sets the real one before any handler runs.
  app.decorateRequest('user', null as unknown as UserInfo);
  if (!authenticator) {
    // A callback hook, not an async one: no promise and microtask per request for a constant answer.
    app.addHook('onRequest', (req, _reply, done) => {
      req.user = insecureAdminUser();
      done();
    });
    return;
  }
  app.addHook('onRequest', async (req) => {
    let r: AuthnResult;
    try {
      r = await authenticator(credentialsOf(req.raw));
    } catch (e) {
      log.warn('authentication failed', { method: req.method, url: req.url, err: e });
      throw unauthorized();
    }
    if (r.kind === 'user') {
      req.user = r.user;
      return;
    }
    if (r.kind === 'none' && isPublicPath(req.url)) {
      req.user = anonymousUser();
      return;
    }
    log.debug('unauthorized request', { method: req.method, url: req.url, reason: r.kind === 'error' ? r.message : 'no credentials' });
    throw unauthorized();
  });
}
