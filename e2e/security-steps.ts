/**
 * The secured-cluster acceptance checks of issue 6, as steps of the
 * single-node e2e (they share its cluster): transport and authentication of
 * the API, a read-only user, the limits of node identities, a pod's
 * ServiceAccount token used from inside the pod, the kubelet API's callers,
 * `kubectl auth whoami`, and no key or token in any log. Every check reads
 * the HTTP status and body the server sent, never only an exit code. All
 * traffic stays on loopback and the node address inside the namespace.
 * Objects live in namespace e2e-sec plus a second Node `e2e-other`
 * (unschedulable, tainted, never running anything).
 */
import assert from 'node:assert/strict';
import { createPrivateKey, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Node, Pod, Service, ServiceAccount } from 'kubernetes-types/core/v1';
import type { RunResult } from '../deploy/images/exec.ts';
import { caPaths, leafPaths, serviceAccountKeyPath } from '../deploy/pki/layout.ts';
import { CERT } from '../deploy/pki/specs.ts';
import { signJws } from '../apiserver/auth/authn/jws.ts';
import { boundClaims } from '../apiserver/auth/authn/sa-claims.ts';
import type { Cluster } from './harness/cluster.ts';
import { describeResponse, httpsRequest, inPodRequestsScript, parseInPodRequests, statusOf, type HttpsRequest, type HttpsResponse } from './harness/https-client.ts';
import { lastStatusBody, withoutKlog } from './harness/kubectl-log.ts';
import { findLeaks, keyNeedles, tokenNeedles, type Needle } from './harness/leaks.ts';
import { makeCA, makeClientCert, writeCertKubeconfigFile, type CertFiles } from './harness/openssl.ts';
import { waitFor } from '../testutil/wait.ts';

const MIN = 60_000;
/** Namespace of every object these steps create. */
export const SEC_NS = 'e2e-sec';
const OTHER_NODE = 'e2e-other';
const CURL_POD = 'e2e-curl';
const ELSEWHERE_POD = 'e2e-elsewhere';
const SA = 'e2e-reader';
const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const KUBECTL_128 = '/usr/lib/google-cloud-sdk/bin/kubectl.1.28';

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

// ---- small helpers --------------------------------------------------------------------

const clusterCAFiles = (c: Cluster): CertFiles => caPaths(c.dataDir, 'cluster');

async function request(c: Cluster, s: SecurityRun, r: HttpsRequest): Promise<HttpsResponse> {
  return httpsRequest(c.execResult, { cacert: c.clusterCA, scratchDir: s.dir, ...r });
}

/** Asserts an HTTP answer `code` whose body is a Failure Status of that code and `reason`; returns its message. */
function assertStatusResponse(r: HttpsResponse, code: number, reason: string, what: string): string {
  assert.equal(r.status, code, `${what}: ${describeResponse(r)}`);
  const st = statusOf(r.body);
  assert.ok(st, `${what}: the ${code} body is not a Status: ${describeResponse(r)}`);
  assert.equal(st.code, code, `${what}: Status.code in ${r.body}`);
  assert.equal(st.reason, reason, `${what}: Status.reason in ${r.body}`);
  assert.equal(st.status, 'Failure', `${what}: Status.status in ${r.body}`);
  return st.message ?? '';
}

/** Runs /usr/bin/kubectl in the namespace with another kubeconfig. */
function kubectlAs(c: Cluster, kubeconfig: string, ...args: string[]): Promise<RunResult> {
  return c.execResult('/usr/bin/kubectl', '--kubeconfig', kubeconfig, ...args);
}

/** Asserts a kubectl run (at -v=9) failed with a 403 Forbidden Status naming `user`. */
function assertKubectlForbidden(r: RunResult, user: string, what: string): void {
  const said = withoutKlog(r.stderr);
  assert.notEqual(r.code, 0, `${what} succeeded: ${r.stdout.slice(0, 300)}`);
  const st = lastStatusBody(r.stderr);
  assert.ok(st, `${what}: no Status body in kubectl's log; kubectl said: ${said.slice(0, 600)}`);
  assert.equal(st.code, 403, `${what}: ${JSON.stringify(st)}`);
  assert.equal(st.reason, 'Forbidden', `${what}: ${JSON.stringify(st)}`);
  assert.match(st.message ?? '', new RegExp(`User "${user.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`), `${what}: the message names the user: ${st.message}`);
  assert.match(said, /Error from server \(Forbidden\)/, `${what}: kubectl's message: ${said.slice(0, 600)}`);
}

async function writeJson(s: SecurityRun, name: string, obj: unknown): Promise<string> {
  const f = join(s.dir, name);
  await writeFile(f, JSON.stringify(obj));
  return f;
}

/** The claims of a JWS (unverified), for reading iss/aud/kubernetes.io. */
function jwtClaims(token: string): Record<string, unknown> {
  const part = token.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** A pod manifest in SEC_NS. */
function podManifest(name: string, spec: Pod['spec']): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: SEC_NS, labels: { app: name } }, spec };
}

// ---- the steps ------------------------------------------------------------------------

/** Plain HTTP gets no HTTP answer; no credentials and a cert of an unknown CA get a 401 Status. */
export async function apiTransportAndAuthn(c: Cluster, s: SecurityRun): Promise<void> {
  const port = new URL(c.apiUrl).port;
  const plain = await httpsRequest(c.execResult, { url: `http://127.0.0.1:${port}/api/v1/namespaces` });
  assert.equal(plain.status, 0, `plain HTTP to the API port got an HTTP answer: ${describeResponse(plain)}`);
  assert.doesNotMatch(plain.body, /NamespaceList|"kind"/, `plain HTTP got an API body: ${plain.body.slice(0, 300)}`);
  s.log(`plain http://127.0.0.1:${port}: no HTTP answer (${plain.error})`);

  const anonymous = await request(c, s, { url: `${c.apiUrl}/api/v1/namespaces` });
  assertStatusResponse(anonymous, 401, 'Unauthorized', 'GET /api/v1/namespaces without credentials');

  // An attacker's CA issuing itself a cluster-admin identity.
  const rogueCA = await makeCA(s.dir, 'e2e-rogue-ca');
  const rogue = await makeClientCert(s.dir, 'rogue-admin', 'system:admin', ['system:masters'], rogueCA);
  s.needles.push(...keyNeedles('test key rogue CA', await readFile(rogueCA.key, 'utf8')), ...keyNeedles('test key rogue admin', await readFile(rogue.key, 'utf8')));
  const unknown = await request(c, s, { url: `${c.apiUrl}/api/v1/namespaces`, ...rogue });
  assertStatusResponse(unknown, 401, 'Unauthorized', 'GET /api/v1/namespaces with a client cert of an unknown CA (CN=system:admin, O=system:masters)');

  // The same request with the cluster's admin cert works: the 401s are about the credentials.
  const admin = await request(c, s, { url: `${c.apiUrl}/api/v1/namespaces`, ...leafPaths(c.dataDir, CERT.admin) });
  assert.equal(admin.status, 200, `GET /api/v1/namespaces with the admin cert: ${describeResponse(admin)}`);
  assert.match(admin.body, /"kind":\s*"NamespaceList"/, `admin's namespace list: ${admin.body.slice(0, 300)}`);
}

/** A user bound to `view` (a client cert signed by the cluster CA, as an admin adds one) reads but cannot create. */
export async function viewerIsReadOnly(c: Cluster, s: SecurityRun): Promise<void> {
  await c.kubectl('create', 'namespace', SEC_NS);
  await c.kubectl('create', 'clusterrolebinding', 'e2e-viewer', '--clusterrole=view', '--user=viewer');
  const viewer = await makeClientCert(s.dir, 'viewer', 'viewer', [], clusterCAFiles(c));
  s.viewer = viewer;
  s.needles.push(...keyNeedles('test key viewer', await readFile(viewer.key, 'utf8')));

  const list = await waitFor(
    async (note) => {
      const r = await request(c, s, { url: `${c.apiUrl}/api/v1/namespaces/${SEC_NS}/pods`, ...viewer });
      note(describeResponse(r));
      return r.status === 200 ? r : undefined;
    },
    30_000,
    `the viewer to list pods in ${SEC_NS} (view is bound)`,
  );
  assert.match(list.body, /"kind":\s*"PodList"/, `viewer's pod list: ${list.body.slice(0, 300)}`);

  const pod = podManifest('e2e-viewer-pod', { containers: [{ name: 'c', image: 'busybox:1.36', command: ['sleep', '1'] }] });
  const created = await request(c, s, { method: 'POST', url: `${c.apiUrl}/api/v1/namespaces/${SEC_NS}/pods`, json: pod, ...viewer });
  const message = assertStatusResponse(created, 403, 'Forbidden', 'the viewer creating a pod');
  assert.match(message, /User "viewer" cannot create resource "pods"/, `Forbidden message: ${message}`);
  const absent = await c.kubectlResult('get', 'pod', 'e2e-viewer-pod', '-n', SEC_NS);
  assert.match(absent.stderr, /NotFound|not found/, `the forbidden create left a pod: ${absent.stdout}${absent.stderr}`);

  const kc = await writeCertKubeconfigFile(join(s.dir, 'viewer.kubeconfig'), c.apiUrl, c.clusterCA, viewer, 'viewer');
  const viaKubectl = await kubectlAs(c, kc, 'create', '-f', await writeJson(s, 'viewer-pod.json', pod), '-v=9');
  assertKubectlForbidden(viaKubectl, 'viewer', 'kubectl create pod as the viewer');

  const canCreate = await c.kubectlResult('auth', 'can-i', 'create', 'pods', '--as', 'viewer', '-n', SEC_NS);
  assert.equal(canCreate.stdout.trim(), 'no', `kubectl auth can-i create pods --as viewer: ${canCreate.stdout}${canCreate.stderr}`);
  const canGet = await c.kubectlResult('auth', 'can-i', 'get', 'pods', '--as', 'viewer', '-n', SEC_NS);
  assert.equal(canGet.stdout.trim(), 'yes', `kubectl auth can-i get pods --as viewer: ${canGet.stdout}${canGet.stderr}`);

  const rules = await c.kubectl('auth', 'can-i', '--list', '--as', 'viewer', '-n', SEC_NS);
  const verbs = (resource: string): Set<string> => {
    const out = new Set<string>();
    for (const line of rules.split('\n')) {
      const cols = line.trim().split(/\s+/);
      if (cols[0] !== resource) continue;
      const last = line.match(/\[([^\]]*)\]\s*$/)?.[1] ?? '';
      for (const v of last.split(/\s+/)) if (v) out.add(v);
    }
    return out;
  };
  const podVerbs = [...verbs('pods')].sort();
  assert.deepEqual(podVerbs, ['get', 'list', 'watch'], `can-i --list --as viewer, row pods:\n${rules}`);
  for (const r of ['deployments.apps', 'services', 'configmaps']) {
    assert.ok(verbs(r).has('list'), `can-i --list --as viewer shows no list on ${r}:\n${rules}`);
  }
  assert.equal(verbs('secrets').size, 0, `view must not grant secrets:\n${rules}`);
  s.log(`viewer: create pods → 403, can-i create no / get yes, pods [${podVerbs.join(' ')}]`);
}

/** The requests the curl pod sends at start with its own token and CA (the first is retried until 200). */
const IN_POD_REQUESTS = [
  ['get-pod', `/api/v1/namespaces/${SEC_NS}/pods/${CURL_POD}`],
  ['list-pods', `/api/v1/namespaces/${SEC_NS}/pods`],
  ['list-secrets', `/api/v1/namespaces/${SEC_NS}/secrets`],
] as const;

/** The in-pod script: the mounted files, the Service address, the requests, then idle until TERM. */
function curlPodScript(): string {
  return [
    'echo e2e-curl started',
    `cd ${SA_DIR} && for f in token ca.crt namespace; do test -s $f && echo have-$f; done; cd /`,
    `echo "ns=$(cat ${SA_DIR}/namespace)"`,
    'echo "api=$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT"',
    `echo @@ca; cat ${SA_DIR}/ca.crt; echo; echo @@ca-end`,
    inPodRequestsScript(IN_POD_REQUESTS, 60),
    "trap 'exit 0' TERM; while true; do sleep 1; done",
  ].join('\n');
}

/** The projected token file the kubelet wrote for pod `uid` (read on the host: the API has no exec). */
async function projectedToken(c: Cluster, uid: string): Promise<string> {
  const found = await c.exec('find', join(c.dataDir, 'kubelet'), '-path', `*${uid}*`, '-name', 'token', '-type', 'f');
  const file = found.split('\n').map((l) => l.trim()).find((l) => l !== '');
  assert.ok(file, `no projected token file for pod uid ${uid} under ${join(c.dataDir, 'kubelet')}`);
  return (await readFile(file, 'utf8')).trim();
}

/**
 * A pod whose ServiceAccount may only `get pods` in its namespace: from
 * inside, through https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT
 * with the mounted ca.crt and token, get pod → 200, list pods and list
 * secrets → 403. From the node: a token for another audience and an expired
 * one (signed with the cluster's key) → 401; fresh ones → 200.
 */
export async function podTokenHasItsRbac(c: Cluster, s: SecurityRun): Promise<void> {
  await c.kubectl('create', 'serviceaccount', SA, '-n', SEC_NS);
  await c.kubectl('create', 'role', 'e2e-pod-reader', '--verb=get', '--resource=pods', '-n', SEC_NS);
  await c.kubectl('create', 'rolebinding', 'e2e-pod-reader', '--role=e2e-pod-reader', `--serviceaccount=${SEC_NS}:${SA}`, '-n', SEC_NS);
  const pod = podManifest(CURL_POD, {
    serviceAccountName: SA,
    terminationGracePeriodSeconds: 5,
    containers: [{ name: 'curl', image: 'curl:7.88', command: ['sh', '-c', curlPodScript()] }],
  });
  await c.kubectl('apply', '-f', await writeJson(s, 'curl-pod.json', pod));
  const running = await waitFor(
    async (note) => {
      const p = await c.kubectlJson<Pod>('get', 'pod', CURL_POD, '-n', SEC_NS);
      const st = p.status?.containerStatuses?.[0];
      note(`phase ${p.status?.phase}, node ${p.spec?.nodeName}, container ${JSON.stringify(st?.state)}`);
      return p.status?.phase === 'Running' && st?.ready ? p : undefined;
    },
    3 * MIN,
    `pod ${SEC_NS}/${CURL_POD} (image curl:7.88) to be Running and ready`,
  );
  assert.equal(running.spec?.nodeName, c.nodeName);
  const out = await waitFor(
    async (note) => {
      const text = await c.kubectl('logs', '-n', SEC_NS, CURL_POD);
      note(text.slice(-1500));
      return /^@@done$/m.test(text) ? text : undefined;
    },
    90_000,
    `pod ${CURL_POD} to finish its requests (@@done in its log)`,
  );

  for (const f of ['token', 'ca.crt', 'namespace']) assert.match(out, new RegExp(`^have-${f.replace('.', '\\.')}$`, 'm'), `${SA_DIR}/${f} missing or empty in the pod:\n${out.slice(0, 1500)}`);
  assert.match(out, new RegExp(`^ns=${SEC_NS}$`, 'm'), 'the mounted namespace file');
  const svc = await c.kubectlJson<Service>('get', 'service', 'kubernetes', '-n', 'default');
  const httpsPort = svc.spec?.ports?.find((p) => p.name === 'https')?.port ?? svc.spec?.ports?.[0]?.port;
  assert.match(out, new RegExp(`^api=${(svc.spec?.clusterIP ?? '?').replace(/\./g, '\\.')}:${httpsPort}$`, 'm'), 'KUBERNETES_SERVICE_HOST/PORT in the pod are the kubernetes Service');
  const podCA = out.match(/^@@ca\n([\s\S]*?)\n@@ca-end$/m)?.[1] ?? '';
  const clusterCA = (await readFile(c.clusterCA, 'utf8')).trim();
  assert.equal(podCA.trim(), clusterCA, `the mounted ca.crt (between @@ca and @@ca-end) is not the cluster CA:\n${out.slice(0, 3000)}`);

  const token = await projectedToken(c, running.metadata?.uid ?? '?');
  s.needles.push(...tokenNeedles('the curl pod\'s projected token', token));
  const claims = jwtClaims(token);
  const bound = claims['kubernetes.io'] as { pod?: { name?: string; uid?: string }; serviceaccount?: { name?: string; uid?: string } } | undefined;
  assert.equal(bound?.pod?.name, CURL_POD, `the projected token is not bound to the pod: ${JSON.stringify(claims)}`);
  assert.equal(bound?.serviceaccount?.name, SA, `the projected token's ServiceAccount: ${JSON.stringify(claims)}`);

  const answers = parseInPodRequests(out);
  const answer = (name: string): HttpsResponse => {
    const r = answers.get(name);
    assert.ok(r, `no answer for ${name} in the pod's log:\n${out.slice(-2000)}`);
    return r;
  };
  const get = answer('get-pod');
  assert.equal(get.status, 200, `in-pod GET of its own pod: ${describeResponse(get)}`);
  assert.match(get.body, new RegExp(`"name":\\s*"${CURL_POD}"`), `in-pod GET pod body: ${get.body.slice(0, 300)}`);
  assert.match(get.body, /"kind":\s*"Pod"/, `in-pod GET pod body: ${get.body.slice(0, 300)}`);
  const user = `system:serviceaccount:${SEC_NS}:${SA}`;
  assert.match(assertStatusResponse(answer('list-pods'), 403, 'Forbidden', 'in-pod list pods (the Role grants only get)'), new RegExp(`User "${user}" cannot list resource "pods"`));
  assert.match(assertStatusResponse(answer('list-secrets'), 403, 'Forbidden', 'in-pod list secrets'), new RegExp(`User "${user}" cannot list resource "secrets"`));
  s.log(`in-pod token through ${svc.spec?.clusterIP}:${httpsPort}: get pod 200, list pods 403, list secrets 403`);

  // From the node: TokenRequest tokens, default and foreign audience.
  const podURL = `${c.apiUrl}/api/v1/namespaces/${SEC_NS}/pods/${CURL_POD}`;
  const fresh = (await c.kubectl('create', 'token', SA, '-n', SEC_NS)).trim();
  const foreign = (await c.kubectl('create', 'token', SA, '-n', SEC_NS, '--audience', 'other')).trim();
  s.needles.push(...tokenNeedles('a TokenRequest token', fresh), ...tokenNeedles('a TokenRequest token for audience other', foreign));
  assert.deepEqual(jwtClaims(foreign).aud, ['other'], 'kubectl create token --audience other');
  const freshGet = await request(c, s, { url: podURL, token: fresh });
  assert.equal(freshGet.status, 200, `GET pod with a fresh TokenRequest token: ${describeResponse(freshGet)}`);
  assertStatusResponse(await request(c, s, { url: podURL, token: foreign }), 401, 'Unauthorized', 'a token for audience "other"');

  // An expired token: the pod token's claims, signed with the cluster's key, with exp in the past.
  const key = createPrivateKey(await readFile(serviceAccountKeyPath(c.dataDir), 'utf8'));
  const sa = await c.kubectlJson<ServiceAccount>('get', 'serviceaccount', SA, '-n', SEC_NS);
  const mint = (nowSeconds: number, expirationSeconds: number): string => signJws(key, boundClaims({
    issuer: String(claims.iss), audiences: Array.isArray(claims.aud) ? claims.aud.map(String) : [String(claims.aud)],
    nowSeconds, expirationSeconds, namespace: SEC_NS,
    serviceAccount: { name: SA, uid: sa.metadata?.uid ?? '' },
    pod: { name: CURL_POD, uid: running.metadata?.uid ?? '' }, jti: randomUUID(),
  }));
  const now = Math.floor(Date.now() / 1000);
  const minted = mint(now, 600);
  const expired = mint(now - 7200, 600);
  s.needles.push(...tokenNeedles('a test-minted token', minted), ...tokenNeedles('a test-minted expired token', expired));
  const mintedGet = await request(c, s, { url: podURL, token: minted });
  assert.equal(mintedGet.status, 200, `GET pod with a token the test signed with tls/service.key (valid): ${describeResponse(mintedGet)}`);
  assertStatusResponse(await request(c, s, { url: podURL, token: expired }), 401, 'Unauthorized', 'an expired token (exp two hours minus ten minutes ago)');
  s.log('TokenRequest and test-minted tokens: valid 200, audience "other" 401, expired 401');
}

/**
 * The kubelet's credentials (cred/kubelet.kubeconfig) and a second node's
 * identity (a cert for system:node:e2e-other) each reach only their own
 * node's objects: patching the other Node, reading the other node's pod, and
 * reading a Secret no pod on the node uses → 403.
 */
export async function nodeIdentitiesAreConfined(c: Cluster, s: SecurityRun): Promise<void> {
  const other: Node = {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name: OTHER_NODE, labels: { 'kubernetes.io/hostname': OTHER_NODE } },
    spec: { unschedulable: true, taints: [{ key: 'e2e/no-kubelet', effect: 'NoSchedule' }] },
  };
  await c.kubectl('create', '-f', await writeJson(s, 'other-node.json', other));
  const elsewhere = podManifest(ELSEWHERE_POD, {
    nodeName: OTHER_NODE, automountServiceAccountToken: false,
    tolerations: [{ operator: 'Exists' }],
    containers: [{ name: 'c', image: 'busybox:1.36', command: ['sleep', '3600'] }],
  });
  await c.kubectl('create', '-f', await writeJson(s, 'elsewhere-pod.json', elsewhere));
  await c.kubectl('create', 'secret', 'generic', 'e2e-unused', '-n', SEC_NS, '--from-literal=k=not-for-nodes');

  const identities: Array<{ user: string; kubeconfig: string; ownPod: string; foreignPod: string; foreignNode: string }> = [];
  identities.push({ user: `system:node:${c.nodeName}`, kubeconfig: join(c.dataDir, 'cred', 'kubelet.kubeconfig'), ownPod: CURL_POD, foreignPod: ELSEWHERE_POD, foreignNode: OTHER_NODE });
  const otherCert = await makeClientCert(s.dir, 'node-other', `system:node:${OTHER_NODE}`, ['system:nodes'], clusterCAFiles(c));
  s.needles.push(...keyNeedles('test key system:node:e2e-other', await readFile(otherCert.key, 'utf8')));
  const otherKc = await writeCertKubeconfigFile(join(s.dir, 'node-other.kubeconfig'), c.apiUrl, c.clusterCA, otherCert, `system:node:${OTHER_NODE}`);
  identities.push({ user: `system:node:${OTHER_NODE}`, kubeconfig: otherKc, ownPod: ELSEWHERE_POD, foreignPod: CURL_POD, foreignNode: c.nodeName });

  for (const id of identities) {
    const as = (...args: string[]): Promise<RunResult> => kubectlAs(c, id.kubeconfig, ...args);
    // Controls: the identity works and reaches what belongs to its node (the graph may lag the creates).
    await waitFor(
      async (note) => {
        const r = await as('get', 'pod', id.ownPod, '-n', SEC_NS, '-o', 'name');
        note(`get its own pod: exit ${r.code} ${r.stdout.trim()} ${withoutKlog(r.stderr).slice(0, 300)}`);
        return r.code === 0 && r.stdout.trim() === `pod/${id.ownPod}`;
      },
      30_000,
      `${id.user} to read pod ${id.ownPod}, which is bound to its node`,
    );
    assertKubectlForbidden(await as('patch', 'node', id.foreignNode, '--type', 'merge', '-p', '{"metadata":{"labels":{"e2e-patched":"yes"}}}', '-v=9'), id.user, `${id.user} patching Node ${id.foreignNode}`);
    assertKubectlForbidden(await as('get', 'pod', id.foreignPod, '-n', SEC_NS, '-v=9'), id.user, `${id.user} reading pod ${id.foreignPod} of another node`);
    assertKubectlForbidden(await as('get', 'secret', 'e2e-unused', '-n', SEC_NS, '-v=9'), id.user, `${id.user} reading a Secret no pod on its node uses`);
    s.log(`${id.user}: patch node ${id.foreignNode}, get pod ${id.foreignPod}, get secret e2e-unused → 403`);
  }
  const labels = (await c.kubectlJson<Node>('get', 'node', OTHER_NODE)).metadata?.labels ?? {};
  assert.equal(labels['e2e-patched'], undefined, 'a forbidden patch changed Node e2e-other');
  const mine = (await c.kubectlJson<Node>('get', 'node', c.nodeName)).metadata?.labels ?? {};
  assert.equal(mine['e2e-patched'], undefined, `a forbidden patch changed Node ${c.nodeName}`);
}

/** The kubelet API on <nodeIP>:10250: no credentials → 401; the viewer and a pod token (no nodes/log, nodes/proxy) → 403; kubectl logs works. */
export async function kubeletApiChecksCallers(c: Cluster, s: SecurityRun): Promise<void> {
  const base = `https://${c.nodeIP}:10250`;
  const logsPath = `/containerLogs/${SEC_NS}/${CURL_POD}/curl`;
  const viewer = s.viewer;
  assert.ok(viewer, 'the viewer step did not run');

  const anonymous = await request(c, s, { url: base + logsPath });
  assert.equal(anonymous.status, 401, `kubelet ${logsPath} without credentials: ${describeResponse(anonymous)}`);
  assert.match(anonymous.body, /Unauthorized/, `kubelet 401 body: ${anonymous.body}`);
  const rogue = await request(c, s, { url: base + logsPath, cert: join(s.dir, 'rogue-admin.crt'), key: join(s.dir, 'rogue-admin.key') });
  assert.equal(rogue.status, 401, `kubelet ${logsPath} with a cert of an unknown CA: ${describeResponse(rogue)}`);

  for (const [path, sub] of [[logsPath, 'proxy'], ['/logs/', 'log']] as const) {
    const r = await request(c, s, { url: base + path, ...viewer });
    assert.equal(r.status, 403, `kubelet ${path} as the viewer: ${describeResponse(r)}`);
    assert.match(r.body, new RegExp(`Forbidden \\(user=viewer, verb=get, resource=nodes, subresource\\(s\\)=\\[${sub}\\]\\)`), `kubelet 403 body for ${path}: ${r.body}`);
  }
  const token = (await c.kubectl('create', 'token', SA, '-n', SEC_NS)).trim();
  s.needles.push(...tokenNeedles('a TokenRequest token used at the kubelet', token));
  const bySA = await request(c, s, { url: base + logsPath, token });
  assert.equal(bySA.status, 403, `kubelet ${logsPath} with a ServiceAccount token: ${describeResponse(bySA)}`);
  assert.match(bySA.body, new RegExp(`user=system:serviceaccount:${SEC_NS}:${SA}`), `kubelet 403 body: ${bySA.body}`);

  // The API server's kubelet-client identity, and so kubectl logs, get through.
  const apiserver = await request(c, s, { url: base + logsPath, ...leafPaths(c.dataDir, CERT.apiserverKubeletClient) });
  assert.equal(apiserver.status, 200, `kubelet ${logsPath} with the apiserver's kubelet client cert: ${describeResponse(apiserver)}`);
  assert.match(apiserver.body, /e2e-curl started/);
  const logs = await c.kubectl('logs', '-n', SEC_NS, CURL_POD);
  assert.match(logs, /e2e-curl started/, `kubectl logs ${CURL_POD}: ${logs}`);
  s.log('kubelet API: anonymous 401, unknown CA 401, viewer 403 (proxy, log), pod token 403, apiserver 200, kubectl logs ok');
}

/** `kubectl auth whoami` on 1.28 and the current kubectl shows system:admin for the admin kubeconfig, and the viewer for its cert. */
export async function whoamiShowsIdentities(c: Cluster, s: SecurityRun): Promise<void> {
  for (const bin of [KUBECTL_128, '/usr/bin/kubectl']) {
    const out = await c.exec(bin, '--kubeconfig', c.kubeconfig, 'auth', 'whoami');
    assert.match(out, /^Username\s+system:admin\s*$/m, `${bin} auth whoami:\n${out}`);
    assert.match(out, /system:masters/, `${bin} auth whoami shows the groups:\n${out}`);
  }
  const viewerKc = join(s.dir, 'viewer.kubeconfig');
  const out = await c.exec('/usr/bin/kubectl', '--kubeconfig', viewerKc, 'auth', 'whoami');
  assert.match(out, /^Username\s+viewer\s*$/m, `kubectl auth whoami as the viewer:\n${out}`);
  s.log('kubectl auth whoami: system:admin (1.28 and current), viewer');
}

/** Regular files under `dir` whose name ends in `.log`, recursively; unreadable dirs are skipped. */
async function logFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await logFiles(p)));
    else if (e.isFile() && e.name.endsWith('.log')) out.push(p);
  }
  return out;
}

/** Every private key under tls/ (recursively), as needles. */
async function clusterKeyNeedles(dir: string, label = 'tls'): Promise<Needle[]> {
  const out: Needle[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await clusterKeyNeedles(p, `${label}/${e.name}`)));
    else if (e.isFile() && e.name.endsWith('.key')) out.push(...keyNeedles(`cluster key ${label}/${e.name}`, await readFile(p, 'utf8')));
  }
  return out;
}

/** No private key (cluster or test), no `PRIVATE KEY` text and no token the steps saw appears in the server log or any *.log under the data dir. */
export async function logsHoldNoSecrets(c: Cluster, s: SecurityRun): Promise<void> {
  const clusterKeys = await clusterKeyNeedles(join(c.dataDir, 'tls'));
  assert.ok(clusterKeys.length > 0, 'found no private keys under tls/');
  const needles = [...clusterKeys, ...s.needles];
  const files = [c.serverLog, ...(await logFiles(c.dataDir))];
  const found: string[] = [];
  let bytes = 0;
  for (const f of files) {
    const size = (await stat(f)).size;
    bytes += size;
    const text = await readFile(f, 'utf8');
    for (const leak of findLeaks(text, needles)) found.push(`${f}:${leak.line}: ${leak.label}`);
  }
  assert.deepEqual(found, [], `secrets in logs:\n${found.slice(0, 40).join('\n')}`);
  s.log(`no key or token in ${files.length} log files (${Math.round(bytes / 1024)} KiB), ${needles.length} needles`);
}
