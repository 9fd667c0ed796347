/**
 * Test helper: sends a request through `app.inject()` and parses the JSON
 * answer (an unparsable body gives `{}`, with the text in `raw`).
 */
import type { FastifyInstance } from 'fastify';

/** A parsed JSON response: any property is again Json, arrays can be mapped (test convenience without `any`). */
export type Json = { [k: string]: Json } & {
  map<U>(fn: (v: Json, i: number) => U): U[];
  find(fn: (v: Json) => boolean): Json | undefined;
  length: number;
};

/** What `req` resolves: the HTTP code, the parsed body and the raw text. */
export interface Injected {
  code: number;
  body: Json;
  raw: string;
}

/**
 * A `req(method, url, body?, headers?)` over `app()` (a getter, since test
 * files build their app in a `before` hook). A non-string body is sent as
 * JSON with `content-type: application/json` unless a content type is given.
 */
export function injector(app: () => FastifyInstance): (method: string, url: string, body?: unknown, headers?: Record<string, string>) => Promise<Injected> {
  return async (method, url, body, headers = {}) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const h: Record<string, string> = { ...headers };
    if (payload !== undefined && !h['content-type']) h['content-type'] = 'application/json';
    const res = await app().inject({ method: method as 'GET', url, payload, headers: h });
    let parsed = {} as Json;
    try {
      parsed = JSON.parse(res.body) as Json;
    } catch {
      parsed = {} as Json;
    }
    return { code: res.statusCode, body: parsed, raw: res.body };
  };
}
