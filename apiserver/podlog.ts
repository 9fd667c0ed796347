/**
 * `GET /api/v1/namespaces/{ns}/pods/{name}/log`: finds the pod's node, its
 * kubelet address (InternalIP, else ExternalIP) and port
 * (status.daemonEndpoints.kubeletEndpoint.Port, default 10250), and streams
 * the kubelet's `/containerLogs/{ns}/{pod}/{container}` back as text/plain,
 * chunk by chunk (so `kubectl logs -f` follows). Plain HTTP by default; with
 * `kubeletClient`, HTTPS verifying the kubelet's serving cert against a CA
 * and presenting the apiserver's kubelet client cert (Kubernetes'
 * `--kubelet-certificate-authority`, `--kubelet-client-certificate`,
 * `--kubelet-client-key`).
 */
import { request, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { badRequest, internalError, notFound, StatusError } from './api/errors.ts';

/** What the log route needs from the store. */
export interface PodLogDeps {
  getPod(namespace: string, name: string): Promise<Pod | undefined>;
  getNode(name: string): Promise<Node | undefined>;
  /** Reach kubelets over HTTPS with this trust and identity; default plain HTTP. */
  kubeletClient?: KubeletClientTLS;
}

/** How the apiserver dials kubelets over TLS: PEM texts (buildServer also accepts file paths, see pemOrFile). */
export interface KubeletClientTLS {
  /** CA the kubelets' serving certs must chain to. */
  ca: string;
  /** Client cert (CN kube-apiserver-kubelet-client) and its key. */
  cert: string;
  key: string;
}

/** The query of a log request (all strings, as they arrive). */
export interface LogQuery {
  container?: string;
  follow?: string;
  tailLines?: string;
  timestamps?: string;
  previous?: string;
  sinceSeconds?: string;
  limitBytes?: string;
}

/** Where and what to fetch from the kubelet, or the error to answer with. */
export type LogTarget = { url: string; container: string } | { error: StatusError };

const isTrue = (v: string | undefined): boolean => v === 'true' || v === '1';

/**
 * Picks the container as Kubernetes does: the named one (any container or
 * init container), else the only container; with several, a 400 asking to
 * choose (`a container name must be specified for pod X, choose one of: [a b]`).
 */
export function pickContainer(pod: Pod, requested: string | undefined): { container: string } | { error: StatusError } {
  const name = pod.metadata?.name ?? '';
  const containers = (pod.spec?.containers ?? []).map((c) => c.name);
  const inits = (pod.spec?.initContainers ?? []).map((c) => c.name);
  if (requested) {
    if (containers.includes(requested) || inits.includes(requested)) return { container: requested };
    return { error: badRequest(`container ${requested} is not valid for pod ${name}`) };
  }
  if (containers.length === 1) return { container: containers[0]! };
  let msg = `a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`;
  if (inits.length > 0) msg += ` or one of the init containers: [${inits.join(' ')}]`;
  return { error: badRequest(msg) };
}

/** The kubelet address of a node: InternalIP, else ExternalIP; and its port (default 10250). */
export function kubeletEndpoint(node: Node): { host: string; port: number } | undefined {
  const addrs = node.status?.addresses ?? [];
  const host = addrs.find((a) => a.type === 'InternalIP')?.address ?? addrs.find((a) => a.type === 'ExternalIP')?.address;
  if (!host) return undefined;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port || 10250;
  return { host, port };
}

/** The kubelet URL for a log request, forwarding only the options that are set. */
export function containerLogsURL(host: string, port: number, ns: string, pod: string, container: string, q: LogQuery, scheme: 'http' | 'https' = 'http'): string {
  const params = new URLSearchParams();
  if (isTrue(q.follow)) params.set('follow', 'true');
  if (q.tailLines !== undefined && q.tailLines !== '') params.set('tailLines', q.tailLines);
  if (isTrue(q.timestamps)) params.set('timestamps', 'true');
  if (isTrue(q.previous)) params.set('previous', 'true');
  if (q.sinceSeconds) params.set('sinceSeconds', q.sinceSeconds);
  if (q.limitBytes) params.set('limitBytes', q.limitBytes);
  const h = host.includes(':') ? `[${host}]` : host;
  const qs = params.toString();
  const path = `/containerLogs/${encodeURIComponent(ns)}/${encodeURIComponent(pod)}/${encodeURIComponent(container)}`;
  return `${scheme}://${h}:${port}${path}${qs ? `?${qs}` : ''}`;
}

/** Resolves pod → container → node → kubelet URL, or the Status error to answer with. */
export async function resolveLogTarget(deps: PodLogDeps, ns: string, name: string, q: LogQuery): Promise<LogTarget> {
  const pod = await deps.getPod(ns, name);
  if (!pod) return { error: notFound({ group: '', resource: 'pods', name }) };
  const picked = pickContainer(pod, q.container);
  if ('error' in picked) return picked;
  if (q.tailLines !== undefined && q.tailLines !== '' && !/^\d+$/.test(q.tailLines)) return { error: badRequest(`tailLines: Invalid value: "${q.tailLines}": must be greater than or equal to 0`) };
  const ep = await podKubelet(deps, pod);
  if ('error' in ep) return ep;
  return { url: containerLogsURL(ep.host, ep.port, ns, name, picked.container, q, ep.scheme), container: picked.container };
}

/** Where the kubelet running a pod listens, and how to dial it. */
export interface KubeletAddress {
  host: string;
  port: number;
  /** https when the apiserver dials kubelets with a client cert (PodLogDeps.kubeletClient). */
  scheme: 'http' | 'https';
}

/**
 * The kubelet of the node a pod is bound to, or the Status to answer with:
 * 400 `pod X does not have a host assigned`, 404 for an unknown node, 500
 * for a node without an address (as kube-apiserver's pod log and connect
 * locations).
 */
export async function podKubelet(deps: PodLogDeps, pod: Pod): Promise<KubeletAddress | { error: StatusError }> {
  const name = pod.metadata?.name ?? '';
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) return { error: badRequest(`pod ${name} does not have a host assigned`) };
  const node = await deps.getNode(nodeName);
  if (!node) return { error: notFound({ group: '', resource: 'nodes', name: nodeName }) };
  const ep = kubeletEndpoint(node);
  if (!ep) return { error: internalError(`node ${nodeName} has no address`) };
  return { ...ep, scheme: deps.kubeletClient ? 'https' : 'http' };
}

/**
 * The Status for a kubelet's 401 or 403 as Kubernetes' apiserver builds it
 * (apimachinery `NewGenericServerResponse` with resource `kind`, default
 * pods/log, verb ''): 401 Unauthorized `the server has asked for the client
 * to provide credentials ( pods/log <pod>)`; 403 Forbidden keeps the
 * kubelet's text (`Forbidden (user=…) ( pods/log <pod>)`), or says
 * `forbidden` when it had none. Undefined for other codes. Pure.
 */
export function kubeletAuthError(code: number, body: string, pod: string, kind = 'pods/log'): StatusError | undefined {
  if (code !== 401 && code !== 403) return undefined;
  const base = code === 401 ? 'the server has asked for the client to provide credentials' : body || 'forbidden';
  const message = `${base} ( ${kind} ${pod})`;
  return new StatusError({
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code,
    reason: code === 401 ? 'Unauthorized' : 'Forbidden', message,
    details: { name: pod, kind, causes: [{ reason: 'UnexpectedServerResponse', message: body }] },
  });
}

function sendStatus(reply: FastifyReply, err: StatusError): FastifyReply {
  return reply.code(err.code).header('content-type', 'application/json').send(Buffer.from(JSON.stringify(err.status)));
}

function readAll(res: IncomingMessage, max = 4096): Promise<string> {
  return new Promise((resolve) => {
    let s = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => { if (s.length < max) s += c; });
    res.on('end', () => resolve(s));
    res.on('error', () => resolve(s));
  });
}

/**
 * Mounts the pods/log route. Kubelet errors pass through with the kubelet's
 * status code (its body as the message); an unreachable kubelet is a 500.
 * A client disconnect aborts the upstream request.
 */
export function registerPodLog(app: FastifyInstance, deps: PodLogDeps): void {
  app.get<{ Params: { namespace: string; name: string }; Querystring: LogQuery }>('/api/v1/namespaces/:namespace/pods/:name/log', async (req, reply) => {
    const target = await resolveLogTarget(deps, req.params.namespace, req.params.name, req.query);
    if ('error' in target) return sendStatus(reply, target.error);
    const upstream = await new Promise<IncomingMessage | Error>((resolve) => {
      const tls = deps.kubeletClient;
      const r = tls ? httpsRequest(target.url, { method: 'GET', agent: false, ca: tls.ca, cert: tls.cert, key: tls.key }, resolve) : request(target.url, { method: 'GET', agent: false }, resolve);
      r.on('error', resolve);
      req.raw.on('close', () => r.destroy());
      r.end();
    });
    if (upstream instanceof Error) return sendStatus(reply, internalError(`Get "${target.url}": ${upstream.message}`));
    if (upstream.statusCode !== 200) {
      const body = (await readAll(upstream)).trim();
      const code = upstream.statusCode ?? 500;
      const denied = kubeletAuthError(code, body, req.params.name);
      if (denied) return sendStatus(reply, denied);
      const err = code === 404 ? notFound({ group: '', resource: 'pods', name: req.params.name }) : code === 400 ? badRequest(body) : internalError(body || `kubelet answered ${code}`);
      if (code === 404 && body) err.status.message = body;
      return sendStatus(reply, err);
    }
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/plain', 'transfer-encoding': 'chunked', 'cache-control': 'no-cache' });
    raw.flushHeaders();
    upstream.on('data', (chunk: Buffer) => raw.write(chunk));
    upstream.on('end', () => raw.end());
    upstream.on('error', () => raw.destroy());
    raw.on('close', () => upstream.destroy());
    return reply;
  });
}
