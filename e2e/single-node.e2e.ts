/**
 * Acceptance test: one Skiff node, driven only through the unmodified kubectl,
 * inside a private network namespace with a local registry. The steps share
 * one cluster and run in order; after a failure the later steps are skipped
 * (set E2E_CONTINUE=1 to run them anyway). See e2e/README.md.
 */
import { after, before, describe } from 'node:test';
import { OrderedSteps } from './harness/steps.ts';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { release, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1';
import type { Namespace, Node, Pod, Service } from 'kubernetes-types/core/v1';
import { buildImages } from '../deploy/images/build.ts';
import { isAlive, startCluster, type Cluster } from './harness/cluster.ts';
import { log, prerequisites, type List } from './harness/prelude.ts';
import { runningAppContainersByPod, type CriContainer } from './harness/containers.ts';
import { lastStatus, lastStatusBody, withoutKlog, type StatusBody } from './harness/kubectl-log.ts';
import { waitFor } from '../testutil/wait.ts';
import { readRss } from '../testutil/process-memory.ts';
import { describePods, podView, runningPods, webManifest, type PodView, type WebSpec } from './harness/workload.ts';
import * as sec from './security-steps.ts';
import { jobRunsToCompletion } from './job-steps.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MIN = 60_000;
const TOOLS = ['ip', 'nsenter', 'umoci', 'skopeo', 'docker-registry', 'gcc', 'dpkg-deb', 'curl', 'etcd', 'etcdctl', 'containerd', 'runc', 'ctr', 'iptables', 'openssl'];
const CONTINUE_AFTER_FAILURE = process.env.E2E_CONTINUE === '1';


async function suitePrerequisites(): Promise<string | undefined> {
  if (!existsSync(join(ROOT, 'deploy/cli.ts'))) return 'deploy/cli.ts (the `skiff server` launcher) is not present yet';
  return prerequisites(TOOLS);
}

function osPrettyName(): string {
  const text = readFileSync('/etc/os-release', 'utf8');
  return text.match(/^PRETTY_NAME="?([^"\n]*)"?$/m)?.[1] ?? '';
}

describe('single node cluster, driven with kubectl', { timeout: 24 * MIN }, () => {
  let skipReason: string | undefined;
  let startError: unknown;
  let cluster: Cluster | undefined;
  let work = '';

  before(async () => {
    skipReason = await suitePrerequisites();
    if (skipReason) {
      log(`skipping: ${skipReason}`);
      return;
    }
    work = await mkdtemp(join(tmpdir(), 'skiff-e2e-manifests-'));
    try {
      log('building test images (cached after the first run)');
      const built = await buildImages({ progress: log });
      log(`starting cluster (images from ${built.dir})`);
      // --split-processes: step 5 kill -9s each component alone (issue 9 keeps that mode for the kill -9 tests); the other e2e files run the default one process.
      cluster = await startCluster({ images: built.images, progress: log, extraServerArgs: ['--split-processes'] });
      log(`cluster up: netns ${cluster.netns.name}, node IP ${cluster.nodeIP}, data dir ${cluster.dataDir}`);
    } catch (e) {
      startError = e;
      log(`cluster failed to start: ${e instanceof Error ? e.message : String(e)}`);
    }
  }, { timeout: 6 * MIN });

  after(async () => {
    if (cluster) {
      if (steps.failedAt()) log(`server log tail:\n${await cluster.logTail(8000)}`);
      await cluster.stop();
    }
    if (work) await rm(work, { recursive: true, force: true });
  }, { timeout: 3 * MIN });

  const steps = new OrderedSteps<Cluster>({ cluster: () => cluster, skipReason: () => skipReason, startError: () => startError }, log, CONTINUE_AFTER_FAILURE);
  const step = (title: string, timeoutMs: number, body: (c: Cluster) => Promise<void>): void => steps.step(title, timeoutMs, body);

  // ---- helpers over the shared cluster -------------------------------------------------

  async function applyWeb(c: Cluster, spec: WebSpec): Promise<string> {
    const file = join(work, `web-${spec.replicas}-${spec.image.replace(/[^a-z0-9.]/gi, '_')}.yaml`);
    await writeFile(file, webManifest(spec));
    const out = await c.kubectl('apply', '-f', file);
    log(`kubectl apply (${spec.replicas} x ${spec.image}): ${out.trim().replace(/\n/g, '; ')}`);
    return out;
  }

  async function webPods(c: Cluster): Promise<PodView[]> {
    const list = await c.kubectlJson<List<Pod>>('get', 'pods', '-l', 'app=web');
    return list.items.map(podView);
  }

  /** Waits until exactly `n` app=web pods exist outside deletion, all Running with IPs (and on `image` when given). */
  async function waitRunning(c: Cluster, n: number, timeoutMs: number, image?: string, exclude: readonly string[] = []): Promise<PodView[]> {
    return waitFor(
      async (note) => {
        const pods = await webPods(c);
        note(describePods(pods));
        const live = pods.filter((p) => !p.terminating);
        const running = runningPods(pods);
        if (live.length !== n || running.length !== n) return undefined;
        if (image && running.some((p) => p.image !== image)) return undefined;
        if (running.some((p) => exclude.includes(p.name))) return undefined;
        return running;
      },
      timeoutMs,
      `${n} Running app=web pods${image ? ` on ${image}` : ''}${exclude.length ? ` (none of ${exclude.join(', ')})` : ''}`,
    );
  }

  async function waitDeploymentReady(c: Cluster, n: number, timeoutMs: number): Promise<Deployment> {
    return waitFor(
      async (note) => {
        const d = await c.kubectlJson<Deployment>('get', 'deployment', 'web');
        const s = d.status ?? {};
        note(`spec.replicas=${d.spec?.replicas} status=${JSON.stringify({ r: s.replicas, ready: s.readyReplicas, avail: s.availableReplicas, upd: s.updatedReplicas, unavail: s.unavailableReplicas })}`);
        const ok = d.spec?.replicas === n && s.readyReplicas === n && s.availableReplicas === n && s.updatedReplicas === n && !s.unavailableReplicas;
        return ok ? d : undefined;
      },
      timeoutMs,
      `deployment/web to report ${n} ready, available and updated replicas`,
    );
  }

  /** Lists what is wrong between the Running pods and containerd: each pod needs exactly one running app container and one running sandbox. */
  function containerProblems(pods: readonly PodView[], containers: readonly CriContainer[]): string[] {
    const problems: string[] = [];
    const inDefault = containers.filter((x) => x.podNamespace === 'default');
    const apps = runningAppContainersByPod(inDefault);
    const sandboxes = new Map<string, number>();
    for (const x of inDefault) {
      if (x.kind === 'sandbox' && x.status === 'RUNNING') sandboxes.set(x.podName, (sandboxes.get(x.podName) ?? 0) + 1);
    }
    const names = new Set(pods.map((p) => p.name));
    for (const p of pods) {
      const n = apps.get(`default/${p.name}`)?.length ?? 0;
      if (n !== 1) problems.push(`${p.name}: ${n} running app containers`);
      const s = sandboxes.get(p.name) ?? 0;
      if (s !== 1) problems.push(`${p.name}: ${s} running sandboxes`);
    }
    for (const [key, list] of apps) {
      if (!names.has(key.slice('default/'.length))) problems.push(`${key}: ${list.length} running container(s) but no such Running pod`);
    }
    for (const [pod, n] of sandboxes) {
      if (!names.has(pod)) problems.push(`${pod}: ${n} running sandbox(es) but no such Running pod`);
    }
    return problems;
  }

  async function waitContainersMatchPods(c: Cluster, n: number, timeoutMs: number): Promise<void> {
    await waitFor(
      async (note) => {
        const pods = runningPods(await webPods(c));
        const problems = containerProblems(pods, await c.containers());
        note(`pods: ${describePods(pods)} | problems: ${problems.join('; ') || 'none'}`);
        return pods.length === n && problems.length === 0;
      },
      timeoutMs,
      `containerd to hold exactly one running nginx container and sandbox per Running pod (${n} pods)`,
    );
  }

  async function clusterIP(c: Cluster): Promise<string> {
    const ip = (await c.kubectl('get', 'service', 'web', '-o', 'jsonpath={.spec.clusterIP}')).trim();
    assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/, `service web has no IPv4 ClusterIP: ${JSON.stringify(ip)}`);
    return ip;
  }

  /** GET http://<ClusterIP>:8080/ from the node namespace; returns headers and body (empty body on failure). */
  async function curlService(c: Cluster, ip: string): Promise<{ code: number; headers: string; body: string; err: string }> {
    const r = await c.execResult('curl', '-s', '-S', '--max-time', '5', '-D', '-', `http://${ip}:8080/`);
    const split = r.stdout.indexOf('\r\n\r\n');
    return {
      code: r.code,
      headers: split >= 0 ? r.stdout.slice(0, split) : '',
      body: split >= 0 ? r.stdout.slice(split + 4) : r.stdout,
      err: r.stderr.trim(),
    };
  }

  async function waitServiceAnswers(c: Cluster, ip: string, timeoutMs: number): Promise<void> {
    await waitFor(
      async (note) => {
        const r = await curlService(c, ip);
        note(`curl exit ${r.code} ${r.err} body: ${r.body.slice(0, 200)}`);
        return r.body.includes('Welcome to nginx!');
      },
      timeoutMs,
      `http://${ip}:8080/ to return a body containing "Welcome to nginx!"`,
    );
  }

  async function etcdKeys(c: Cluster): Promise<string[]> {
    const out = await c.etcdctl('get', '--prefix', '/registry', '--keys-only');
    return out.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.includes('/events/'));
  }

  /** Asserts kubectl (run at -v=9: -v=8 truncates bodies over 1 KiB) got HTTP `code` for `verb` on a URL containing `path`, with a Status body of that code and `reason`. */
  function assertStatus(stderr: string, verb: string, path: string, code: number, reason: string, what: string): StatusBody {
    const seen = `kubectl said:\n${stderr.slice(-3000)}`;
    assert.equal(lastStatus(stderr, path, verb), code, `${what}: expected HTTP ${code} for ${verb} ${path}; ${seen}`);
    const body = lastStatusBody(stderr);
    assert.ok(body, `${what}: no Status object in the response body; ${seen}`);
    assert.equal(body.code, code, `${what}: Status.code; ${seen}`);
    assert.equal(body.reason, reason, `${what}: Status.reason; ${seen}`);
    assert.equal(body.status, 'Failure', `${what}: Status.status; ${seen}`);
    assert.ok((body.message ?? '').length > 0, `${what}: empty Status.message; ${seen}`);
    return body;
  }

  // ---- the steps -------------------------------------------------------------------------

  step('1. the node becomes Ready and reports its IP, OS, kernel and containerd 1.6', 3 * MIN, async (c) => {
    await waitFor(
      async (note) => {
        const node = await c.kubectlJson<Node>('get', 'node', c.nodeName);
        const ready = node.status?.conditions?.find((x) => x.type === 'Ready');
        note(`Ready=${ready?.status} reason=${ready?.reason} message=${ready?.message}`);
        return ready?.status === 'True';
      },
      2 * MIN,
      `node ${c.nodeName} to be Ready`,
    );
    const wide = await c.kubectl('get', 'nodes', '-o', 'wide');
    log(`kubectl get nodes -o wide:\n${wide}`);
    const [header = '', ...rows] = wide.trim().split('\n');
    for (const col of ['STATUS', 'INTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME']) {
      assert.ok(header.includes(col), `column ${col} missing from kubectl get nodes -o wide:\n${wide}`);
    }
    const row = rows.find((r) => r.startsWith(`${c.nodeName} `));
    assert.ok(row, `no row for ${c.nodeName} in:\n${wide}`);
    assert.match(row, /\sReady\s/, `node row is not Ready:\n${wide}`);
    assert.ok(row.includes(` ${c.nodeIP} `), `INTERNAL-IP ${c.nodeIP} missing:\n${wide}`);
    const pretty = osPrettyName();
    assert.ok(pretty && row.includes(pretty), `OS-IMAGE ${JSON.stringify(pretty)} (PRETTY_NAME of /etc/os-release) missing:\n${wide}`);
    assert.ok(row.includes(release()), `KERNEL-VERSION ${release()} missing:\n${wide}`);
    assert.match(row, /containerd:\/\/1\.6\./, `CONTAINER-RUNTIME is not containerd://1.6.x:\n${wide}`);
  });

  step('2. a 3-replica nginx Deployment and its Service roll out', 4 * MIN, async (c) => {
    const t0 = Date.now();
    await applyWeb(c, { replicas: 3, image: 'nginx:1.22' });
    const rollout = await c.kubectl('rollout', 'status', 'deployment/web', '--timeout=180s');
    log(`rollout status: ${rollout.trim().split('\n').pop() ?? ''}`);
    const pods = await waitRunning(c, 3, 2 * MIN);
    log(`TIMING apply -> 3 pods Running: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    log(`RSS with 3 pods running: ${await rssReport(c)}`);
    const wide = await c.kubectl('get', 'pods', '-o', 'wide');
    log(`kubectl get pods -o wide:\n${wide}`);
    for (const p of pods) {
      const row = wide.split('\n').find((l) => l.startsWith(`${p.name} `));
      assert.ok(row, `pod ${p.name} missing from:\n${wide}`);
      assert.match(row, /\sRunning\s/, `pod ${p.name} is not Running in:\n${wide}`);
      assert.ok(row.includes(` ${p.podIP} `), `pod IP ${p.podIP} of ${p.name} missing in:\n${wide}`);
    }
    assert.equal(new Set(pods.map((p) => p.podIP)).size, 3, `pod IPs are not distinct: ${describePods(pods)}`);
    const events = await waitFor(
      async (note) => {
        const text = await c.kubectl('get', 'events');
        const missing = ['Scheduled', 'Pulled', 'Created', 'Started'].filter((r) => !new RegExp(`\\b${r}\\b`).test(text));
        note(`missing ${missing.join(', ')} in:\n${text}`);
        return missing.length === 0 ? text : undefined;
      },
      MIN,
      'kubectl get events to show Scheduled, Pulled, Created and Started',
    );
    log(`events: ${events.split('\n').length - 1} lines`);
  });

  step('3. the ClusterIP Service answers and spreads requests over the pods', 3 * MIN, async (c) => {
    const ip = await clusterIP(c);
    await waitServiceAnswers(c, ip, MIN);
    let good = 0;
    const bad: string[] = [];
    for (let i = 0; i < 30; i++) {
      const r = await curlService(c, ip);
      if (r.body.includes('Welcome to nginx!')) good++;
      else bad.push(`#${i}: exit ${r.code} ${r.err} ${r.body.slice(0, 100)}`);
    }
    assert.equal(good, 30, `only ${good}/30 requests to ${ip}:8080 returned the nginx page: ${bad.join(' | ')}`);
    const pods = runningPods(await webPods(c));
    // The proxy picks up endpoints within a sync interval (>= 1 s) of their
    // EndpointSlice change, so keep sending requests while looking for a spread.
    const served = await waitFor(
      async (note) => {
        for (let i = 0; i < 10; i++) await curlService(c, ip);
        const counts: string[] = [];
        let podsWithGets = 0;
        for (const p of pods) {
          const logs = await c.kubectl('logs', p.name);
          const gets = logs.split('\n').filter((l) => /"GET \/ HTTP\/1\.1" 200/.test(l)).length;
          counts.push(`${p.name}=${gets}`);
          if (gets > 0) podsWithGets++;
        }
        note(`GET lines per pod: ${counts.join(', ')}`);
        return podsWithGets > 1 ? counts : undefined;
      },
      30_000,
      'more than one pod to have served a request (GET lines in kubectl logs)',
    );
    log(`requests per pod: ${served.join(', ')}`);
  });

  step('4. self-healing, scaling, re-apply and an image update', 5 * MIN, async (c) => {
    const [victim] = runningPods(await webPods(c));
    assert.ok(victim, 'no Running pod to delete');
    await c.kubectl('delete', 'pod', victim.name, '--timeout=120s');
    const healed = await waitRunning(c, 3, 2 * MIN, undefined, [victim.name]);
    log(`deleted ${victim.name}; now ${healed.map((p) => p.name).join(', ')}`);

    await c.kubectl('scale', 'deployment/web', '--replicas=5');
    await waitRunning(c, 5, 2 * MIN);
    log('scaled to 5');

    await applyWeb(c, { replicas: 2, image: 'nginx:1.22' });
    await waitRunning(c, 2, 2 * MIN);
    log('re-applied with replicas: 2');

    await applyWeb(c, { replicas: 2, image: 'nginx:1.23' });
    await c.kubectl('rollout', 'status', 'deployment/web', '--timeout=180s');
    const updated = await waitRunning(c, 2, 2 * MIN, 'nginx:1.23');
    log(`image updated: ${describePods(updated)}`);
    const ip = await clusterIP(c);
    await waitFor(
      async (note) => {
        const seen: string[] = [];
        for (let i = 0; i < 6; i++) seen.push((await curlService(c, ip)).headers.match(/X-Skiff-Image: (\S+)/i)?.[1] ?? 'none');
        note(`X-Skiff-Image headers: ${seen.join(', ')}`);
        return seen.every((s) => s === 'nginx:1.23');
      },
      MIN,
      'every Service response to come from an nginx:1.23 container',
    );
  });

  step('5. killed components (scheduler, controller-manager, kubelet, apiserver, proxy) come back and the deployment converges', 7 * MIN, async (c) => {
    const victims: Array<{ label: string; names: string[]; replicas: number }> = [
      { label: 'scheduler', names: ['scheduler', 'kube-scheduler'], replicas: 4 },
      { label: 'controller-manager', names: ['controller-manager', 'controllers', 'kube-controller-manager'], replicas: 6 },
      { label: 'kubelet', names: ['kubelet'], replicas: 8 },
      // Every component survives a restart of the API server: informers relist/rewatch.
      { label: 'apiserver', names: ['apiserver'], replicas: 5 },
      { label: 'proxy', names: ['proxy'], replicas: 3 },
    ];
    for (const v of victims) {
      const oldPid = await c.pidOf(...v.names);
      assert.ok(isAlive(oldPid), `${v.label} pid ${oldPid} from the pid file is not alive`);
      await c.kubectl('scale', 'deployment/web', `--replicas=${v.replicas}`);
      process.kill(oldPid, 'SIGKILL');
      log(`scaled to ${v.replicas} and killed ${v.label} (pid ${oldPid})`);
      const newPid = await waitFor(
        async (note) => {
          const pid = await c.pidOf(...v.names);
          note(`pid file says ${pid} (alive=${isAlive(pid)})`);
          return pid !== oldPid && isAlive(pid) ? pid : undefined;
        },
        MIN,
        `${v.label} to be restarted with a new pid`,
      );
      log(`${v.label} is back as pid ${newPid}`);
      await waitRunning(c, v.replicas, 2 * MIN);
      await waitDeploymentReady(c, v.replicas, MIN);
      await waitContainersMatchPods(c, v.replicas, MIN);
      log(`converged to ${v.replicas} Running pods, one container each`);
    }
    // After all of that, the Service still answers through the restarted proxy.
    const svc = await c.kubectlJson<Service>('get', 'service', 'web');
    await waitFor(
      async (note) => {
        const r = await c.execResult('curl', '-s', '--max-time', '3', `http://${svc.spec?.clusterIP}:8080/`);
        note(`curl exit ${r.code}: ${r.stdout.slice(0, 200)}`);
        return r.stdout.includes('Welcome to nginx!');
      },
      MIN,
      'the Service to answer after the restarts',
    );
  });

  step('6. bad input is rejected with a clear Status and writes nothing', 4 * MIN, async (c) => {
    // Namespaces carry the write-side checks: cluster-scoped, no side effects on create.
    const ns: Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'e2e-conflict', labels: { a: '1' } } };
    const nsFile = join(work, 'ns.json');
    await writeFile(nsFile, JSON.stringify(ns));
    await c.kubectl('create', '-f', nsFile);
    const stale = await c.kubectlJson<Namespace>('get', 'namespace', 'e2e-conflict');
    await c.kubectl('label', 'namespace', 'e2e-conflict', 'a=2', '--overwrite');

    const before = await etcdKeys(c);
    assert.ok(before.length > 0, 'etcdctl get --prefix /registry --keys-only returned no keys: wrong prefix or endpoint?');

    // An invalid name: 422 Invalid.
    const badName = join(work, 'bad-name.json');
    await writeFile(badName, JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'Bad_Name!' } }));
    const invalid = await c.kubectlResult('create', '-f', badName);
    assert.notEqual(invalid.code, 0, `creating Namespace "Bad_Name!" succeeded: ${invalid.stdout}`);
    assert.match(invalid.stderr, /is invalid/, `kubectl create of an invalid name: ${invalid.stderr}`);
    assert.match(invalid.stderr, /metadata\.name/, `the error does not name the field: ${invalid.stderr}`);
    const invalidRaw = await c.kubectlResult('create', '--raw', '/api/v1/namespaces', '-f', badName, '-v=9');
    const invalidStatus = assertStatus(invalidRaw.stderr, 'POST', '/api/v1/namespaces', 422, 'Invalid', 'invalid name');
    assert.match(invalidStatus.message ?? '', /Bad_Name!/, `the message does not name the object: ${invalidStatus.message}`);

    // Malformed JSON: 400 BadRequest.
    const broken = join(work, 'broken.json');
    await writeFile(broken, '{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "broken"');
    const malformed = await c.kubectlResult('create', '--raw', '/api/v1/namespaces', '-f', broken, '-v=9');
    assertStatus(malformed.stderr, 'POST', '/api/v1/namespaces', 400, 'BadRequest', 'malformed JSON');
    log(`malformed JSON: ${withoutKlog(malformed.stderr)}`);
    const applyBroken = await c.kubectlResult('apply', '-f', broken);
    assert.notEqual(applyBroken.code, 0, 'kubectl apply of a broken file succeeded');
    assert.match(applyBroken.stderr, /error/i, `kubectl apply of a broken file: ${applyBroken.stderr}`);

    // Unknown kinds, in a known and an unknown group version.
    for (const apiVersion of ['v1', 'example.com/v1']) {
      const f = join(work, `unknown-${apiVersion.replace('/', '_')}.yaml`);
      await writeFile(f, `apiVersion: ${apiVersion}\nkind: Frobnicator\nmetadata:\n  name: x\n  namespace: default\n`);
      const unknown = await c.kubectlResult('apply', '-f', f);
      assert.notEqual(unknown.code, 0, `apply of kind Frobnicator (${apiVersion}) succeeded`);
      const hint = /failed to list CRDs/.test(unknown.stderr)
        ? ' (kubectl validation lists apiextensions.k8s.io/v1 customresourcedefinitions for kinds missing from OpenAPI; the API server must serve that list, empty is fine)'
        : '';
      assert.match(unknown.stderr, /no matches for kind "Frobnicator"/, `kind Frobnicator in ${apiVersion}${hint}: ${unknown.stderr}`);
    }

    // A stale resourceVersion: 409 Conflict, and the object keeps the newer data.
    const staleFile = join(work, 'stale.json');
    await writeFile(staleFile, JSON.stringify({ ...stale, metadata: { ...stale.metadata, labels: { ...stale.metadata?.labels, a: '3' } } }));
    const conflict = await c.kubectlResult('replace', '-f', staleFile, '-v=9');
    assert.notEqual(conflict.code, 0, `replace with a stale resourceVersion succeeded: ${conflict.stdout}`);
    assertStatus(conflict.stderr, 'PUT', '/namespaces/e2e-conflict', 409, 'Conflict', 'stale resourceVersion');
    assert.match(withoutKlog(conflict.stderr), /Error from server \(Conflict\)/, `kubectl's message: ${withoutKlog(conflict.stderr)}`);
    const current = await c.kubectlJson<Namespace>('get', 'namespace', 'e2e-conflict');
    assert.equal(current.metadata?.labels?.a, '2', 'the rejected replace changed the object');

    const afterKeys = await etcdKeys(c);
    const added = afterKeys.filter((k) => !before.includes(k));
    assert.deepEqual(added, [], `rejected requests wrote keys to etcd: ${added.join(', ')}`);
    await c.kubectl('delete', 'namespace', 'e2e-conflict', '--timeout=90s');

    // A pod whose image does not exist backs off while the deployment stays available.
    const podFile = join(work, 'bad-image.yaml');
    await writeFile(podFile, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: e2e-bad-image\n  namespace: default\nspec:\n  containers:\n  - name: app\n    image: nginx:0.0.0-does-not-exist\n');
    await c.kubectl('apply', '-f', podFile);
    const reason = await waitFor(
      async (note) => {
        const p = podView(await c.kubectlJson<Pod>('get', 'pod', 'e2e-bad-image'));
        note(describePods([p]));
        return p.waitingReason === 'ImagePullBackOff' || p.waitingReason === 'ErrImagePull' ? p.waitingReason : undefined;
      },
      2 * MIN,
      'pod e2e-bad-image to show ImagePullBackOff or ErrImagePull',
    );
    log(`e2e-bad-image is waiting with ${reason}`);
    // The deployment keeps the size step 5 left it at, fully available beside the broken pod.
    const want = (await c.kubectlJson<Deployment>('get', 'deployment', 'web')).spec?.replicas ?? 0;
    assert.ok(want > 0, 'deployment web has replicas');
    const dep = await waitDeploymentReady(c, want, 10_000);
    assert.equal(dep.status?.availableReplicas, want);
    await c.kubectl('delete', 'pod', 'e2e-bad-image', '--timeout=90s');
  });

  step('7. deleting the deployment removes its ReplicaSet, pods and containers', 4 * MIN, async (c) => {
    await c.kubectl('delete', 'deployment', 'web', '--timeout=120s');
    await waitFor(
      async (note) => {
        const rs = await c.kubectlJson<List<ReplicaSet>>('get', 'replicasets', '-l', 'app=web');
        const pods = await webPods(c);
        note(`replicasets: ${rs.items.map((r) => r.metadata?.name).join(', ') || 'none'}; pods: ${describePods(pods)}`);
        return rs.items.length === 0 && pods.length === 0;
      },
      2 * MIN,
      'the ReplicaSets and pods of deployment web to be gone',
    );
    const left = await waitFor(
      async (note) => {
        const list = await c.containers();
        const ours = list.filter((x) => x.podNamespace === 'default' || x.image.includes('nginx'));
        note(`containers still present: ${ours.map((x) => `${x.kind}:${x.podName}:${x.image}:${x.status}`).join(', ')}`);
        return ours.length === 0 ? list : undefined;
      },
      2 * MIN,
      'containerd to hold no container of the deleted pods (no nginx, no default-namespace sandbox)',
    );
    log(`containers left in containerd: ${left.length === 0 ? 'none' : left.map((x) => `${x.kind}:${x.podNamespace}/${x.podName}`).join(', ')}`);
  });

  step('7b. a busybox Job completes; kubectl logs job/<name> prints its output; kubectl delete job removes its pod', 5 * MIN, jobRunsToCompletion);

  step('8. after a restart of skiff server the same objects and pods come back', 5 * MIN, async (c) => {
    await applyWeb(c, { replicas: 3, image: 'nginx:1.22' });
    await waitRunning(c, 3, 2 * MIN);
    const dep = await c.kubectlJson<Deployment>('get', 'deployment', 'web');
    const svc = await c.kubectlJson<Service>('get', 'service', 'web');
    const podsBefore = runningPods(await webPods(c)).map((p) => p.name).sort();
    const oldServer = c.serverPid();
    await c.restart();
    assert.notEqual(c.serverPid(), oldServer, 'the server process was not replaced');
    const dep2 = await c.kubectlJson<Deployment>('get', 'deployment', 'web');
    const svc2 = await c.kubectlJson<Service>('get', 'service', 'web');
    assert.equal(dep2.metadata?.uid, dep.metadata?.uid, 'deployment web has a new uid after restart');
    assert.equal(svc2.metadata?.uid, svc.metadata?.uid, 'service web has a new uid after restart');
    assert.equal(svc2.spec?.clusterIP, svc.spec?.clusterIP, 'service web changed its ClusterIP after restart');
    const pods = await waitRunning(c, 3, 3 * MIN);
    await waitDeploymentReady(c, 3, MIN);
    await waitContainersMatchPods(c, 3, MIN);
    const after = pods.map((p) => p.name).sort();
    log(`pods before restart: ${podsBefore.join(', ')}; after: ${after.join(', ')}`);
    await waitServiceAnswers(c, await clusterIP(c), MIN);
  });

  // Issue 6, the secured cluster: bodies in e2e/security-steps.ts, sharing state across steps.
  let secRun: sec.SecurityRun | undefined;
  const secStep = (title: string, timeoutMs: number, body: (c: Cluster, s: sec.SecurityRun) => Promise<void>): void =>
    step(title, timeoutMs, async (c) => body(c, (secRun ??= await sec.securityRun(work, log))));
  secStep('9. API: plain HTTP gets no answer; no credentials and a cert of an unknown CA get 401', MIN, sec.apiTransportAndAuthn);
  secStep('10. a view-bound user reads but cannot create pods (403, can-i, can-i --list)', 2 * MIN, sec.viewerIsReadOnly);
  secStep('11. a pod\'s ServiceAccount token from inside the pod has exactly its RBAC; wrong audience and expired get 401', 5 * MIN, sec.podTokenHasItsRbac);
  secStep('12. node identities reach only their own node\'s Node, pods and Secrets', 2 * MIN, sec.nodeIdentitiesAreConfined);
  secStep('13. the kubelet API refuses anonymous and unauthorized callers; kubectl logs works', MIN, sec.kubeletApiChecksCallers);
  secStep('14. kubectl auth whoami shows system:admin (1.28 and current)', MIN, sec.whoamiShowsIdentities);
  secStep('15. no private key or token in any component log', MIN, sec.logsHoldNoSecrets);
});

/** Resident memory of each supervised process (from its pid file), e.g. 'apiserver=88 MiB, ...': a note for the issue, not an assertion. */
async function rssReport(c: Cluster): Promise<string> {
  const parts: string[] = [];
  for (const name of ['server', 'etcd', 'containerd', 'apiserver', 'scheduler', 'controller-manager', 'kubelet', 'proxy']) {
    const pid = await c.pidOf(name).catch(() => undefined);
    const rss = pid === undefined ? undefined : await readRss(pid).catch(() => undefined);
    parts.push(`${name}=${rss === undefined ? '?' : `${Math.round(rss.rssMiB)} MiB`}`);
  }
  return parts.join(', ');
}
