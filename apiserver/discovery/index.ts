/**
 * Discovery routes: `/api`, `/apis` (aggregated or legacy by Accept),
 * `/apis/<group>`, and the per-group-version APIResourceLists `/api/v1`,
 * `/apis/<group>/<version>`. Everything is generated from the ResourceDefs.
 * Other methods on these paths answer 405 MethodNotAllowed (404 for a group
 * or version that is not served).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ResourceDef } from '../registry/types.ts';
import { routeNotFound } from '../api/errors.ts';
import { aggregatedDiscovery, apiGroupDoc, apiGroupList, apiResourceList, apiVersions } from './build.ts';
import { negotiateDiscovery } from './negotiate.ts';
import { refuseOtherMethods } from '../routes/router-errors.ts';

function sendJson(reply: FastifyReply, body: unknown, contentType = 'application/json'): FastifyReply {
  return reply.code(200).header('content-type', contentType).header('vary', 'Accept').send(Buffer.from(JSON.stringify(body)));
}

function sendNotFound(reply: FastifyReply): FastifyReply {
  const err = routeNotFound();
  return reply.code(err.code).header('content-type', 'application/json').send(Buffer.from(JSON.stringify(err.status)));
}

function serverAddress(req: FastifyRequest): string {
  const addr = req.socket?.localAddress;
  const port = req.socket?.localPort;
  if (addr && port) return addr.includes(':') && !addr.startsWith('::ffff:') ? `[${addr}]:${port}` : `${addr.replace(/^::ffff:/, '')}:${port}`;
  return req.host ?? 'localhost';
}

/**
 * Mounts the discovery routes on `app` for `defs`. Documents are built once
 * at registration (the registry does not change at runtime).
 */
export function registerDiscovery(app: FastifyInstance, defs: ResourceDef[]): void {
  const agg = {
    core: { v2: aggregatedDiscovery(defs, true, 'v2'), v2beta1: aggregatedDiscovery(defs, true, 'v2beta1') },
    named: { v2: aggregatedDiscovery(defs, false, 'v2'), v2beta1: aggregatedDiscovery(defs, false, 'v2beta1') },
  };
  const groupList = apiGroupList(defs);
  const serve = (core: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
    const form = negotiateDiscovery(req.headers.accept);
    if (form.aggregated) return sendJson(reply, (core ? agg.core : agg.named)[form.version], form.contentType);
    return sendJson(reply, core ? apiVersions(serverAddress(req)) : groupList);
  };
  app.get('/api', serve(true));
  app.get('/apis', serve(false));
  const coreList = apiResourceList(defs, '', 'v1');
  app.get('/api/v1', async (_req, reply) => (coreList ? sendJson(reply, coreList) : sendNotFound(reply)));
  app.get<{ Params: { group: string } }>('/apis/:group', async (req, reply) => {
    const doc = apiGroupDoc(defs, req.params.group);
    return doc ? sendJson(reply, doc) : sendNotFound(reply);
  });
  app.get<{ Params: { group: string; version: string } }>('/apis/:group/:version', async (req, reply) => {
    const doc = apiResourceList(defs, req.params.group, req.params.version);
    return doc ? sendJson(reply, doc) : sendNotFound(reply);
  });
  // Discovery documents are read-only: other methods on a path that exists are 405, as Kubernetes answers.
  refuseOtherMethods(app, '/api');
  refuseOtherMethods(app, '/apis');
  refuseOtherMethods(app, '/api/v1', () => coreList !== undefined);
  refuseOtherMethods(app, '/apis/:group', (req) => apiGroupDoc(defs, (req.params as { group: string }).group) !== undefined);
  refuseOtherMethods(app, '/apis/:group/:version', (req) => {
    const p = req.params as { group: string; version: string };
    return apiResourceList(defs, p.group, p.version) !== undefined;
  });
}
