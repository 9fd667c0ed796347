/**
 * RestClient: the ApiClient over HTTP(S) to a real API server, with keep-alive
 * connections (node:http Agent). Watches stream newline-delimited JSON and are
 * parsed incrementally, so events split across chunks are reassembled.
 */
import http from 'node:http';
import https from 'node:https';
import type { Status } from 'kubernetes-types/meta/v1';
import { requestTarget, type RequestTarget } from './request-target.ts';
import { apiVersionOf, type ResourceRef } from './resources.ts';
import type { KubeList, KubeObject } from '../api/object.ts';
import { ApiError, undefinedIfNotFound, type ApiClient, type DeleteOptions, type ListOptions, type PatchType, type WatchEvent, type WatchOptions, type WatchStream } from './types.ts';

/** Options of `new RestClient(...)`. `timeoutMs` bounds non-watch requests (default 30 000 ms). */
export interface RestClientOptions {
  /** e.g. 'http://127.0.0.1:6443' (no trailing path). */
  baseUrl: string;
  /** Bearer token sent as `Authorization: Bearer <token>`. */
  token?: string;
  userAgent?: string;
  timeoutMs?: number;
  /** PEM CA bundle the server's cert must chain to (https only; default the system roots). */
  ca?: string;
  /** PEM client certificate (chain) presented for x509 authentication, with `key`. */
  cert?: string;
  /** PEM private key of `cert`. */
  key?: string;
}

/**
 * Builds the REST path of a resource: core group under /api/v1, others under
 * /apis/<group>/<version>; namespaced resources get `namespaces/<ns>/` when a
 * namespace is given (without one it is the all-namespaces collection).
 */
export function resourcePath(ref: ResourceRef, namespace?: string, name?: string, subresource?: string): string {
  let p = ref.group === '' ? `/api/${ref.version}` : `/apis/${ref.group}/${ref.version}`;
  if (ref.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${ref.resource}`;
  if (name !== undefined) p += `/${encodeURIComponent(name)}`;
  if (name !== undefined && subresource) p += `/${subresource}`;
  return p;
}

const patchContentTypes: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

const reasonsByCode: Record<number, string> = {
  400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed',
  406: 'NotAcceptable', 409: 'Conflict', 410: 'Expired', 415: 'UnsupportedMediaType', 422: 'Invalid',
  429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable', 504: 'Timeout',
};

/** Turns an error answer into an ApiError: the body's Status if it is one, else a synthesized Status. */
export function apiErrorFrom(code: number, body: string): ApiError {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && (parsed as { kind?: unknown }).kind === 'Status') {
      const st = parsed as Status;
      return new ApiError({ ...st, code: st.code ?? code });
    }
  } catch {
    // not JSON: synthesize below
  }
  const text = body.trim().slice(0, 500);
  return new ApiError({
    apiVersion: 'v1',
    kind: 'Status',
    status: 'Failure',
    code,
    reason: reasonsByCode[code] ?? 'Unknown',
    message: text !== '' ? text : `the server responded with HTTP ${code}`,
  });
}

interface RawResponse {
  status: number;
  body: string;
}

/** HTTP implementation of ApiClient. Throws ApiError on non-2xx, plain Error on transport failure. */
export class RestClient implements ApiClient {
  private readonly base: URL;
  private readonly token?: string;
  private readonly userAgent: string;
  private readonly timeoutMs: number;
  private readonly agent: http.Agent;
  private readonly mod: typeof http | typeof https;

  constructor(opts: RestClientOptions) {
    this.base = new URL(opts.baseUrl);
    this.token = opts.token;
    this.userAgent = opts.userAgent ?? 'skiff-client';
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    const https_ = this.base.protocol === 'https:';
    this.mod = https_ ? https : http;
    this.agent = https_
      ? new https.Agent({ keepAlive: true, ca: opts.ca, cert: opts.cert, key: opts.key })
      : new http.Agent({ keepAlive: true });
  }

  /** Closes idle keep-alive sockets (call when done, e.g. at the end of a test). */
  close(): void {
    this.agent.destroy();
  }

  async get<T extends KubeObject>(ref: ResourceRef, name: string, namespace?: string): Promise<T> {
    return this.json<T>('GET', resourcePath(ref, nsFor(ref, namespace), name));
  }

  async tryGet<T extends KubeObject>(ref: ResourceRef, name: string, namespace?: string): Promise<T | undefined> {
    return undefinedIfNotFound(this.get<T>(ref, name, namespace));
  }

  /** GET the collection; items get apiVersion/kind filled in when the server omits them. */
  async list<T extends KubeObject>(ref: ResourceRef, opts: ListOptions = {}): Promise<KubeList<T>> {
    const q = listQuery(opts);
    const list = await this.json<KubeList<T>>('GET', resourcePath(ref, opts.namespace) + q);
    // List items usually come without apiVersion/kind; fill them so events and logs can name them.
    for (const item of list.items ?? []) {
      item.apiVersion ??= apiVersionOf(ref);
      item.kind ??= ref.kind;
    }
    list.items ??= [];
    return list;
  }

  async create<T extends KubeObject>(ref: ResourceRef, obj: T, namespace?: string): Promise<T> {
    const ns = nsFor(ref, namespace ?? obj.metadata?.namespace);
    const body = { ...obj, apiVersion: obj.apiVersion ?? apiVersionOf(ref), kind: obj.kind ?? ref.kind };
    return this.json<T>('POST', resourcePath(ref, ns), body);
  }

  async update<T extends KubeObject>(ref: ResourceRef, obj: T, namespace?: string): Promise<T> {
    return this.put(ref, obj, namespace, undefined);
  }

  async updateStatus<T extends KubeObject>(ref: ResourceRef, obj: T, namespace?: string): Promise<T> {
    return this.put(ref, obj, namespace, 'status');
  }

  private async put<T extends KubeObject>(ref: ResourceRef, obj: T, namespace: string | undefined, sub: string | undefined): Promise<T> {
    const name = obj.metadata?.name;
    if (!name) throw new Error(`update of ${ref.resource}: metadata.name is required`);
    const ns = nsFor(ref, namespace ?? obj.metadata?.namespace);
    const body = { ...obj, apiVersion: obj.apiVersion ?? apiVersionOf(ref), kind: obj.kind ?? ref.kind };
    return this.json<T>('PUT', resourcePath(ref, ns, name, sub), body);
  }

  async patch<T extends KubeObject>(ref: ResourceRef, name: string, type: PatchType, patch: unknown, namespace?: string, subresource?: string): Promise<T> {
    return this.json<T>('PATCH', resourcePath(ref, nsFor(ref, namespace), name, subresource), patch, patchContentTypes[type]);
  }

  async delete(ref: ResourceRef, name: string, namespace?: string, opts: DeleteOptions = {}): Promise<void> {
    const body = { apiVersion: 'v1', kind: 'DeleteOptions', ...opts };
    await this.json<unknown>('DELETE', resourcePath(ref, nsFor(ref, namespace), name), body);
  }

  async createSubresource<T extends KubeObject>(ref: ResourceRef, name: string, subresource: string, body: KubeObject, namespace?: string): Promise<T> {
    return this.json<T>('POST', resourcePath(ref, nsFor(ref, namespace), name, subresource), body);
  }

  /**
   * Opens a watch (GET ?watch=true...). Resolves once the server answered 200;
   * rejects with ApiError on an error answer. The iterator ends when the server
   * closes the stream or `stop()` is called; a reset mid-stream throws Error.
   */
  async watch<T extends KubeObject>(ref: ResourceRef, opts: WatchOptions = {}): Promise<WatchStream<T>> {
    const q = new URLSearchParams();
    q.set('watch', 'true');
    appendListParams(q, opts);
    if (opts.allowWatchBookmarks) q.set('allowWatchBookmarks', 'true');
    if (opts.timeoutSeconds !== undefined) q.set('timeoutSeconds', String(opts.timeoutSeconds));
    const path = resourcePath(ref, opts.namespace) + '?' + q.toString();
    const ac = new AbortController();
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = this.mod.request({ ...this.url(path), method: 'GET', agent: this.agent, headers: this.headers(), signal: ac.signal }, resolve);
      req.on('error', reject);
      req.end();
    });
    if (res.statusCode !== 200) {
      const body = await readBody(res);
      throw apiErrorFrom(res.statusCode ?? 500, body);
    }
    return new NdjsonWatch<T>(res, ac);
  }

  private url(path: string): RequestTarget {
    return requestTarget(this.base, path);
  }

  private headers(contentType?: string): Record<string, string> {
    const h: Record<string, string> = { Accept: 'application/json', 'User-Agent': this.userAgent };
    if (contentType) h['Content-Type'] = contentType;
    if (this.token) h.Authorization = `Bearer ${this.token}`;
    return h;
  }

  private async json<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const r = await this.request(method, path, body === undefined ? undefined : JSON.stringify(body), contentType);
    if (r.status < 200 || r.status > 299) throw apiErrorFrom(r.status, r.body);
    if (r.body === '') return undefined as T;
    return JSON.parse(r.body) as T;
  }

  private request(method: string, path: string, body: string | undefined, contentType: string): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const headers = this.headers(body === undefined ? undefined : contentType);
      if (body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(body));
      const req = this.mod.request({ ...this.url(path), method, agent: this.agent, headers }, (res) => {
        readBody(res).then((b) => resolve({ status: res.statusCode ?? 0, body: b }), reject);
      });
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`${method} ${path}: timed out after ${this.timeoutMs} ms`)));
      req.on('error', (e) => reject(new Error(`${method} ${path}: ${e.message}`)));
      req.end(body);
    });
  }
}

/** Namespace to put in a path: namespaced refs default to 'default' for single-object calls. */
function nsFor(ref: ResourceRef, namespace: string | undefined): string | undefined {
  if (!ref.namespaced) return undefined;
  return namespace && namespace !== '' ? namespace : 'default';
}

function appendListParams(q: URLSearchParams, opts: ListOptions): void {
  if (opts.labelSelector) q.set('labelSelector', opts.labelSelector);
  if (opts.fieldSelector) q.set('fieldSelector', opts.fieldSelector);
  if (opts.limit !== undefined) q.set('limit', String(opts.limit));
  if (opts.continue) q.set('continue', opts.continue);
  if (opts.resourceVersion !== undefined) q.set('resourceVersion', opts.resourceVersion);
}

function listQuery(opts: ListOptions): string {
  const q = new URLSearchParams();
  appendListParams(q, opts);
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

function readBody(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
    res.on('aborted', () => reject(new Error('response aborted')));
  });
}

/**
 * Splits a byte stream into lines incrementally (UTF-8 safe across chunk
 * boundaries). `push` returns the complete lines seen so far; `flush` the rest.
 */
export class LineSplitter {
  private readonly decoder = new TextDecoder('utf-8');
  private buf = '';

  push(chunk: Uint8Array): string[] {
    this.buf += this.decoder.decode(chunk, { stream: true });
    const lines = this.buf.split('\n');
    this.buf = lines.pop() ?? '';
    return lines.filter((l) => l.trim() !== '');
  }

  flush(): string[] {
    this.buf += this.decoder.decode();
    const rest = this.buf.trim();
    this.buf = '';
    return rest === '' ? [] : [rest];
  }
}

class NdjsonWatch<T extends KubeObject> implements WatchStream<T> {
  private stopped = false;
  constructor(private readonly res: http.IncomingMessage, private readonly ac: AbortController) {}

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.ac.abort();
    this.res.destroy();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<WatchEvent<T>> {
    const split = new LineSplitter();
    try {
      for await (const chunk of this.res) {
        for (const line of split.push(chunk as Buffer)) yield JSON.parse(line) as WatchEvent<T>;
        if (this.stopped) return;
      }
      if (!this.res.complete && !this.stopped) throw new Error('watch stream closed before completion');
      for (const line of split.flush()) yield JSON.parse(line) as WatchEvent<T>;
    } catch (e) {
      if (this.stopped) return;
      throw e instanceof Error ? e : new Error(String(e));
    } finally {
      this.stop();
    }
  }
}
