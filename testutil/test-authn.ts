/**
 * Test-only authentication: a fastify onRequest hook that sets `req.user`
 * from `Authorization: Bearer <token>` through a fixed token → user map, and
 * makes a request with no credentials the test admin (in system:masters),
 * so plain-HTTP kubectl is the admin and `kubectl --as` impersonates from
 * there. An unknown token gets 401. Never used outside tests.
 */
import type { FastifyInstance } from 'fastify';
import type { UserInfo } from '../apiserver/api/user.ts';
import { setRequestUser } from '../apiserver/routes/request-user.ts';

/** The user of a credential-less test request. */
export const testAdmin: UserInfo = { username: 'test-admin', groups: ['system:masters', 'system:authenticated'] };

/** Adds the hook to `app`; `tokens` maps bearer tokens to users (system:authenticated is added). */
export function installTestAuthenticator(app: FastifyInstance, tokens: Record<string, Omit<UserInfo, 'groups'> & { groups?: string[] }> = {}): void {
  app.addHook('onRequest', async (req, reply) => {
    const h = req.headers.authorization;
    if (!h) {
      setRequestUser(req, testAdmin);
      return;
    }
    const u = tokens[h.replace(/^Bearer\s+/i, '')];
    if (!u) {
      await reply.code(401).type('application/json').send({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
      return;
    }
    setRequestUser(req, { ...u, groups: [...(u.groups ?? []), 'system:authenticated'] });
  });
}
