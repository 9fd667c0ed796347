import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { freePort } from '../../testutil/etcd.ts';
import { httpReady } from './wait.ts';

/** A loopback http server answering every request with `handler`; resolves its base URL and a close function. */
async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; close: () => void }> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { url: `http://127.0.0.1:${port}`, close: () => { server.closeAllConnections(); server.close(); } };
}

for (const [name, status, body, match, want] of [
  ['200, no body check', 200, 'anything', undefined, true],
  ['200, body matches', 200, 'ok', /^ok$/, true],
  ['200, body does not match', 200, 'not ready', /^ok$/, false],
  ['204, empty body, no check', 204, '', undefined, true],
  ['500 with a matching body', 500, 'ok', /^ok$/, false],
  ['404', 404, '', undefined, false],
] as const) {
  test(`httpReady over http: ${name} -> ${want}`, async () => {
    const s = await serve((_req, res) => { res.statusCode = status; res.end(body); });
    try {
      assert.equal(await httpReady(`${s.url}/healthz`, match), want);
    } finally {
      s.close();
    }
  });
}

test('httpReady: nothing listening, or not a URL, is false (never throws)', async () => {
  assert.equal(await httpReady(`http://127.0.0.1:${await freePort()}/healthz`), false);
  assert.equal(await httpReady('not a url'), false);
});

test('httpReady: a server that never answers is false once timeoutMs passes', async () => {
  const s = await serve(() => { /* never answers */ });
  try {
    assert.equal(await httpReady(`${s.url}/healthz`, undefined, { timeoutMs: 200 }), false);
  } finally {
    s.close();
  }
});
