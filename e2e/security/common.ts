/**
 * What the secured-cluster steps (e2e/security-steps.ts) share: names of
 * the objects they make, the run state (scratch dir, certs, secrets seen)
 * and helpers that send a request or run kubectl as another identity and
 * assert the Status the server answered.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1';
import type { RunResult } from '../../deploy/images/exec.ts';
import { caPaths } from '../../deploy/pki/layout.ts';
import type { Cluster } from '../harness/cluster.ts';
import { describeResponse, httpsRequest, statusOf, type HttpsRequest, type HttpsResponse } from '../harness/https-client.ts';
import { lastStatusBody, withoutKlog } from '../harness/kubectl-log.ts';
import type { Needle } from '../harness/leaks.ts';
import type { CertFiles } from '../harness/openssl.ts';

/** One minute, ms. */
export const MIN = 60_000;
/** Namespace of every object these steps create. */
export const SEC_NS = 'e2e-sec';
export const OTHER_NODE = 'e2e-other';
export const CURL_POD = 'e2e-curl';
export const ELSEWHERE_POD = 'e2e-elsewhere';
export const SA = 'e2e-reader';
export const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
export const KUBECTL_128 = '/usr/lib/google-cloud-sdk/bin/kubectl.1.28';

/** State the steps share: scratch dir, the certs made, and every secret seen (for the log scan). */
export interface SecurityRun {
  dir: string;
  log: (line: string) => void;
  /** Tokens and test keys to look for in the logs at the end. */
  needles: Needle[];
  viewer?: CertFiles;
}

/** Creates the scratch dir `<work>/security` (mode 0700) and the shared state. */
export async function securityRun(work: string, log: (line: string) => void): Promise<SecurityRun> {
  const dir = join(work, 'security');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return { dir, log, needles: [] };
}

/** The cluster CA's cert and key files. */
export const clusterCAFiles = (c: Cluster): CertFiles => caPaths(c.dataDir, 'cluster');

/** httpsRequest with the cluster CA trusted and the run's scratch dir. */
export async function request(c: Cluster, s: SecurityRun, r: HttpsRequest): Promise<HttpsResponse> {
  return httpsRequest(c.execResult, { cacert: c.clusterCA, scratchDir: s.dir, ...r });
}

/** Asserts an HTTP answer `code` whose body is a Failure Status of that code and `reason`; returns its message. */
export function assertStatusResponse(r: HttpsResponse, code: number, reason: string, what: string): string {
  assert.equal(r.status, code, `${what}: ${describeResponse(r)}`);
  const st = statusOf(r.body);
  assert.ok(st, `${what}: the ${code} body is not a Status: ${describeResponse(r)}`);
  assert.equal(st.code, code, `${what}: Status.code in ${r.body}`);
  assert.equal(st.reason, reason, `${what}: Status.reason in ${r.body}`);
  assert.equal(st.status, 'Failure', `${what}: Status.status in ${r.body}`);
  return st.message ?? '';
}

/** Runs /usr/bin/kubectl in the namespace with another kubeconfig. */
export function kubectlAs(c: Cluster, kubeconfig: string, ...args: string[]): Promise<RunResult> {
  return c.execResult('/usr/bin/kubectl', '--kubeconfig', kubeconfig, ...args);
}

/** Asserts a kubectl run (at -v=9) failed with a 403 Forbidden Status naming `user`. */
export function assertKubectlForbidden(r: RunResult, user: string, what: string): void {
  const said = withoutKlog(r.stderr);
  assert.notEqual(r.code, 0, `${what} succeeded: ${r.stdout.slice(0, 300)}`);
  const st = lastStatusBody(r.stderr);
  assert.ok(st, `${what}: no Status body in kubectl's log; kubectl said: ${said.slice(0, 600)}`);
  assert.equal(st.code, 403, `${what}: ${JSON.stringify(st)}`);
  assert.equal(st.reason, 'Forbidden', `${what}: ${JSON.stringify(st)}`);
  assert.match(st.message ?? '', new RegExp(`User "${user.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`), `${what}: the message names the user: ${st.message}`);
  assert.match(said, /Error from server \(Forbidden\)/, `${what}: kubectl's message: ${said.slice(0, 600)}`);
}

/** Writes `obj` as JSON to `<run dir>/<name>`; resolves the path. */
export async function writeJson(s: SecurityRun, name: string, obj: unknown): Promise<string> {
  const f = join(s.dir, name);
  await writeFile(f, JSON.stringify(obj));
  return f;
}

/** The claims of a JWS (unverified), for reading iss/aud/kubernetes.io. */
export function jwtClaims(token: string): Record<string, unknown> {
  const part = token.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** A pod manifest in SEC_NS. */
export function podManifest(name: string, spec: Pod['spec']): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: SEC_NS, labels: { app: name } }, spec };
}
