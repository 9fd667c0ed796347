/**
 * Acceptance test (issue 8, NetworkPolicy) on the multi-node harness: one
 * `skiff server` and one `skiff agent` on a bridge, a laptop namespace, no
 * route off the machine, driven with kubectl. An nginx pod runs on the
 * server's node; curl client pods run on both nodes (same node: bridged
 * traffic; other node: routed over host-gw) and POST what they saw to a
 * collector in the laptop namespace. A default-deny NetworkPolicy blocks
 * them; a policy allowing the clients' label lets them in, from both nodes,
 * while a pod without the label stays out. About 80–120 s with cached images.
 */
import { after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1';
import type { NetworkPolicy } from 'kubernetes-types/networking/v1';
import { stringify } from 'yaml';
import { waitFor } from '../testutil/wait.ts';
import { log, type List } from './harness/prelude.ts';
import type { MultiCluster } from './harness/multi-cluster.ts';
import { multiClusterSuite } from './harness/multi-suite.ts';

const MIN = 60_000;
const TOOLS = ['ip', 'nsenter', 'nft', 'umoci', 'skopeo', 'docker-registry', 'gcc', 'dpkg-deb', 'curl', 'etcd', 'etcdctl', 'containerd', 'runc', 'ctr', 'iptables'];
const CONTINUE_AFTER_FAILURE = process.env.E2E_CONTINUE === '1';
const NS = 'np-e2e';
const NGINX = 'Welcome to nginx!';
const COLLECTOR_PORT = 9000;

/** An HTTP collector in the laptop namespace: every POST body becomes one line of `lines()`. */
function startCollector(ns: string, ip: string): { lines: () => string[]; stop: () => void; ready: Promise<void> } {
  const child = spawn('nsenter', [`--net=/run/netns/${ns}`, process.execPath, '-e',
    `require('http').createServer((q, s) => { let b = ''; q.on('data', (d) => { b += d; }); q.on('end', () => { console.log('R ' + b.trim()); s.end('ok'); }); })` +
    `.listen(${COLLECTOR_PORT}, '${ip}', () => console.log('ready'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('ready')) resolve(); });
    child.once('exit', (code) => reject(new Error(`collector exited ${code}`)));
  });
  return { ready, stop: () => child.kill(), lines: () => out.split('\n').filter((l) => l.startsWith('R ')).map((l) => l.slice(2)) };
}

/** The nginx pod the policies protect, pinned to `node`. */
function webPod(node: string): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: NS, labels: { app: 'web' } },
    spec: { nodeName: node, terminationGracePeriodSeconds: 1, containers: [{ name: 'nginx', image: 'nginx:1.22', ports: [{ name: 'http', containerPort: 80 }] }] },
  };
}

/**
 * A curl pod pinned to `node` with `labels`: GETs http://<target>/ up to 4
 * times (2 s cap each, 1 s apart: the target node's proxy learns a new
 * pod's IP only after the kubelet reports it, which may be after the
 * container started) and POSTs `<name> OK|FAIL` to the collector, then exits.
 */
function clientPod(name: string, node: string, labels: Record<string, string>, target: string, collector: string): Pod {
  const script = [
    'r=FAIL',
    `for i in 1 2 3 4; do if curl -sS -m 2 http://${target}/ | grep -q '${NGINX}'; then r=OK; break; fi; sleep 1; done`,
    `curl -sS -m 5 --data-binary "${name} $r" http://${collector}/`,
  ].join('\n');
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS, labels },
    spec: { nodeName: node, restartPolicy: 'Never', terminationGracePeriodSeconds: 1, containers: [{ name: 'curl', image: 'curl:7.88', command: ['sh', '-c', script] }] },
  };
}

const policy = (name: string, spec: NetworkPolicy['spec']): NetworkPolicy => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: NS }, spec });

describe('NetworkPolicy across two nodes', { timeout: 20 * MIN }, () => {
  let collector: ReturnType<typeof startCollector> | undefined;
  const suite = multiClusterSuite({ name: 'netpol', tools: TOOLS, cluster: { agents: 1 }, continueAfterFailure: CONTINUE_AFTER_FAILURE, beforeStop: () => { collector?.stop(); } });
  const steps = suite.steps;
  const step = (title: string, ms: number, body: (c: MultiCluster) => Promise<void>): void => steps.step(title, ms, body);

  async function apply(c: MultiCluster, name: string, docs: readonly object[]): Promise<void> {
    const file = join(suite.workDir(), name);
    await writeFile(file, docs.map((d) => stringify(d)).join('---\n'));
    await c.kubectl('apply', '-f', file);
  }

  let webIP = '';
  const serverNode = (c: MultiCluster): string => c.server.nodeName;
  const agentNode = (c: MultiCluster): string => c.agents[0]?.nodeName ?? '';

  /** Runs the clients (name → [node, labels]) and returns name → OK|FAIL as the collector received it. */
  async function runClients(c: MultiCluster, clients: Record<string, [string, Record<string, string>]>): Promise<Record<string, string>> {
    if (!collector) {
      collector = startCollector(c.topology.laptop.name, c.topology.laptop.ip);
      await collector.ready;
    }
    const col = collector;
    const names = Object.keys(clients);
    await apply(c, `clients-${names[0]}.yaml`, names.map((n) => {
      const [node, labels] = clients[n] ?? ['', {}];
      return clientPod(n, node, labels, webIP, `${c.topology.laptop.ip}:${COLLECTOR_PORT}`);
    }));
    const got = await waitFor((note) => {
      const seen = new Map(col.lines().map((l) => l.split(' ') as [string, string]));
      note(JSON.stringify([...seen]));
      return names.every((n) => seen.has(n)) ? Object.fromEntries(names.map((n) => [n, seen.get(n) ?? ''])) : undefined;
    }, 4 * MIN, `reports of ${names.join(', ')}`, 500);
    await c.kubectl('delete', 'pod', '-n', NS, '--wait=false', ...names);
    return got;
  }

  /**
   * Waits until the server node's proxy (the web pod's node, where its
   * ingress is enforced) has a NetworkPolicy table whose text satisfies `pred`.
   */
  async function webNodeTable(c: MultiCluster, what: string, pred: (table: string) => boolean): Promise<void> {
    await waitFor(async (note) => {
      const r = await c.server.exec('nft', 'list', 'table', 'inet', 'skiff-netpol');
      note(r.stdout.slice(-400) || r.stderr);
      return r.code === 0 && pred(r.stdout);
    }, 60_000, `${c.server.nodeName}: ${what}`, 250);
  }

  step('two nodes Ready; an nginx pod runs on the server node', 6 * MIN, async (c) => {
    await waitFor(async (note) => {
      const nodes = await c.kubectlJson<List<{ metadata: { name: string }; status?: { conditions?: Array<{ type: string; status: string }> } }>>('get', 'nodes');
      note(nodes.items.map((x) => `${x.metadata.name}=${x.status?.conditions?.find((k) => k.type === 'Ready')?.status}`).join(' '));
      return nodes.items.length === 2 && nodes.items.every((x) => x.status?.conditions?.some((k) => k.type === 'Ready' && k.status === 'True'));
    }, 4 * MIN, 'two Ready nodes', 1000);
    await c.kubectl('create', 'namespace', NS);
    await apply(c, 'web.yaml', [webPod(serverNode(c))]);
    webIP = await waitFor(async () => {
      const p = await c.kubectlJson<Pod>('get', 'pod', 'web', '-n', NS);
      return p.status?.phase === 'Running' ? p.status.podIP : undefined;
    }, 3 * MIN, 'web Running with an IP', 1000);
    log(`web pod at ${webIP} on ${serverNode(c)}`);
  });

  step('without policies, clients on both nodes reach nginx', 6 * MIN, async (c) => {
    const r = await runClients(c, { 'open-same': [serverNode(c), { role: 'client' }], 'open-cross': [agentNode(c), { role: 'client' }] });
    assert.deepEqual(r, { 'open-same': 'OK', 'open-cross': 'OK' });
  });

  step('a default-deny NetworkPolicy blocks clients on both nodes; the node itself still reaches its pod', 6 * MIN, async (c) => {
    await apply(c, 'deny.yaml', [policy('default-deny', { podSelector: {}, policyTypes: ['Ingress'] })]);
    const out = await c.kubectl('get', 'networkpolicies', '-n', NS);
    assert.match(out, /^NAME\s+POD-SELECTOR\s+AGE\ndefault-deny\s+<none>\s+\d+s/m);
    await webNodeTable(c, 'default deny', (t) => t.includes(`comment "${NS}/default-deny"`));
    const r = await runClients(c, { 'deny-same': [serverNode(c), { role: 'client' }], 'deny-cross': [agentNode(c), { role: 'client' }] });
    assert.deepEqual(r, { 'deny-same': 'FAIL', 'deny-cross': 'FAIL' });
    const fromNode = await c.server.exec('curl', '-sS', '-m', '5', `http://${webIP}/`);
    assert.ok(fromNode.stdout.includes(NGINX), `node → its pod is always allowed: ${fromNode.stderr}`);
  });

  step('a policy allowing the client label lets clients in from both nodes; other pods stay out', 6 * MIN, async (c) => {
    await apply(c, 'allow.yaml', [policy('allow-clients', {
      podSelector: { matchLabels: { app: 'web' } },
      ingress: [{ from: [{ podSelector: { matchLabels: { role: 'client' } } }], ports: [{ protocol: 'TCP', port: 'http' }] }],
    })]);
    const wide = await c.kubectl('get', 'netpol', '-n', NS);
    assert.match(wide, /^allow-clients\s+app=web\s+/m);
    await webNodeTable(c, 'allow rule', (t) => t.includes(`comment "${NS}/allow-clients"`));
    const r = await runClients(c, {
      'allow-same': [serverNode(c), { role: 'client' }],
      'allow-cross': [agentNode(c), { role: 'client' }],
      'stranger-cross': [agentNode(c), { role: 'stranger' }],
    });
    assert.deepEqual(r, { 'allow-same': 'OK', 'allow-cross': 'OK', 'stranger-cross': 'FAIL' });
  });

  step('deleting the policies opens nginx again', 6 * MIN, async (c) => {
    await c.kubectl('delete', 'networkpolicy', '-n', NS, 'default-deny', 'allow-clients');
    await webNodeTable(c, 'no policy chains', (t) => !t.includes(' jump '));
    const r = await runClients(c, { 'after-cross': [agentNode(c), { role: 'stranger' }] });
    assert.deepEqual(r, { 'after-cross': 'OK' });
  });
});
