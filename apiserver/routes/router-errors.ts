/**
 * The router's own failures as Kubernetes Status objects: fastify's framework
 * errors (a path with bad percent-escapes), errors of the HTTP parser before
 * any route runs (request line or headers too long, malformed requests),
 * fastify's body errors (too large, bad Content-Length), and 405
 * MethodNotAllowed on paths that only serve GET.
 */
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Status } from 'kubernetes-types/meta/v1';
import { badRequest, methodNotAllowed, routeNotFound, StatusError, toStatusError } from '../api/errors.ts';

/** 413 RequestEntityTooLarge as Kubernetes answers a body over its limit: `Request entity too large: limit is 3145728`. */
export function requestEntityTooLarge(limitBytes: number): StatusError {
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 413, reason: 'RequestEntityTooLarge', message: `Request entity too large: limit is ${limitBytes}` });
}

/**
 * Maps anything a route or fastify threw to a StatusError: a body over
 * `bodyLimitBytes` is 413 with Kubernetes' message; the rest as toStatusError.
 */
export function routeErrorStatus(err: unknown, bodyLimitBytes: number): StatusError {
  if (err instanceof StatusError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return requestEntityTooLarge(bodyLimitBytes);
  // A body or query the decoders could not take apart without recursing too deep.
  if (err instanceof RangeError && /call stack/i.test(err.message)) return badRequest('the request is nested too deeply');
  return toStatusError(err);
}

/**
 * fastify's `frameworkErrors` option: the errors it raises before routing
 * (FST_ERR_BAD_URL for a path whose percent-escapes do not decode) answered
 * as 400 BadRequest Status.
 */
export function frameworkErrorHandler(error: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  const se = error.code === 'FST_ERR_BAD_URL' ? badRequest(`invalid URL escape in the request path: ${error.message}`) : toStatusError(error);
  void reply.code(se.code).type('application/json').send(se.status);
}

/**
 * The raw HTTP response for an error of Node's HTTP parser, which fires
 * before fastify sees a request: 431 (what Go's server, hence
 * kube-apiserver, answers) when the request line or headers exceed the
 * header limit (16 KiB), 408 on a request timeout, 400 otherwise; always a
 * Status body. Pure; '' when nothing should be written.
 */
export function clientErrorResponse(errCode: string | undefined, method?: string): string {
  if (errCode === 'ECONNRESET') return '';
  let status: Status;
  let text: string;
  if (errCode === 'HPE_HEADER_OVERFLOW') {
    text = 'Request Header Fields Too Large';
    status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 431, reason: 'RequestHeaderFieldsTooLarge', message: 'the request line and headers exceed the server limit of 16384 bytes' };
  } else if (errCode === 'ERR_HTTP_REQUEST_TIMEOUT') {
    text = 'Request Timeout';
    status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 408, reason: 'Timeout', message: 'the client did not send a complete request in time' };
  } else {
    text = 'Bad Request';
    status = badRequest(`malformed HTTP request${errCode ? ` (${errCode})` : ''}`).status;
  }
  const body = JSON.stringify(status);
  // A response to HEAD has no body (RFC 9110 9.3.2), else the client reads the body as the next response.
  return `HTTP/1.1 ${status.code} ${text}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${method === 'HEAD' ? '' : body}`;
}

/** fastify's `clientErrorHandler` option: writes clientErrorResponse (if the socket still takes it), then closes. */
export function clientErrorHandler(error: Error & { code?: string; rawPacket?: unknown }, socket: Socket): void {
  if (socket.destroyed) return;
  const method = Buffer.isBuffer(error.rawPacket) ? error.rawPacket.toString('latin1', 0, 8).split(' ')[0] : undefined;
  const response = clientErrorResponse(error.code, method);
  if (response && socket.writable) socket.write(response);
  socket.destroy();
}

const OTHER_METHODS: Array<'POST' | 'PUT' | 'PATCH' | 'DELETE'> = ['POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * The Status for a request no route matched: 405 MethodNotAllowed when a GET
 * route serves the same path (a read-only endpoint such as /openapi/v2 or
 * /healthz asked with POST), else 404 NotFound `the server could not find
 * the requested resource`. `url` may carry a query string.
 */
export function unmatchedRouteStatus(app: Pick<FastifyInstance, 'findRoute'>, method: string, url: string): StatusError {
  if (method !== 'GET' && method !== 'HEAD') {
    const path = url.split('?')[0];
    if (app.findRoute({ method: 'GET', url: path })) return methodNotAllowed();
  }
  return routeNotFound();
}

/**
 * Answers every method but GET/HEAD on `url` (a fastify route pattern) with
 * 405 MethodNotAllowed, as Kubernetes' go-restful routes do for paths that
 * exist; `exists(req)` false (e.g. an unknown group) answers 404 instead.
 */
export function refuseOtherMethods(app: FastifyInstance, url: string, exists: (req: FastifyRequest) => boolean = () => true): void {
  app.route({
    method: OTHER_METHODS,
    url,
    handler: async (req, reply) => {
      const se = exists(req) ? methodNotAllowed() : routeNotFound();
      return reply.code(se.code).type('application/json').send(se.status);
    },
  });
}
