/**
 * The pods connect subresources: `exec`, `attach` and `portforward` under
 * `/api/v1/namespaces/{ns}/pods/{name}/`, by GET (WebSocket) or POST
 * (SPDY/3.1). As kube-apiserver's pod connect REST (pkg/registry/core/pod
 * rest/subresources.go + strategy.go ExecLocation / AttachLocation /
 * PortForwardLocation): the request passes authentication, authorization
 * (verb `create` on pods/exec etc., see request-info.ts) and audit like
 * any other, then the pod's node and kubelet are looked up and the upgrade
 * is forwarded to the kubelet's `/exec/{ns}/{pod}/{container}`,
 * `/attach/…` or `/portForward/{ns}/{pod}` and the connection spliced
 * (upgrade-proxy.ts). kubectl's WebSocket attempts that the runtime refuses
 * come back as an upgrade failure, on which kubectl falls back to SPDY.
 *
 * Fastify does not route upgrade requests itself, so `registerPodConnect`
 * also takes the HTTP server's `upgrade` event: every upgrade request is
 * routed through the app like a plain one, with its socket kept aside for
 * the connect handler. A connect request without an upgrade is a 400
 * `Upgrade request required`, as Kubernetes answers.
 */
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Pod } from 'kubernetes-types/core/v1';
import { badRequest, internalError, notFound, StatusError } from './api/errors.ts';
import type { Logger } from './api/log.ts';
import { proxyUpgrade } from './api/upgrade-proxy.ts';
import { kubeletAuthError, pickContainer, podKubelet, type PodLogDeps } from './podlog.ts';

/** The three connect subresources. */
export type ConnectKind = 'exec' | 'attach' | 'portforward';

/** The query of a connect request, as it arrives (repeated keys as arrays). */
export type ConnectQuery = Record<string, string | string[] | undefined>;

/** The kubelet URL to forward to, or the Status error to answer with. */
export type ConnectTarget = { url: string } | { error: StatusError };

const values = (q: ConnectQuery, k: string): string[] => {
  const v = q[k];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
};
const flag = (q: ConnectQuery, k: string): boolean => {
  const v = values(q, k)[0];
  return v === 'true' || v === '1';
};

/**
 * The kubelet path and query for a connect request (pure). Streams are sent
 * explicitly in the kubelet's parameter names (`input`, `output`, `error`,
 * `tty` set to 1 or 0; Kubernetes' ExecStdinParam etc.), `command` repeated
 * in order; port-forward passes `ports` on as `port`. A 400 when an exec or
 * attach asks for none of stdin, stdout and stderr (Kubernetes'
 * `you must specify at least 1 of stdin, stdout, stderr`).
 */
export function kubeletConnectPath(kind: ConnectKind, ns: string, pod: string, container: string, q: ConnectQuery): string | StatusError {
  const params = new URLSearchParams();
  const enc = encodeURIComponent;
  if (kind === 'portforward') {
    for (const p of values(q, 'ports')) for (const one of p.split(',')) if (one.trim() !== '') params.append('port', one.trim());
    const qs = params.toString();
    return `/portForward/${enc(ns)}/${enc(pod)}${qs ? `?${qs}` : ''}`;
  }
  const stdin = flag(q, 'stdin');
  const stdout = flag(q, 'stdout');
  const stderr = flag(q, 'stderr');
  if (!stdin && !stdout && !stderr) return badRequest('you must specify at least 1 of stdin, stdout, stderr');
  if (kind === 'exec') for (const c of values(q, 'command')) params.append('command', c);
  params.set('input', stdin ? '1' : '0');
  params.set('output', stdout ? '1' : '0');
  params.set('error', stderr ? '1' : '0');
  params.set('tty', flag(q, 'tty') ? '1' : '0');
  return `/${kind}/${enc(ns)}/${enc(pod)}/${enc(container)}?${params.toString()}`;
}

/**
 * Resolves pod → container → node → kubelet URL (https when the apiserver
 * dials kubelets with a client cert), or the Status to answer with: 404 for
 * an unknown pod or node, 400 for a bad or missing container choice
 * (pickContainer's messages) or a pod not yet scheduled (`pod X does not
 * have a host assigned`), 500 for a node without an address.
 */
export async function resolveConnectTarget(deps: PodLogDeps, kind: ConnectKind, ns: string, name: string, q: ConnectQuery): Promise<ConnectTarget> {
  const pod: Pod | undefined = await deps.getPod(ns, name);
  if (!pod) return { error: notFound({ group: '', resource: 'pods', name }) };
  let container = '';
  if (kind !== 'portforward') {
    const picked = pickContainer(pod, values(q, 'container')[0] || undefined);
    if ('error' in picked) return picked;
    container = picked.container;
  }
  const path = kubeletConnectPath(kind, ns, name, container, q);
  if (path instanceof StatusError) return { error: path };
  const ep = await podKubelet(deps, pod);
  if ('error' in ep) return ep;
  const host = ep.host.includes(':') ? `[${ep.host}]` : ep.host;
  return { url: `${ep.scheme}://${host}:${ep.port}${path}` };
}

/**
 * The Status for a kubelet's non-101 answer (pure): 401/403 as pods/log
 * does (kubeletAuthError, resource pods/<kind>; containerd's streaming
 * server answers a WebSocket subprotocol it lacks, such as kubectl 1.30+'s
 * v5.channel.k8s.io, with an empty 403, on which kubectl falls back to
 * SPDY), 404 as the pod's NotFound with the kubelet's
 * text, 400 with its text, anything else a 500 carrying it.
 */
export function kubeletConnectError(kind: ConnectKind, status: number, body: string, pod: string): StatusError {
  const text = body.trim();
  const denied = kubeletAuthError(status, text, pod, `pods/${kind}`);
  if (denied) return denied;
  if (status === 404) {
    const e = notFound({ group: '', resource: 'pods', name: pod });
    if (text) e.status.message = text;
    return e;
  }
  if (status === 400) return badRequest(text || 'bad request');
  return internalError(text || `kubelet answered ${status}`);
}

/** The bytes of a complete JSON Status answer for a raw socket. Pure. */
export function rawStatusResponse(err: StatusError): string {
  const body = Buffer.from(JSON.stringify(err.status));
  const reason = err.status.reason ?? 'Error';
  return `HTTP/1.1 ${err.code} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.toString('utf8')}`;
}

/**
 * Whether an upgrade request is refused before routing (pure): one with a
 * body (Content-Length above 0 or Transfer-Encoding), since the HTTP parser
 * hands an upgrade's socket over unread and no route could read that body.
 * Every other upgrade request is routed like a plain one: the connect
 * routes take the socket, any other route just answers (and the
 * connection closes after).
 */
export function upgradeRefusal(req: Pick<IncomingMessage, 'headers'>): StatusError | undefined {
  const len = req.headers['content-length'];
  if ((len !== undefined && len !== '0') || req.headers['transfer-encoding'] !== undefined) return badRequest('an upgrade request must not have a body');
  return undefined;
}

function sendStatus(reply: FastifyReply, err: StatusError): FastifyReply {
  return reply.code(err.code).header('content-type', 'application/json').send(Buffer.from(JSON.stringify(err.status)));
}

/** An upgrade request's socket and early bytes, set aside for the connect handler. */
interface PendingUpgrade {
  socket: Duplex;
  head: Buffer;
  response: ServerResponse;
}

/**
 * Mounts GET and POST for the three connect subresources and takes the
 * server's `upgrade` event (see the file doc). `deps` is the pods/log
 * lookup (pods, nodes, kubelet TLS).
 */
export function registerPodConnect(app: FastifyInstance, deps: PodLogDeps, log: Logger): void {
  const pending = new WeakMap<IncomingMessage, PendingUpgrade>();
  const live = new Set<Duplex>();
  // preClose: the server's close waits for its connections, and upgraded ones never end by themselves.
  app.addHook('preClose', async () => {
    for (const s of live) s.destroy();
  });
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const refusal = upgradeRefusal(req);
    if (refusal) {
      socket.end(rawStatusResponse(refusal));
      return;
    }
    live.add(socket);
    socket.once('close', () => live.delete(socket));
    const response = new ServerResponse(req);
    response.assignSocket(socket as never);
    // Whatever the app answers on this connection is its last: the HTTP parser has let go of the socket.
    response.shouldKeepAlive = false;
    response.on('finish', () => socket.end());
    pending.set(req, { socket, head, response });
    app.routing(req, response);
  });

  const handler = (kind: ConnectKind) => async (req: FastifyRequest<{ Params: { namespace: string; name: string }; Querystring: ConnectQuery }>, reply: FastifyReply) => {
    const up = pending.get(req.raw);
    if (!up) return sendStatus(reply, badRequest('Upgrade request required'));
    const target = await resolveConnectTarget(deps, kind, req.params.namespace, req.params.name, req.query);
    if ('error' in target) return sendStatus(reply, target.error);
    reply.hijack();
    up.response.detachSocket(up.socket as never);
    const tls = deps.kubeletClient;
    const out = await proxyUpgrade(req.raw, up.socket, up.head, { url: target.url, ...(tls ? { tls } : {}) });
    if (out.upgraded) return reply;
    let err: StatusError;
    if ('error' in out) {
      log.warn('kubelet unreachable for pod connect', { kind, pod: req.params.name, error: out.error });
      err = internalError(`error dialing backend: ${out.error.message}`);
    } else {
      err = kubeletConnectError(kind, out.status, out.body, req.params.name);
    }
    if (!up.socket.destroyed) up.socket.end(rawStatusResponse(err));
    return reply;
  };
  for (const kind of ['exec', 'attach', 'portforward'] as const) {
    const url = `/api/v1/namespaces/:namespace/pods/:name/${kind}`;
    app.get(url, handler(kind));
    app.post(url, handler(kind));
  }
}
