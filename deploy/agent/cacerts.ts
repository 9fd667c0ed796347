/**
 * Trust on first use, checked: how an agent learns the cluster CA (k3s
 * pkg/clientaccess getCACerts + validateCAHash). 1. GET <server>/cacerts
 * WITHOUT verifying TLS (nothing is trusted yet; nothing is sent but the
 * request). 2. Compare the SHA-256 of the bytes with the join token's hash;
 * stop on a mismatch. 3. GET /cacerts again verifying the server's cert
 * against that CA, so the server we talk to holds a cert the CA signed.
 * Only then is the CA used, and only then do credentials go out.
 */
import { request } from 'node:https';
import { caHash } from '../join/token.ts';

/** Why the server's CA was refused, for the operator. Pure. */
export function checkServerCA(expectedHash: string, caBytes: Uint8Array): { ok: true } | { error: string } {
  const got = caHash(caBytes);
  if (got !== expectedHash.toLowerCase()) {
    return { error: `the server's CA does not match the token: its hash is ${got}, the token expects ${expectedHash.toLowerCase()} (wrong server, or a token of another cluster)` };
  }
  if (!Buffer.from(caBytes).toString('utf8').includes('-----BEGIN CERTIFICATE-----')) return { error: 'the server\'s /cacerts is not a PEM certificate bundle' };
  return { ok: true };
}

/** GET `url` over https; `ca` undefined: no verification. Resolves the body, or an error value (status, TLS or network). */
function get(url: string, ca: string | undefined, timeoutMs: number): Promise<Buffer | { error: string }> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', agent: false, timeout: timeoutMs, ...(ca === undefined ? { rejectUnauthorized: false } : { ca }) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) > 299) resolve({ error: `${url}: HTTP ${res.statusCode ?? 0}` });
        else resolve(Buffer.concat(chunks));
      });
      res.on('error', (e) => resolve({ error: `${url}: ${e.message}` }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (e) => resolve({ error: `${url}: ${e.message}` }));
    req.end();
  });
}

/**
 * Fetches and checks the CA of `server` (https://host:port) against
 * `expectedHash` as in the file doc. Resolves the CA PEM text, or an
 * error value naming what went wrong. Never throws.
 */
export async function fetchServerCA(server: string, expectedHash: string, timeoutMs = 10_000): Promise<{ caPem: string } | { error: string }> {
  let url: URL;
  try {
    url = new URL('/cacerts', server);
  } catch {
    return { error: `${server} is not a URL` };
  }
  if (url.protocol !== 'https:') return { error: `only https:// server URLs are supported: ${server}` };
  const first = await get(url.href, undefined, timeoutMs);
  if ('error' in first) return { error: `cannot fetch the server's CA: ${first.error}` };
  const checked = checkServerCA(expectedHash, first);
  if ('error' in checked) return checked;
  const caPem = first.toString('utf8');
  const second = await get(url.href, caPem, timeoutMs);
  if ('error' in second) return { error: `the server's certificate is not signed by its own /cacerts CA: ${second.error}` };
  return { caPem };
}
