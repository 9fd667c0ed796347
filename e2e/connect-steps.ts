/**
 * The pod-connect step of the multi-node acceptance run, through the API
 * server on node 1 to pods on every node: `kubectl exec` (stdout, stderr,
 * stdin, the exit code) with kubectl 1.33 (WebSocket, then its SPDY
 * fallback) and 1.27 (SPDY), `kubectl cp` both ways, `kubectl port-forward`
 * with both versions (the pod sees the connection from its own loopback),
 * the pods/exec RBAC refusal and grant, and `kubectl attach -i`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1';
import { stringify } from 'yaml';
import { nsWrap } from '../deploy/images/exec.ts';
import { waitFor } from '../testutil/wait.ts';
import type { MultiCluster } from './harness/multi-cluster.ts';

const MIN = 60_000;
/** The oldest kubectl the project tests with: SPDY only for exec and port-forward. */
const KUBECTL_1_27 = '/usr/lib/google-cloud-sdk/bin/kubectl.1.27';

/**
 * Runs the step on `c`, whose nodes node-1..3 each run a Running
 * `whoami-<node>` pod answering `/cgi-bin/who` on `whoPort` with the
 * caller's address; `work` is a scratch directory. Throws (assertion or
 * wait timeout) with what kubectl printed.
 */
export async function podConnectWorks(c: MultiCluster, work: string, whoPort: number, log: (line: string) => void): Promise<void> {
  const nodeNames = c.nodes.map((n) => n.nodeName);
  const apply = async (name: string, text: string): Promise<void> => {
    const file = join(work, name);
    await writeFile(file, text);
    await c.kubectl('apply', '-f', file);
  };
  const kubectlAt = (bin: string, args: string[], input?: string) =>
    c.server.member.runAllowFail(bin, ['--kubeconfig', c.kubeconfig, ...args], { timeoutMs: 60_000, ...(input !== undefined ? { input } : {}) });
  for (const bin of ['/usr/bin/kubectl', KUBECTL_1_27]) {
    for (const n of nodeNames) {
      const pod = `whoami-${n}`;
      const r = await kubectlAt(bin, ['exec', pod, '--', 'sh', '-c', 'echo "exec-ok $(hostname)"; echo to-stderr >&2']);
      assert.deepEqual([r.code, r.stdout, r.stderr.trim()], [0, `exec-ok ${pod}\n`, 'to-stderr'], `${bin} exec into ${pod}`);
    }
    const code = await kubectlAt(bin, ['exec', 'whoami-node-3', '--', 'sh', '-c', 'exit 3']);
    assert.equal(code.code, 3, `${bin}: the command's exit code comes back (${code.stderr.trim()})`);
    const cat = await kubectlAt(bin, ['exec', '-i', 'whoami-node-2', '--', 'cat'], 'piped through stdin\n');
    assert.equal(cat.stdout, 'piped through stdin\n', `${bin}: stdin reaches the container`);
  }
  log('exec works on every node with kubectl 1.33 and 1.27: stdout, stderr, stdin and the exit code');
  // kubectl cp is tar over exec, both ways.
  const local = join(work, 'cp-source.txt');
  await writeFile(local, 'copied by kubectl cp\n');
  const copyTo = await kubectlAt('/usr/bin/kubectl', ['cp', local, 'default/whoami-node-3:/tmp/cp.txt']);
  assert.equal(copyTo.code, 0, copyTo.stderr);
  const back = join(work, 'cp-back.txt');
  const copyFrom = await kubectlAt('/usr/bin/kubectl', ['cp', 'default/whoami-node-3:/tmp/cp.txt', back]);
  assert.equal(copyFrom.code, 0, copyFrom.stderr);
  assert.equal((await c.server.exec('cat', back)).stdout, 'copied by kubectl cp\n');
  // port-forward: the laptop-side listener is on node 1's loopback; the pod sees the connection from its own loopback.
  for (const [bin, port] of [['/usr/bin/kubectl', 18081], [KUBECTL_1_27, 18082]] as const) {
    const [cmd, args] = nsWrap(c.server.member.name, bin, ['--kubeconfig', c.kubeconfig, 'port-forward', 'pod/whoami-node-2', `${port}:${whoPort}`]);
    const pf = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      pf.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      pf.stderr.on('data', (d: Buffer) => { out += d.toString(); });
      await waitFor(() => out.includes(`Forwarding from 127.0.0.1:${port}`), 30_000, `${bin} port-forward listening (${out})`, 200);
      for (let i = 0; i < 3; i++) {
        const r = await c.server.exec('curl', '-sS', '-m', '10', `http://127.0.0.1:${port}/cgi-bin/who`);
        assert.equal(r.stdout.trim(), 'from=127.0.0.1', `${bin} port-forward, request ${i + 1}: ${r.stderr}`);
      }
    } finally {
      pf.kill();
    }
  }
  log('port-forward to a pod on node-2 answers from node 1 with kubectl 1.33 and 1.27');
  // Authorization: exec needs create on pods/exec, even for kubectl's WebSocket GET.
  const sa = 'system:serviceaccount:default:default';
  await c.kubectl('create', 'role', 'e2e-pod-reader', '--verb=get,list', '--resource=pods');
  await c.kubectl('create', 'rolebinding', 'e2e-pod-reader', '--role=e2e-pod-reader', '--serviceaccount=default:default');
  const denied = await waitFor(async () => {
    const r = await c.kubectlResult('exec', `--as=${sa}`, 'whoami-node-2', '--', 'true');
    return r.stderr.includes('pods/exec') ? r : undefined;
  }, 30_000, 'exec refused for lack of pods/exec');
  assert.notEqual(denied.code, 0);
  assert.match(denied.stderr, new RegExp(`User "${sa}" cannot create resource "pods/exec" in API group "" in the namespace "default"`));
  await c.kubectl('create', 'role', 'e2e-execer', '--verb=create', '--resource=pods/exec');
  await c.kubectl('create', 'rolebinding', 'e2e-execer', '--role=e2e-execer', '--serviceaccount=default:default');
  await waitFor(async () => (await c.kubectlResult('exec', `--as=${sa}`, 'whoami-node-2', '--', 'echo', 'granted')).stdout === 'granted\n', 30_000, 'exec allowed once pods/exec is granted');
  // attach: a container reading its stdin gets what kubectl attach -i sends.
  await apply('attach.yaml', stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'attach-me', namespace: 'default' },
    spec: { nodeName: 'node-3', terminationGracePeriodSeconds: 1, containers: [{ name: 'sh', image: 'busybox:1.36', stdin: true, command: ['sh', '-c', 'while read l; do echo "got:$l"; done'] }] },
  }));
  await waitFor(async () => (await c.kubectlJson<Pod>('get', 'pod', 'attach-me')).status?.phase === 'Running', 2 * MIN, 'attach-me Running');
  const att = await kubectlAt('/usr/bin/kubectl', ['attach', '-i', 'attach-me'], 'hello attach\n');
  assert.equal(att.code, 0, att.stderr);
  await waitFor(async () => (await c.kubectl('logs', 'attach-me')).includes('got:hello attach'), 30_000, 'the attached stdin line in the container log');
  await c.kubectl('delete', 'pod', 'attach-me', '--wait=false');
}
