/**
 * The secured-cluster acceptance checks of issue 6, as steps of the
 * single-node e2e (they share its cluster): transport and authentication of
 * the API, a read-only user, the limits of node identities, a pod's
 * ServiceAccount token used from inside the pod, the kubelet API's callers,
 * `kubectl auth whoami`, and no key or token in any log. Every check reads
 * the HTTP status and body the server sent, never only an exit code. All
 * traffic stays on loopback and the node address inside the namespace.
 * Objects live in namespace e2e-sec plus a second Node `e2e-other`
 * (unschedulable, tainted, never running anything). The pod-token step is
 * in security/pod-token.ts, the log scan in security/logs.ts, shared helpers
 * in security/common.ts; all are re-exported here.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Node } from 'kubernetes-types/core/v1';
import type { RunResult } from '../deploy/images/exec.ts';
import { leafPaths } from '../deploy/pki/layout.ts';
import { CERT } from '../deploy/pki/specs.ts';
import type { Cluster } from './harness/cluster.ts';
import { describeResponse, httpsRequest } from './harness/https-client.ts';
import { withoutKlog } from './harness/kubectl-log.ts';
import { keyNeedles, tokenNeedles } from './harness/leaks.ts';
import { makeCA, makeClientCert, writeCertKubeconfigFile } from './harness/openssl.ts';
import { waitFor } from '../testutil/wait.ts';
import {
  assertKubectlForbidden, assertStatusResponse, clusterCAFiles, CURL_POD, ELSEWHERE_POD, KUBECTL_128, kubectlAs, OTHER_NODE,
  podManifest, request, SA, SEC_NS, writeJson, type SecurityRun,
} from './security/common.ts';

export { securityRun, type SecurityRun } from './security/common.ts';
export { podTokenHasItsRbac } from './security/pod-token.ts';
export { logsHoldNoSecrets } from './security/logs.ts';

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

/** The kubelet API on <nodeIP>:10250: plain HTTP gets no answer; no credentials → 401; the viewer and a pod token (no nodes/log, nodes/proxy) → 403; kubectl logs works. */
export async function kubeletApiChecksCallers(c: Cluster, s: SecurityRun): Promise<void> {
  const base = `https://${c.nodeIP}:10250`;
  const logsPath = `/containerLogs/${SEC_NS}/${CURL_POD}/curl`;
  const viewer = s.viewer;
  assert.ok(viewer, 'the viewer step did not run');

  const plain = await httpsRequest(c.execResult, { url: `http://${c.nodeIP}:10250${logsPath}` });
  assert.equal(plain.status, 0, `plain HTTP to the kubelet port got an HTTP answer: ${describeResponse(plain)}`);
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
  s.log('kubelet API: plain HTTP no answer, anonymous 401, unknown CA 401, viewer 403 (proxy, log), pod token 403, apiserver 200, kubectl logs ok');
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
