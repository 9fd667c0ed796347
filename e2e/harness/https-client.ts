/**
 * Raw HTTPS requests from inside the cluster's network namespace with the
 * host's curl, so a test can present exactly the credentials it means to (a
 * client cert, a bearer token, or none) and read the HTTP status and body the
 * server answered. Tokens go to curl through a header file, never argv.
 */
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunResult } from '../../deploy/images/exec.ts';

/** Something that runs a command in the namespace: Cluster.execResult. */
export type NsExec = (cmd: string, ...args: string[]) => Promise<RunResult>;

/** One request. Paths are absolute files on the host (the namespace shares the filesystem). */
export interface HttpsRequest {
  url: string;
  /** Default GET. */
  method?: string;
  /** PEM CA bundle that must sign the server's cert; omit only for plain http:// URLs. */
  cacert?: string;
  /** Client certificate and key (PEM files). */
  cert?: string;
  key?: string;
  /** Bearer token; written to a header file under `scratchDir`. */
  token?: string;
  /** Request body (sent with Content-Type application/json). */
  json?: unknown;
  /** Where temporary header/body files go; required with `token` or `json`. */
  scratchDir?: string;
  /** Default 10 s. */
  timeoutSeconds?: number;
}

/** What came back: `status` 0 when no HTTP answer arrived (then `error` has curl's message). */
export interface HttpsResponse {
  status: number;
  body: string;
  error: string;
}

const MARK = '\n@@e2e-http-status@@';

/** Sends the request with curl inside the namespace; never throws for HTTP or transport failures. */
export async function httpsRequest(exec: NsExec, r: HttpsRequest): Promise<HttpsResponse> {
  const args = ['-sS', '--max-time', String(r.timeoutSeconds ?? 10), '-X', r.method ?? 'GET', '-w', `${MARK}%{http_code}`];
  if (r.cacert) args.push('--cacert', r.cacert);
  if (r.cert) args.push('--cert', r.cert);
  if (r.key) args.push('--key', r.key);
  const temp: string[] = [];
  const scratch = (suffix: string): string => {
    if (!r.scratchDir) throw new Error('httpsRequest: scratchDir is required with a token or a body');
    const f = join(r.scratchDir, `req-${randomBytes(6).toString('hex')}.${suffix}`);
    temp.push(f);
    return f;
  };
  try {
    if (r.token !== undefined) {
      const h = scratch('headers');
      await writeFile(h, `Authorization: Bearer ${r.token}\n`, { mode: 0o600 });
      args.push('-H', `@${h}`);
    }
    if (r.json !== undefined) {
      const b = scratch('json');
      await writeFile(b, JSON.stringify(r.json));
      args.push('-H', 'Content-Type: application/json', '--data-binary', `@${b}`);
    }
    args.push(r.url);
    const res = await exec('curl', ...args);
    return parseCurlOutput(res.stdout, res.stderr);
  } finally {
    for (const f of temp) await rm(f, { force: true });
  }
}

/** Splits curl's stdout (body, then the status marker) into status and body. Pure. */
export function parseCurlOutput(stdout: string, stderr: string): HttpsResponse {
  const at = stdout.lastIndexOf(MARK);
  if (at < 0) return { status: 0, body: stdout, error: stderr.trim() || 'no status written by curl' };
  const status = Number(stdout.slice(at + MARK.length).trim());
  return { status: Number.isInteger(status) ? status : 0, body: stdout.slice(0, at), error: stderr.trim() };
}

/** The fields of a metav1.Status a test checks. */
export interface StatusFields {
  kind?: string;
  status?: string;
  reason?: string;
  code?: number;
  message?: string;
}

/** The body as a metav1.Status, or undefined when it is not one. Pure. */
export function statusOf(body: string): StatusFields | undefined {
  try {
    const v = JSON.parse(body) as unknown;
    return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'Status' ? (v as StatusFields) : undefined;
  } catch {
    return undefined;
  }
}

/** A one-line description of a response for assertion messages (body cut at 400 chars). Pure. */
export function describeResponse(r: HttpsResponse): string {
  return `HTTP ${r.status}${r.error ? ` (${r.error})` : ''}: ${r.body.slice(0, 400)}`;
}

/**
 * A shell script (busybox sh + curl) that sends each `[name, path]` request
 * to `https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT<path>` with
 * the pod's mounted ca.crt and token, and prints each answer between
 * `@@req <name>` and `@@end <name>` lines in the form
 * {@link parseCurlOutput} reads. It first retries the first request (up to
 * `retries` times, 1 s apart) until it answers 200, so a Service route that
 * is not programmed yet does not fail the run; `@@done` closes the output.
 * The token never reaches stdout. Pure.
 */
export function inPodRequestsScript(requests: ReadonlyArray<readonly [string, string]>, retries: number): string {
  for (const [name, path] of requests) {
    if (!/^[a-z0-9-]+$/.test(name) || !/^\/[A-Za-z0-9/._?=&-]*$/.test(path)) throw new Error(`unsafe request ${name} ${path}`);
  }
  const first = requests[0]?.[1] ?? '/';
  const curl = (path: string, out: string): string =>
    `curl -sS --max-time 10 --cacert "$D/ca.crt" -H "Authorization: Bearer $(cat "$D/token")" ${out} "https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT${path}"`;
  return [
    'D=/var/run/secrets/kubernetes.io/serviceaccount',
    'i=0',
    `while [ "$i" -lt ${retries} ]; do`,
    `  code=$(${curl(first, "-o /dev/null -w '%{http_code}'")} 2>&1)`,
    '  [ "$code" = 200 ] && break',
    '  echo "@@retry $i: $code"; i=$((i+1)); sleep 1',
    'done',
    ...requests.flatMap(([name, path]) => [
      `echo "@@req ${name}"`,
      `${curl(path, `-w '${MARK.replace('\n', '\\n')}%{http_code}'`)} 2>&1`,
      'echo',
      `echo "@@end ${name}"`,
    ]),
    'echo "@@done"',
  ].join('\n');
}

/** The answers {@link inPodRequestsScript} printed, by request name (curl's errors land in the body, status 0). Pure. */
export function parseInPodRequests(logText: string): Map<string, HttpsResponse> {
  const out = new Map<string, HttpsResponse>();
  const re = /^@@req ([a-z0-9-]+)\n([\s\S]*?)\n@@end \1$/gm;
  for (const m of logText.matchAll(re)) out.set(m[1] ?? '', parseCurlOutput(m[2] ?? '', ''));
  return out;
}
