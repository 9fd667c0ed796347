/**
 * A pod's ServiceAccount token, used from inside the pod with curl through
 * the kubernetes Service, has exactly its RBAC permissions; tokens for
 * another audience, or expired, are refused (issue 6 acceptance). The API has
 * no exec, so the pod's own script sends the requests at start and the test
 * reads the answers from its log.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pod, Secret, Service, ServiceAccount } from 'kubernetes-types/core/v1';
import { serviceAccountKeyPath } from '../../deploy/pki/layout.ts';
import { signJws } from '../../apiserver/auth/authn/jws.ts';
import { boundClaims } from '../../apiserver/auth/authn/sa-claims.ts';
import type { Cluster } from '../harness/cluster.ts';
import { describeResponse, inPodRequestsScript, parseInPodRequests, type HttpsResponse } from '../harness/https-client.ts';
import { tokenNeedles } from '../harness/leaks.ts';
import { waitFor } from '../../testutil/wait.ts';
import { assertStatusResponse, CURL_POD, jwtClaims, MIN, podManifest, request, SA, SA_DIR, SEC_NS, writeJson, type SecurityRun } from './common.ts';

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

  // A legacy Secret-based token: the token controller fills a kubernetes.io/service-account-token Secret.
  const secretName = `${SA}-legacy-token`;
  await c.kubectl('apply', '-f', await writeJson(s, 'legacy-token.json', {
    apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token',
    metadata: { name: secretName, namespace: SEC_NS, annotations: { 'kubernetes.io/service-account.name': SA } },
  }));
  const legacy = await waitFor(async (note) => {
    const sec = await c.kubectlJson<Secret>('get', 'secret', secretName, '-n', SEC_NS);
    note(`data keys: ${Object.keys(sec.data ?? {}).join(',')}`);
    const t = sec.data?.token;
    return t && sec.data?.['ca.crt'] && sec.data?.namespace ? Buffer.from(t, 'base64').toString('utf8') : undefined;
  }, 30_000, 'the token controller to fill the legacy token Secret');
  s.needles.push(...tokenNeedles('a legacy Secret token', legacy));
  assert.equal(jwtClaims(legacy).iss, 'kubernetes/serviceaccount', 'a legacy token');
  const legacyGet = await request(c, s, { url: podURL, token: legacy });
  assert.equal(legacyGet.status, 200, `GET pod with the legacy Secret token: ${describeResponse(legacyGet)}`);
  await c.kubectl('delete', 'secret', secretName, '-n', SEC_NS);
  assertStatusResponse(await request(c, s, { url: podURL, token: legacy }), 401, 'Unauthorized', 'the legacy token after its Secret is deleted');
  s.log('legacy Secret token: filled by the token controller, 200, 401 once the Secret is gone');
}
