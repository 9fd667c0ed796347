/**
 * OpenAPI routes: `/openapi/v3` (index), `/openapi/v3/api/v1` and
 * `/openapi/v3/apis/<group>/<version>` (operations and schemas, see build.ts),
 * and `/openapi/v2` (the v2 document with definitions, protobuf or JSON by Accept; see
 * v2.ts), which kubectl 1.27/1.28 read instead of v3.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ResourceDef } from '../registry/types.ts';
import { routeNotFound } from '../api/errors.ts';
import { openAPIDocuments } from './build.ts';
import { openAPIV2Document, openAPIV2Json, openAPIV2ProtoType } from './v2.ts';

function send(reply: FastifyReply, code: number, json: string, extra: Record<string, string> = {}): FastifyReply {
  reply.code(code).header('content-type', 'application/json');
  for (const [k, v] of Object.entries(extra)) reply.header(k, v);
  return reply.send(Buffer.from(json));
}

function notFound(reply: FastifyReply): FastifyReply {
  return send(reply, 404, JSON.stringify(routeNotFound().status));
}

/** Mounts the OpenAPI routes for `defs`; documents are built once at registration. */
export function registerOpenAPI(app: FastifyInstance, defs: ResourceDef[]): void {
  const { index, docs } = openAPIDocuments(defs);
  const indexJson = JSON.stringify(index);
  app.get('/openapi/v3', async (_req, reply) => send(reply, 200, indexJson));
  app.get<{ Params: { version: string } }>('/openapi/v3/api/:version', async (req, reply) => {
    const doc = docs.get(`api/${req.params.version}`);
    return doc ? send(reply, 200, doc.json, { etag: `"${doc.hash}"` }) : notFound(reply);
  });
  app.get<{ Params: { group: string; version: string } }>('/openapi/v3/apis/:group/:version', async (req, reply) => {
    const doc = docs.get(`apis/${req.params.group}/${req.params.version}`);
    return doc ? send(reply, 200, doc.json, { etag: `"${doc.hash}"` }) : notFound(reply);
  });
  const v2Proto = openAPIV2Document(defs);
  const v2Json = JSON.stringify(openAPIV2Json(defs));
  app.get('/openapi/v2', async (req, reply) => {
    if ((req.headers.accept ?? '').includes('com.github.proto-openapi.spec.v2')) {
      // Answered as application/octet-stream, as Kubernetes does: '@' is not
      // valid in a media type and Go's mime parser rejects the requested one.
      return reply.code(200).header('content-type', 'application/octet-stream').send(v2Proto);
    }
    return send(reply, 200, v2Json);
  });
}
