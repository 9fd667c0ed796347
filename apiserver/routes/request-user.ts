/**
 * The authenticated user of a request: the `req.user` decoration the
 * authentication layer sets (apiserver/auth/authn/hook.ts; undefined when
 * authentication is off).
 */
import type { FastifyRequest } from 'fastify';
import type { UserInfo } from '../api/user.ts';

/** `req.user` if authentication set one, else undefined. */
export function requestUser(req: FastifyRequest): UserInfo | undefined {
  return req.user;
}

/** Sets `req.user` (the authorization stage does, after impersonation). */
export function setRequestUser(req: FastifyRequest, user: UserInfo): void {
  req.user = user;
}
