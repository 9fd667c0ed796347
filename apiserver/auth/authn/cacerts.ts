/**
 * GET /cacerts: the cluster CA bundle as PEM text, to anyone (k3s serves
 * the same path unauthenticated from its supervisor). A joining agent
 * fetches it without verifying TLS, compares its SHA-256 with the hash in
 * its join token (deploy/join/token.ts) and only then trusts it. The bytes
 * are served exactly as read, since the hash is over them. Public: listed in
 * public-paths.ts and granted to everyone by the `system:skiff:cacerts`
 * ClusterRole (policy-join.ts).
 */
import type { FastifyInstance } from 'fastify';

/** The path. */
export const CACERTS_PATH = '/cacerts';

/** Registers GET /cacerts answering `caPem` (text/plain, as k3s). */
export function registerCACerts(app: FastifyInstance, caPem: string): void {
  app.get(CACERTS_PATH, async (_req, reply) => reply.type('text/plain; charset=utf-8').send(caPem));
}
